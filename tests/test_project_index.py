"""The project index: a model whose base or factory lives in another file of the project is
checked alike by ``lstm-lint model.py``, ``flake8 model.py``, pre-commit with only
``model.py`` staged, and ``lstm-lint .`` on the whole tree; one case per import form.

Each case's ``model.py`` holds a buggy class (a feature-size mismatch that only the other
file's layers reveal: LST101) and a correct twin, whose static output shape is checked
against real torch.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from precommit_hook import PreCommitHook

from lstm_lint.lint import Options, lint_paths

REPO = Path(__file__).resolve().parents[1]

BASE = '''\
import torch.nn as nn


class Base(nn.Module):
    def __init__(self, emb_dim, hidden_dim):
        super().__init__()
        self.enc = nn.LSTM(emb_dim, hidden_dim, batch_first=True, bidirectional=True)
'''

FACTORY = '''\
import torch.nn as nn


def make_rnn(input_size, hidden_size):
    rnn = nn.LSTM(input_size, hidden_size, batch_first=True, bidirectional=True)
    return rnn, True
'''

#: the subclass: its head reads the base's bidirectional output (2 * hidden)
SUBCLASS = '''\
{imports}


class Buggy({base}):
    def __init__(self, emb_dim, hidden_dim, n_classes):
        super().__init__(emb_dim, hidden_dim)
        self.head = {nn}.Linear(hidden_dim, n_classes)

    def forward(self, x):
        out, _ = self.enc(x)
        return self.head(out.mean(dim=1))


class Good({base}):
    def __init__(self, emb_dim, hidden_dim, n_classes):
        super().__init__(emb_dim, hidden_dim)
        self.head = {nn}.Linear(2 * hidden_dim, n_classes)

    def forward(self, x):
        out, _ = self.enc(x)
        return self.head(out.mean(dim=1))
'''

#: a model that never names torch: its base builds every layer (the text pre-filter case)
NO_TORCH_BASE = '''\
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, emb_dim, hidden_dim, n_tags, head_in):
        super().__init__()
        self.enc = nn.LSTM(emb_dim, hidden_dim, batch_first=True, bidirectional=True)
        self.out = nn.Linear(head_in, n_tags)
'''
NO_TORCH_MODEL = '''\
from tagger import Tagger


class Buggy(Tagger):
    def __init__(self, emb_dim, hidden_dim, n_tags):
        super().__init__(emb_dim, hidden_dim, n_tags, hidden_dim)

    def forward(self, x):
        seq, _ = self.enc(x)
        return self.out(seq)


class Good(Tagger):
    def __init__(self, emb_dim, hidden_dim, n_tags):
        super().__init__(emb_dim, hidden_dim, n_tags, 2 * hidden_dim)

    def forward(self, x):
        seq, _ = self.enc(x)
        return self.out(seq)
'''

FACTORY_MODEL = '''\
import torch.nn as nn
{imports}


class Buggy(nn.Module):
    def __init__(self, emb_dim, hidden_dim, n_classes):
        super().__init__()
        self.enc, _ = make_rnn(emb_dim, hidden_dim)
        self.head = nn.Linear(hidden_dim, n_classes)

    def forward(self, x):
        out, _ = self.enc(x)
        return self.head(out.mean(dim=1))


class Good(nn.Module):
    def __init__(self, emb_dim, hidden_dim, n_classes):
        super().__init__()
        self.enc, _ = make_rnn(emb_dim, hidden_dim)
        self.head = nn.Linear(2 * hidden_dim, n_classes)

    def forward(self, x):
        out, _ = self.enc(x)
        return self.head(out.mean(dim=1))
'''


def _sub(imports: str, base: str = "Base", nn: str = "nn") -> str:
    return SUBCLASS.format(imports=imports, base=base, nn=nn)


#: case -> (files, the model file, what to put on sys.path to import it in torch)
CASES: dict[str, tuple[dict[str, str], str, str]] = {
    "absolute": ({
        "pyproject.toml": "[project]\nname = 'p'\n",
        "pkg/__init__.py": "",
        "pkg/base.py": BASE,
        "pkg/model.py": _sub("import torch.nn as nn\nfrom pkg.base import Base"),
    }, "pkg/model.py", ""),
    "relative": ({
        "pkg/__init__.py": "",
        "pkg/nets/__init__.py": "",
        "pkg/nets/base.py": BASE,
        "pkg/nets/model.py": _sub("from torch import nn\nfrom .base import Base"),
    }, "pkg/nets/model.py", ""),
    "star": ({
        "setup.py": "from setuptools import setup\nsetup(name='p')\n",
        "lib/__init__.py": "",
        "lib/imports.py": "import torch\nimport torch.nn as nn\nfrom .layers.base import *\n",
        "lib/layers/__init__.py": "",
        "lib/layers/base.py": BASE,
        "lib/models/__init__.py": "",
        "lib/models/model.py": _sub("from ..imports import *"),
    }, "lib/models/model.py", ""),
    "neighbour": ({
        "tagger.py": NO_TORCH_BASE,
        "model.py": NO_TORCH_MODEL,
    }, "model.py", "."),
    "src_layout": ({
        "pyproject.toml": "[project]\nname = 'p'\n[tool.setuptools.packages.find]\n"
                          "where = [\"src\"]\n",
        "src/mypkg/__init__.py": "",
        "src/mypkg/base.py": BASE,
        "scripts/model.py": _sub("import torch.nn as nn\nfrom mypkg.base import Base"),
    }, "scripts/model.py", "src"),
    "reexport": ({
        "setup.cfg": "[metadata]\nname = p\n",
        "nets/__init__.py": "from .blocks import Base as Base\n",
        "nets/blocks.py": BASE,
        "model.py": _sub("import torch\nimport nets", base="nets.Base", nn="torch.nn"),
    }, "model.py", "."),
    "namespace_star": ({
        ".git/HEAD": "ref: refs/heads/main\n",
        "nslib/imports.py": "import torch\nimport torch.nn as nn\nfrom .blocks import *\n",
        "nslib/blocks.py": BASE,
        "nslib/models/model.py": _sub("from ..imports import *"),
    }, "nslib/models/model.py", ""),
    "factory": ({
        "pyproject.toml": "",
        "onmt/__init__.py": "",
        "onmt/utils/__init__.py": "",
        "onmt/utils/rnn_factory.py": FACTORY,
        "onmt/encoders/__init__.py": "",
        "onmt/encoders/model.py": FACTORY_MODEL.format(
            imports="from onmt.utils.rnn_factory import make_rnn"),
    }, "onmt/encoders/model.py", ""),
}


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("index")
    for case, (files, _model, _syspath) in CASES.items():
        write(root / case, files)
    return root


def keys(findings: list[object], root: Path) -> list[tuple[str, int, int, str]]:
    out = []
    for f in findings:
        rel = os.path.relpath(os.path.abspath(f.path), root)  # type: ignore[attr-defined]
        out.append((rel, f.line, f.column, f.code))  # type: ignore[attr-defined]
    return sorted(out)


def whole_tree(root: Path, model: str) -> list[tuple[str, int, int, str]]:
    from lstm_lint.discover import discover

    res = lint_paths(list(discover([str(root)])), Options())
    return [k for r in res for k in keys(r.findings, root) if k[0] == model]


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_file_answers_as_the_whole_tree(tree: Path, case: str) -> None:
    root = tree / case
    model = CASES[case][1]
    alone = [k for r in lint_paths([str(root / model)], Options()) for k in keys(r.findings, root)]
    assert [k[3] for k in alone] == ["LST101"], alone
    assert alone == whole_tree(root, model)
    # and the buggy line is the buggy class's head call
    line = (root / model).read_text().splitlines()[alone[0][1] - 1]
    assert "self.head(" in line or "self.out(" in line


LOC = re.compile(r"^(?P<path>[^\s:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>LST\d+) ", re.M)


def _locs(out: str, prefix: str = "") -> list[tuple[str, int, int, str]]:
    return sorted((os.path.normpath(prefix + m["path"]), int(m["line"]), int(m["col"]), m["code"])
                  for m in LOC.finditer(out))


def test_cli_and_flake8_on_model_py_alone(tree: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """``lstm-lint model.py`` run from the model's folder (in this process: the CLI's own
    entry point), and the real ``flake8`` given the model files only."""
    from lstm_lint.cli import main

    expected_all = []
    for case, (_files, model, _sp) in sorted(CASES.items()):
        root = tree / case
        folder = (root / model).parent
        expected = whole_tree(root, model)
        expected_all += [(os.path.join(case, k[0]), *k[1:]) for k in expected]
        prefix = os.path.dirname(model) + "/" if os.path.dirname(model) else ""
        monkeypatch.chdir(folder)
        capsys.readouterr()
        assert main(["--no-cache", os.path.basename(model)]) == 1
        out = capsys.readouterr().out
        assert _locs(out, prefix) == expected, (case, out)
    models = [os.path.join(case, model) for case, (_f, model, _sp) in sorted(CASES.items())]
    fl = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select", "LST",
                         *models], cwd=tree, capture_output=True, text=True, timeout=120)
    assert _locs(fl.stdout) == sorted(expected_all), (fl.stdout, fl.stderr)


def test_editor_buffer_and_stdin(tree: Path) -> None:
    """The language server and ``flake8 -`` send the text: the project still resolves."""
    from lstm_lint.doc_analysis import analyse

    root = tree / "relative"
    model = root / CASES["relative"][1]
    doc = analyse(str(model), model.read_text())
    assert [f.code for f in doc.findings] == ["LST101"]
    # an unsaved edit that fixes the bug is what is checked, not the file on disk
    fixed = model.read_text().replace("nn.Linear(hidden_dim, n_classes)",
                                      "nn.Linear(2 * hidden_dim, n_classes)")
    assert analyse(str(model), fixed).findings == []


def _torch_output(root: Path, model: str, syspath: str) -> tuple[int, ...]:
    torch = pytest.importorskip("torch")
    mod_name = model[:-3].replace("/", ".")
    extra = str(root / syspath) if syspath else str(root)
    if syspath == ".":
        extra = str((root / model).parent)
        mod_name = os.path.basename(model)[:-3]
    elif syspath == "src":
        extra = str(root / "src")
        spec = importlib.util.spec_from_file_location("model_under_test", root / model)
        assert spec is not None and spec.loader is not None
        sys.path.insert(0, extra)
        try:
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
        finally:
            sys.path.remove(extra)
        net = mod.Good(5, 7, 3)
        return tuple(net(torch.randn(2, 4, 5)).shape)
    sys.path.insert(0, extra)
    try:
        for k in [k for k in sys.modules if k.split(".")[0] in
                  ("pkg", "lib", "nets", "onmt", "model", "tagger", "mypkg",
                                            "nslib")]:
            del sys.modules[k]
        mod = importlib.import_module(mod_name)
        net = mod.Good(5, 7, 3)
        return tuple(net(torch.randn(2, 4, 5)).shape)
    finally:
        sys.path.remove(extra)


@pytest.mark.parametrize("case", sorted(CASES))
def test_shapes_match_torch(tree: Path, case: str) -> None:
    from lstm_lint.analyze import analyze_module
    from lstm_lint.lint import load
    from lstm_lint.project import Project
    from lstm_lint.shapes import parse_spec
    from lstm_lint.values import Tensor

    root = tree / case
    files, model, syspath = CASES[case]
    real = _torch_output(root, model, syspath)
    fm = load(str(root / model))
    assert fm is not None and not isinstance(fm, Exception) and hasattr(fm, "classes")
    project = Project([str(root / model)], loaded=[fm])  # type: ignore[list-item]
    project.resolve(fm)  # type: ignore[arg-type]
    cls = fm.classes["Good"]  # type: ignore[union-attr]
    assert cls.is_module
    ms = analyze_module(fm, cls, project, [_int(5), _int(7), _int(3)], {},  # type: ignore[arg-type]
                        [parse_spec("float32[2,4,5]")])
    out = ms.output
    assert isinstance(out, Tensor) and out.shape is not None
    assert tuple(d.as_int() for d in out.shape.dims) == real  # type: ignore[union-attr]


def _int(n: int) -> object:
    from lstm_lint.symbolic import const
    from lstm_lint.values import Int

    return Int(const(n))


# ---- pre-commit, one shared repository ------------------------------------------------------


@pytest.mark.slow
def test_precommit_with_only_model_py_staged(tree: Path, tmp_path: Path,
                                             precommit_hook: PreCommitHook) -> None:
    """One repository holding every case; only the ``model.py`` files are staged."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for args in (["init", "-q"], ["config", "commit.gpgsign", "false"]):
        precommit_hook.git(repo, *args)
    models = []
    for case, (files, model, _sp) in CASES.items():
        # inside one repository, each case keeps its own project marker (or none)
        write(repo / case, {k: v for k, v in files.items()
                            if k != model and not k.startswith(".git/")})
        models.append(f"{case}/{model}")
    precommit_hook.git(repo, "add", "-A")
    precommit_hook.git(repo, "commit", "-q", "-m", "bases")
    for case, (files, model, _sp) in CASES.items():
        write(repo / case, {model: files[model]})
    precommit_hook.git(repo, "add", *models)
    staged = subprocess.run(["git", "diff", "--cached", "--name-only"], cwd=repo,
                            env=precommit_hook.env, capture_output=True, text=True,
                            check=True).stdout.split()
    assert sorted(staged) == sorted(models)
    res = precommit_hook.run(repo)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    got = _locs(out)
    for case, (_files, model, _sp) in CASES.items():
        expected = [(os.path.join(case, k[0]), *k[1:]) for k in whole_tree(tree / case, model)]
        assert [g for g in got if g[0].startswith(case + "/")] == expected, (case, out)


