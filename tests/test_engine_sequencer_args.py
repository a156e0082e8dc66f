"""A CRNN built the way PyLaia builds one, each piece checked against torch:

- ``re.match(constant pattern, constant string)`` evaluated by Python's own ``re``: the
  groups are known strings (``int(m.group(2))`` is 16), a failed match is None;
- ``zip(itertools.count(), sizes, ...)``: the count stops with the other lists;
- a helper of another project file that lays the tensor out (``x.permute(...).view(...)``,
  no word of torch in its text) is followed;
- ``shapes --args`` takes ``{"expr": "nn.LSTM"}`` and ``{"expr": "[nn.LeakyReLU] * 2"}``: a
  torch class named as the file names it, read, never run.
"""

from __future__ import annotations

import importlib
import json
import sys
import textwrap

import pytest

from lstm_lint.analyze import analyze_module
from lstm_lint.arg_exprs import expr_value
from lstm_lint.lint import load
from lstm_lint.project import Project
from lstm_lint.shapes import from_json, parse_spec
from lstm_lint.values import UNKNOWN, Const, Tensor

HELPER = '''
def to_sequence(x, columnwise=True):
    n, c, h, w = x.size()
    if columnwise:
        return x.permute(3, 0, 1, 2).contiguous().view(w, n, h * c)
    return x.permute(2, 0, 1, 3).contiguous().view(h, n, w * c)
'''

MODEL = '''
import re
from itertools import count

import torch
import torch.nn as nn

from .helper import to_sequence


class Sequencer(nn.Module):
    def __init__(self, sequencer, columnwise=True):
        super().__init__()
        m = re.match(r"^(avgpool|maxpool|none)-([1-9][0-9]*)$", sequencer)
        if m is None:
            raise ValueError("not a sequencer")
        self.fix_size = int(m.group(2))
        self.kind = m.group(1)
        if m.group(1) == "avgpool":
            self.pool = nn.AdaptiveAvgPool2d((self.fix_size, 1))
        else:
            self.pool = None

    def forward(self, x):
        if self.pool is not None:
            x = self.pool(x)
        elif x.size(-2) != self.fix_size:
            raise ValueError("height")
        return to_sequence(x)


class CRNN(nn.Module):
    def __init__(self, channels, activations, sequencer, hidden, rnn_type=nn.GRU):
        super().__init__()
        blocks = []
        ni = 1
        for i, nh, act in zip(count(), channels, activations):
            blocks.append(nn.Conv2d(ni, nh, 3, padding=1))
            blocks.append(act())
            blocks.append(nn.MaxPool2d(2))
            ni = nh
        self.conv = nn.Sequential(*blocks)
        self.sequencer = Sequencer(sequencer)
        self.rnn = rnn_type(ni * self.sequencer.fix_size, hidden, bidirectional=True)
        self.out = nn.Linear(2 * hidden, 11)

    def forward(self, x):
        x = self.sequencer(self.conv(x))
        x, _ = self.rnn(x)
        return self.out(x)
'''

ARGS = {"channels": [8, 16], "activations": {"expr": "[nn.LeakyReLU] * 2"},
        "sequencer": "none-8", "hidden": 12, "rnn_type": {"expr": "nn.LSTM"}}


def _package(tmp_path, name: str):
    pkg = tmp_path / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "helper.py").write_text(textwrap.dedent(HELPER))
    (pkg / "model.py").write_text(textwrap.dedent(MODEL))
    return pkg


def _static(pkg, cls_name: str, kwargs: dict, spec: str):
    path = str(pkg / "model.py")
    fm = load(path, prefilter=False)
    project = Project([path, str(pkg / "helper.py")])
    project.add(fm)
    project.resolve(fm)
    cls = next(c for c in fm.module_classes() if c.name == cls_name)
    ms = analyze_module(fm, cls, project, [], {k: from_json(v, fm) for k, v in kwargs.items()},
                        [parse_spec(spec)])
    out = ms.output
    assert isinstance(out, Tensor) and out.shape is not None and not out.shape.star
    return tuple(d.as_int() for d in out.shape.dims)


