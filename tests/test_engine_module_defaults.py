"""A module-level configuration name of another project file (``model_type = 'vanilla'`` in
config.py, rebound by ``init_param(opt)`` from the command line) that a model compares
(``if cfg.model_type == 'LSTM':``): under a concrete configuration the file's literal is taken
as the default configuration and named with the result (``model_type='vanilla'
(config.py:3)``); the symbolic run claims nothing.  Checked against torch, the files imported
as a package (the default, then after init_param rebinds it)."""

from __future__ import annotations

import importlib
import sys
import textwrap
from types import SimpleNamespace

import pytest

from lstm_lint.analyze import analyze_module
from lstm_lint.lint import load
from lstm_lint.project import Project
from lstm_lint.shapes import from_json, parse_spec
from lstm_lint.values import Tensor

CONFIG = '''
batch_size = 4
model_type = 'vanilla'  # vanilla, LSTM
width = 2


def init_param(opt):
    global model_type
    model_type = opt.model_type
'''

MODEL = '''
import torch
import torch.nn as nn

from . import config as cfg


class Gen(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        if cfg.model_type == 'LSTM':
            self.rnn = nn.LSTM(n_in, hidden, batch_first=True)
            self.out = nn.Linear(hidden, 5)
        else:
            self.rnn = nn.GRU(n_in, 2 * hidden, batch_first=True)
            self.out = nn.Linear(2 * hidden, 7)

    def forward(self, x):
        out, _ = self.rnn(x)
        if cfg.width != 2:
            out = out[:, -1]
        return self.out(out)
'''


def _package(tmp_path, name: str, config: str = CONFIG):
    pkg = tmp_path / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "config.py").write_text(textwrap.dedent(config))
    (pkg / "model.py").write_text(textwrap.dedent(MODEL))
    return pkg


def _analyse(pkg, concrete: bool):
    path = str(pkg / "model.py")
    fm = load(path, prefilter=False)
    project = Project([path, str(pkg / "config.py")])
    project.add(fm)
    project.resolve(fm)
    cls = next(c for c in fm.module_classes() if c.name == "Gen")
    if not concrete:
        return analyze_module(fm, cls, project)
    # (a configuration the user states, as ``shapes --args`` gives it)
    return analyze_module(fm, cls, project, [], {"n_in": from_json(4), "hidden": from_json(6)},
                          [parse_spec("float32[3,9,4]")], config_defaults=True)


def _dims(v):
    assert isinstance(v, Tensor) and v.shape is not None and not v.shape.star
    return tuple(d.as_int() for d in v.shape.dims)


def test_the_literal_default_is_a_named_configuration(tmp_path):
    torch = pytest.importorskip("torch")
    pkg = _package(tmp_path, "pkg_defaults")
    sys.path.insert(0, str(tmp_path))
    try:
        model = importlib.import_module("pkg_defaults.model")
        config = importlib.import_module("pkg_defaults.config")
        default = tuple(model.Gen(4, 6)(torch.randn(3, 9, 4)).shape)
        config.init_param(SimpleNamespace(model_type="LSTM"))  # what the script does
        rebound = tuple(model.Gen(4, 6)(torch.randn(3, 9, 4)).shape)
    finally:
        sys.path.remove(str(tmp_path))
    assert default == (3, 9, 7) and rebound == (3, 9, 5)  # the value decides the shape
    ms = _analyse(pkg, concrete=True)
    assert _dims(ms.output) == default
    # the result names what it holds under, with the line of the literal
    assert ms.assumed == ("model_type='vanilla' (config.py:3)", "width=2 (config.py:4)")


def test_the_symbolic_run_claims_no_value(tmp_path):
    ms = _analyse(_package(tmp_path, "pkg_symbolic"), concrete=False)
    assert ms.assumed == ()
    out = ms.output
    assert not (isinstance(out, Tensor) and out.shape is not None and not out.shape.star
                and all(d.as_int() is not None for d in out.shape.dims[-1:])
                and out.shape.dims[-1].as_int() == 7)


@pytest.mark.parametrize("second", ["model_type = 'LSTM'", "model_type += ''",
                                    "if batch_size > 2:\n    model_type = 'LSTM'"])
def test_a_name_bound_twice_at_the_top_is_not_one_default(tmp_path, second):
    config = CONFIG.replace("width = 2\n", f"width = 2\n{second}\n")
    ms = _analyse(_package(tmp_path, f"pkg_twice{abs(hash(second)) % 1000}", config),
                  concrete=True)
    assert not any(a.startswith("model_type") for a in ms.assumed)
    out = ms.output
    assert not (isinstance(out, Tensor) and out.shape is not None and not out.shape.star)


def test_the_shapes_command_names_the_default(tmp_path, capsys):
    from lstm_lint.cli import main

    pkg = _package(tmp_path, "pkg_cli")
    main(["shapes", str(pkg / "model.py"), "--class", "Gen", "--args", "[4, 6]",
          "--input", "float32[3,9,4]"])
    text = capsys.readouterr().out
    assert "-> (3, 9, 7)" in text
    assert "with the default model_type='vanilla' (config.py:3), width=2 (config.py:4)" in text


def test_lint_never_takes_a_module_default_the_program_may_set(tmp_path):
    """From review rv8: ``config.model_type = args.model_type`` in the training script picks
    the LSTM branch (torch runs it); lint's configurations (the script's ``Gen(4, 7)``) must not
    assume the config file's literal 'vanilla', whose bidirectional GRU would not fit the
    head (two false findings before)."""
    import subprocess

    from lstm_lint.lint import Options, lint_paths

    pytest.importorskip("torch")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "config.py").write_text("model_type = 'vanilla'  # vanilla, LSTM\n\n\n"
                                   "def init_param(opt):\n    global model_type\n"
                                   "    model_type = opt.model_type\n")
    (pkg / "model.py").write_text(textwrap.dedent('''
        import torch.nn as nn

        from . import config as cfg


        class Gen(nn.Module):
            def __init__(self, n_in, hidden):
                super().__init__()
                if cfg.model_type == 'LSTM':
                    self.rnn = nn.LSTM(n_in, hidden, batch_first=True)
                else:
                    self.rnn = nn.GRU(n_in, hidden // 2, batch_first=True, bidirectional=True)
                self.out = nn.Linear(hidden, 5)

            def forward(self, x):
                out, _ = self.rnn(x)
                return self.out(out[:, -1])
        '''))
    (tmp_path / "train.py").write_text(textwrap.dedent('''
        import argparse
        import torch
        from pkg import config
        from pkg.model import Gen

        p = argparse.ArgumentParser()
        p.add_argument('--model_type', default='LSTM')
        args = p.parse_args([])
        config.model_type = args.model_type
        m = Gen(4, 7)
        print(tuple(m(torch.randn(3, 9, 4)).shape))
        '''))
    run = subprocess.run([sys.executable, "train.py"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert run.stdout.strip() == "(3, 5)", run.stderr
    files = [str(tmp_path / "train.py"), str(pkg / "model.py"), str(pkg / "config.py")]
    found = [f for r in lint_paths(files, Options()) for f in r.findings]
    assert found == [], [f.message for f in found]