# ---- more forms, what is parsed, and the cache ---------------------------------------------


def _alone(path: Path) -> list[str]:
    return [f.code for r in lint_paths([str(path)], Options()) for f in r.findings]


def test_generic_base_and_namespace_package(tmp_path: Path) -> None:
    """``class M(Base[T])`` and ``from models.base import Base`` inside ``models/`` without
    ``__init__.py`` (code run from the repository's top folder)."""
    write(tmp_path, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "models/base.py": BASE.replace("class Base(nn.Module):",
                                       "from typing import Generic, TypeVar\nT = TypeVar('T')"
                                       "\n\n\nclass Base(nn.Module, Generic[T]):"),
        "models/model.py": _sub("import torch.nn as nn\nfrom models.base import Base",
                                base="Base[int]"),
    })
    assert _alone(tmp_path / "models/model.py") == ["LST101"]


def test_only_files_with_a_module_are_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    """libcst parses the model and its base, not a torch helper without a module class."""
    from lstm_lint import parse as parse_step

    write(tmp_path, {
        "base.py": BASE,
        "helpers.py": "import torch\n\n\ndef seed():\n    torch.manual_seed(0)\n\n\n"
                      "class Config:\n    hidden = 7\n",
        "model.py": _sub("import torch.nn as nn\nfrom base import Base\nfrom helpers import seed"),
    })
    parsed: list[str] = []
    real = parse_step.parse

    def spy(src: parse_step.Source) -> object:
        parsed.append(os.path.basename(src.path))
        return real(src)

    monkeypatch.setattr(parse_step, "parse", spy)
    from lstm_lint.discover import discover

    res = lint_paths(list(discover([str(tmp_path)])), Options())
    assert [f.code for r in res for f in r.findings] == ["LST101"]
    assert sorted(set(parsed)) == ["base.py", "model.py"]


