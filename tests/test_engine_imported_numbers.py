"""A number another file of the project defines at its top level (``δ = 1e-6`` in util.py,
``from .util import δ``) scales a tensor without changing its shape; and ``cumprod`` keeps every
axis.  The engine claims no value for the number (the program may set it again).  Each case
checked against torch, the two files imported as a package."""

from __future__ import annotations

import importlib
import sys
import textwrap

import pytest

from lstm_lint.analyze import analyze_module
from lstm_lint.lint import load
from lstm_lint.project import Project
from lstm_lint.shapes import parse_spec
from lstm_lint.values import Tensor

UTIL = '''
import torch

δ = 1e-6
SCALE = -2
NAME = "eps"
'''

MODEL = '''
import torch
import torch.nn as nn

from .util import δ, SCALE, NAME


class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)

    def forward(self, x):
        out, _ = self.rnn(x)
        usage = δ + (1 - δ) * out
        scaled = out * SCALE
        running = torch.cumprod(usage, 1)[:, :-1]
        return usage, scaled, running, out.cumprod(dim=2)
'''


def _both(tmp_path, name: str):
    torch = pytest.importorskip("torch")
    pkg = tmp_path / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "util.py").write_text(textwrap.dedent(UTIL))
    (pkg / "model.py").write_text(textwrap.dedent(MODEL))
    sys.path.insert(0, str(tmp_path))
    try:
        mod = importlib.import_module(f"{name}.model")
    finally:
        sys.path.remove(str(tmp_path))
    real = [tuple(t.shape) for t in mod.Net(4, 6)(torch.randn(3, 7, 4))]
    return _static(pkg, 4, 6, "float32[3,7,4]"), real


def _static(pkg, n_in: int, hidden: int, spec: str):
    """The engine's output of ``pkg/model.py``'s Net, its project the package's two files."""
    path = str(pkg / "model.py")
    fm = load(path, prefilter=False)
    project = Project([path, str(pkg / "util.py")])
    project.add(fm)
    project.resolve(fm)
    cls = next(c for c in fm.module_classes() if c.name == "Net")
    ms = analyze_module(fm, cls, project, [], {"n_in": parse_int(n_in),
                                               "hidden": parse_int(hidden)},
                        [parse_spec(spec)])
    return ms.output


def parse_int(n: int):
    from lstm_lint.shapes import from_json

    return from_json(n)


def _dims(v):
    assert isinstance(v, Tensor) and v.shape is not None and not v.shape.star
    return tuple(d.as_int() if d is not None else None for d in v.shape.dims)


def test_an_imported_number_scales_a_tensor_and_cumprod_keeps_its_axes(tmp_path):
    out, real = _both(tmp_path, "pkg_numbers")
    assert [_dims(v) for v in out.items] == real == [(3, 7, 6), (3, 7, 6), (3, 6, 6), (3, 7, 6)]


def test_an_imported_string_is_not_a_number(tmp_path):
    # ``NAME`` is a str: ``out * NAME`` raises in torch; the engine must not give it a shape
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        torch.zeros(2) * "eps"
    path = tmp_path / "m"
    path.mkdir()
    (path / "__init__.py").write_text("")
    (path / "util.py").write_text(textwrap.dedent(UTIL))
    (path / "model.py").write_text(textwrap.dedent(MODEL).replace("out * SCALE",
                                                                  "out * NAME"))
    scaled = _static(path, 4, 6, "float32[3,7,4]").items[1]
    assert not isinstance(scaled, Tensor) or scaled.shape is None


def test_an_imported_name_bound_again_at_the_top_level_is_not_the_import(tmp_path):
    """From review rv5: ``from .util import SCALE`` then ``SCALE = torch.ones(SCALE, 1, 1,
    1)``: the product has torch's 4 axes, never the RNN output's 3 (the engine: unknown)."""
    torch = pytest.importorskip("torch")
    pkg = tmp_path / "pkg_rebound"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "util.py").write_text("SCALE = 4\n")
    (pkg / "model.py").write_text(textwrap.dedent('''
        import torch
        import torch.nn as nn

        from .util import SCALE

        SCALE = torch.ones(SCALE, 1, 1, 1)


        class Net(nn.Module):
            def __init__(self, n_in, hidden):
                super().__init__()
                self.rnn = nn.LSTM(n_in, hidden, batch_first=True)

            def forward(self, x):
                out, _ = self.rnn(x)
                return out * SCALE
        '''))
    sys.path.insert(0, str(tmp_path))
    try:
        mod = importlib.import_module("pkg_rebound.model")
    finally:
        sys.path.remove(str(tmp_path))
    assert tuple(mod.Net(5, 8)(torch.randn(3, 7, 5)).shape) == (4, 3, 7, 8)
    out = _static(pkg, 5, 8, "float32[3,7,5]")
    assert not isinstance(out, Tensor) or out.shape is None