def test_a_crnn_built_from_expressions_matches_torch(tmp_path):
    torch = pytest.importorskip("torch")
    pkg = _package(tmp_path, "pkg_crnn")
    sys.path.insert(0, str(tmp_path))
    try:
        mod = importlib.import_module("pkg_crnn.model")
    finally:
        sys.path.remove(str(tmp_path))
    net = mod.CRNN([8, 16], [torch.nn.LeakyReLU] * 2, "none-8", 12, rnn_type=torch.nn.LSTM)
    real = tuple(net(torch.randn(3, 1, 32, 20)).shape)
    assert real == (5, 3, 11)
    assert _static(pkg, "CRNN", ARGS, "float32[3,1,32,20]") == real
    seq = mod.Sequencer("none-8")
    assert seq.fix_size == 8 and seq.kind == "none"
    assert _static(pkg, "Sequencer", {"sequencer": "none-8"}, "float32[3,16,8,5]") \
        == tuple(seq(torch.randn(3, 16, 8, 5)).shape) == (5, 3, 128)


def test_a_failed_match_is_none_and_an_unsafe_pattern_is_not_run():
    from lstm_lint.interp.regex import Match, re_call

    def c(s):
        return Const(s)

    assert re_call("re.match", [c(r"^(none)-(\d+)$"), c("avg-3")], {}) == Const(None)
    got = re_call("re.fullmatch", [c(r"(?P<k>[a-z]+)-(\d+)"), c("none-16")], {})
    assert isinstance(got, Match) and got.groups == ("none-16", "none", "16")
    # a quantified group (catastrophic backtracking on some strings): left unknown
    assert re_call("re.match", [c(r"^(a+)+$"), c("a" * 30 + "!")], {}) is UNKNOWN
    assert re_call("re.match", [c("x"), UNKNOWN], {}) is UNKNOWN
    assert re_call("os.path.join", [c("x")], {}) is None


def test_expressions_are_read_not_run(tmp_path):
    pkg = _package(tmp_path, "pkg_expr")
    fm = load(str(pkg / "model.py"), prefilter=False)
    assert expr_value("nn.LSTM", fm).qual == "torch.nn.LSTM"  # type: ignore[attr-defined]
    assert expr_value("torch.nn.GRU", fm).qual == "torch.nn.GRU"  # type: ignore[attr-defined]
    rep = expr_value("[nn.ReLU] * 3", fm)
    assert [i.qual for i in rep.items] == ["torch.nn.ReLU"] * 3  # type: ignore[attr-defined]
    # a name the file does not import, a call, a project name: unknown, never evaluated
    for text in ("os.system('x')", "nn.LSTM(3, 4)", "Sequencer", "__import__('os')", "[1"):
        assert expr_value(text, fm) is UNKNOWN
    assert from_json(json.loads('{"expr": "nn.GRU"}'), fm).qual == "torch.nn.GRU"  # type: ignore


def test_patterns_that_may_backtrack_and_hostile_args_stay_unknown():
    """From review rv8: an escaped backslash before a quantifier is still a repeat (the
    pattern is counted as Python parses it), and ``--args`` expressions too long, too deep or
    with a 5,000-digit number are unknown, never a crash."""
    from lstm_lint.arg_exprs import expr_value
    from lstm_lint.interp.regex import safe_to_match
    from lstm_lint.values import UNKNOWN

    assert safe_to_match(r"^(avgpool|maxpool|none)-([1-9][0-9]*)$", "none-16")
    assert not safe_to_match(r"\\*\\*\\*\\*\\*\\*c", "\\" * 60)
    assert not safe_to_match(r"(a+)+$", "aaaa")
    assert not safe_to_match(r"(?=a)a", "a")
    assert expr_value("1" * 5000, None) is UNKNOWN
    assert expr_value("[" * 3000 + "]" * 3000, None) is UNKNOWN
    assert expr_value("[nn.ReLU] * " + "1" * 5000, None) is UNKNOWN