def test_prefilter_reads_a_class_whose_base_is_an_imported_model(tmp_path: Path) -> None:
    """Neither torch nor nn nor a layer named (in any case) in the file: the index sees that its
    class derives from a module of another file."""
    text = NO_TORCH_MODEL.replace("self.enc", "self.body")
    write(tmp_path, {"tagger.py": NO_TORCH_BASE.replace("self.enc", "self.body"),
                     "model.py": text})
    assert not re.search(r"torch|\bnn\b|module|lstm|gru|rnn", text, re.IGNORECASE)
    assert _alone(tmp_path / "model.py") == ["LST101"]


def test_a_changed_base_invalidates_the_single_file_cache(tmp_path: Path) -> None:
    from lstm_lint.cache import Cache

    write(tmp_path, {"pyproject.toml": "", "base.py": BASE,
                     "model.py": _sub("import torch.nn as nn\nfrom base import Base")})
    opts = Options()
    model = str(tmp_path / "model.py")
    res = lint_paths([model], opts, cache=Cache(str(tmp_path / "c"), opts.signature()))
    assert [f.code for r in res for f in r.findings] == ["LST101"]
    # the base now builds a one-directional LSTM: the head is right, the cache must not answer
    (tmp_path / "base.py").write_text(BASE.replace(", bidirectional=True", ""))
    cache = Cache(str(tmp_path / "c"), opts.signature())
    res = lint_paths([model], opts, cache=cache)
    assert cache.hits == 0
    assert [f.code for r in res for f in r.findings] == ["LST101"]  # now Good's 2*hidden is wrong
    line = (tmp_path / "model.py").read_text().splitlines()[res[0].findings[0].line - 1]
    assert "self.head(" in line


def test_star_imports_of_torch_nn_and_fastai(tmp_path: Path) -> None:
    """``from torch.nn import *`` brings the layer classes; fastai's ``from fastai.vision.all
    import *`` brings ``nn`` and its ``Module`` (an ``nn.Module``), though fastai is not read."""
    body = '''

class Net({base}):
    def __init__(self):
        {sup}self.enc = {lstm}(5, 7, batch_first=True, bidirectional=True)
        self.head = {lin}(7, 3)

    def forward(self, x):
        out, _ = self.enc(x)
        return self.head(out)
'''
    write(tmp_path, {
        "a.py": "from torch.nn import *" + body.format(base="Module", sup="super().__init__()\n"
                                                        "        ", lstm="LSTM", lin="Linear"),
        "b.py": "from fastai.vision.all import *" + body.format(base="Module", sup="",
                                                                lstm="nn.LSTM", lin="nn.Linear"),
    })
    assert _alone(tmp_path / "a.py") == ["LST101"]
    assert _alone(tmp_path / "b.py") == ["LST101"]
