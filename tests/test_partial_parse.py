"""Another file read for a few of its names: libcst parses those definitions, what they name
and the module-level code, every other top-level definition blanked line for line."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from lstm_lint import parse as parse_step
from lstm_lint import partial
from lstm_lint.lint import Options, lint_paths
from lstm_lint.project import Project

#: a shared utility module: a factory that names a helper and a constant, and a lot else
UTILS = '''\
import torch.nn as nn

HIDDEN = 32


def _directions():
    return True


def make_rnn(input_size):
    """The encoder of every model here."""
    return nn.LSTM(input_size, HIDDEN, batch_first=True, bidirectional=_directions())


@staticmethod
def decorated_elsewhere():
    return nn.GRU(3, 4)


class Unrelated:
    def go(self):
        return [i * i for i in range(10)]
''' + "".join(f'''

def filler_{i}(x):
    """Padding: a utility module is mostly other people's helpers."""
    total = 0
    for k in range(x):
        total += k * {i}
    return total
''' for i in range(60))

MODEL = '''\
import torch.nn as nn

from utils import make_rnn


class Tagger(nn.Module):
    def __init__(self, emb_dim, n_tags):
        super().__init__()
        self.enc = make_rnn(emb_dim)
        self.head = nn.Linear(32, n_tags)  # <-- LST101: the encoder is bidirectional

    def forward(self, x):
        out, _ = self.enc(x)
        return self.head(out)
'''


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "utils.py").write_text(UTILS)
    (tmp_path / "model.py").write_text(MODEL)
    return tmp_path / "utils.py", tmp_path / "model.py"


def test_the_kept_part_is_the_definition_what_it_names_and_module_code() -> None:
    keep = partial.keep_for(UTILS, ["make_rnn"])
    assert keep == {"make_rnn", "_directions"}
    text = partial.blank(UTILS, keep)
    assert len(text) < len(UTILS) / 3
    # line numbers are the file's own: every kept definition starts on its original line
    before = {n.name: n.lineno for n in ast.parse(UTILS).body if hasattr(n, "name")}
    after = {n.name: n.lineno for n in ast.parse(text).body if hasattr(n, "name")}
    assert after == {k: before[k] for k in keep}
    assert text.count("\n") == UTILS.count("\n")
    assert "HIDDEN = 32" in text and "import torch.nn as nn" in text


def test_whole_file_when_small_not_a_definition_or_mostly_kept() -> None:
    assert partial.keep_for(MODEL, ["Tagger"]) is None  # small
    assert partial.keep_for(UTILS, ["HIDDEN"]) is None  # a constant, not a definition
    big = UTILS.replace("return total", "return total + filler_0(1)") + \
        "\n\ndef make_all():\n    return [" + ", ".join(f"filler_{i}" for i in range(60)) + "]\n"
    assert partial.keep_for(big, ["make_all"]) is None  # (nearly all of it is kept)
    # a name defined twice at the top level is module-level code: kept, never blanked
    twice = UTILS + "\n\ndef make_rnn(input_size):\n    return nn.GRU(input_size, 8)\n"
    keep = partial.keep_for(twice, ["_directions"])
    assert keep is None or "make_rnn" not in partial.layout(twice).spans  # type: ignore[union-attr]
    assert "nn.GRU(input_size, 8)" in partial.blank(twice, keep or frozenset())


def test_a_dependency_is_parsed_in_part_and_answers_as_whole(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    utils, model = _tree(tmp_path)
    parsed: dict[str, int] = {}
    real = parse_step.parse

    def spy(src: parse_step.Source) -> object:
        parsed[os.path.basename(src.path)] = len(src.text)
        return real(src)

    monkeypatch.setattr(parse_step, "parse", spy)
    res = lint_paths([str(model)], Options())
    found = [(f.code, f.line) for r in res for f in r.findings]
    assert [c for c, _ in found] == ["LST101"]
    assert parsed["utils.py"] < len(UTILS) / 3
    # the same answer when the whole file is parsed
    monkeypatch.setattr(partial, "MIN_CHARS", 10**9)
    res = lint_paths([str(model)], Options())
    assert [(f.code, f.line) for r in res for f in r.findings] == found


def test_a_second_name_reads_the_whole_file(tmp_path: Path) -> None:
    utils, model = _tree(tmp_path)
    project = Project([str(model)])
    project.begin(str(model))
    found = project.lookup("utils.make_rnn", None)
    assert found is not None and found[0] == "function"
    fm = found[2]
    assert fm.partial == {"make_rnn", "_directions"} and "Unrelated" not in fm.classes
    # the kept function's line is the file's own
    pos = fm.module.code.splitlines().index("def make_rnn(input_size):")
    assert UTILS.splitlines()[pos] == "def make_rnn(input_size):"
    again = project.lookup("utils.Unrelated", None, kinds=("class",))
    assert again is not None and again[0] == "class"
    assert again[2].partial is None and "filler_59" in again[2].functions


def test_names_imported_with_the_one_asked_are_kept(tmp_path: Path) -> None:
    utils, _model = _tree(tmp_path)
    model = tmp_path / "model.py"
    model.write_text(MODEL.replace("import make_rnn", "import make_rnn, filler_7"))
    project = Project([str(model)])
    from lstm_lint.extract import FileModel
    from lstm_lint.lint import load

    fm = load(str(model), project=project)
    assert isinstance(fm, FileModel)
    found = project.lookup("utils.make_rnn", fm)
    assert found is not None
    assert found[2].partial == {"make_rnn", "_directions", "filler_7"}


def test_a_file_of_the_run_checked_here_is_parsed_whole(tmp_path: Path) -> None:
    """A dependency that this process also checks for itself is parsed once, whole."""
    _tree(tmp_path)
    (tmp_path / "utils.py").write_text(UTILS + '''

class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = make_rnn(4)

    def forward(self, x):
        return self.rnn(x)[0]
''')
    project = Project([str(tmp_path / "model.py"), str(tmp_path / "utils.py")])
    project.begin(str(tmp_path / "model.py"))
    found = project.lookup("utils.make_rnn", None)
    assert found is not None and found[2].partial is None
    project = Project([str(tmp_path / "model.py")])
    project.begin(str(tmp_path / "model.py"))
    found = project.lookup("utils.make_rnn", None)
    assert found is not None and found[2].partial is not None


def test_parse_volume_driver_counts_the_parses(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """benchmarks/parse_volume.py, the measure of what libcst reads, on a two-file project."""
    import importlib.util

    _tree(tmp_path)
    spec = importlib.util.spec_from_file_location(
        "parse_volume", Path(__file__).resolve().parents[1] / "benchmarks" / "parse_volume.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main([str(tmp_path), "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    # model.py whole, utils.py in part (once: the run's own utils.py is not a model file)
    assert out.startswith("jobs 1: 2 parses of 2 files, ")
    assert "0 files parsed more than once" in out


FILL = "".join(f"\n\ndef pad_{i}(x):\n    return x + {i}\n" for i in range(400))


def test_a_decorator_written_over_lines_is_blanked_from_its_at() -> None:
    import libcst

    for deco in ("@(\n    functools.lru_cache\n)\n", "@\\\nfunctools.lru_cache\n"):
        text = "import functools\n\n" + deco + "def z():\n    return 2\n\n\ndef a():\n" \
            "    return 1\n" + FILL
        keep = partial.keep_for(text, ["a"])
        assert keep is not None and "z" not in keep
        blanked = partial.blank(text, keep)
        assert "@" not in blanked and "lru_cache" not in blanked
        ast.parse(blanked)
        libcst.parse_module(blanked)


def test_names_are_compared_as_python_reads_them() -> None:
    """``ﬁx`` (a ligature) and ``fix`` are one identifier to Python (NFKC)."""
    text = "def \ufb01x_rnn():\n    return 1\n\n\ndef a():\n    return \ufb01x_rnn()\n" + FILL
    keep = partial.keep_for(text, ["a"])
    assert keep is not None and "fix_rnn" in keep


BASE_FILE = '''\
import torch.nn as nn


class Base(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True, bidirectional=True)
'''

UTILS_WITH_MODEL = '''\
import torch.nn as nn

from base import Base


def make_rnn(n_in):
    return nn.GRU(n_in, 8, batch_first=True)


class Tagger(Base):
    def __init__(self, n_in, hidden, n_tags):
        super().__init__(n_in, hidden)
        self.head = nn.Linear(hidden, n_tags)  # <-- LST101: the base's LSTM is bidirectional

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out)
''' + FILL


def test_a_file_read_in_part_then_checked_is_checked_whole(tmp_path: Path) -> None:
    """A worker that read utils.py in part for a neighbour, then checks utils.py itself
    (taken from another worker's stretch): its classes are resolved afresh, its base found."""
    from lstm_lint.lint import check_one_safely

    (tmp_path / "base.py").write_text(BASE_FILE)
    (tmp_path / "utils.py").write_text(UTILS_WITH_MODEL)
    (tmp_path / "model.py").write_text(MODEL.replace("from utils import make_rnn",
                                                     "from utils import make_rnn  # noqa"))
    files = [str(tmp_path / n) for n in ("model.py", "utils.py", "base.py")]
    alone = check_one_safely(files[1], Project(files), Options())
    assert [f.code for f in alone.findings] == ["LST101"]
    project = Project(files)
    project.checking = set()  # nothing is this process's own: other files are read in part
    check_one_safely(files[0], project, Options())
    assert project.files[files[1]] is not None and project.files[files[1]].partial is not None
    project.checking = {files[1]}
    res = check_one_safely(files[1], project, Options())
    assert [(f.code, f.line) for f in res.findings] == [(f.code, f.line) for f in alone.findings]


BUILT = '''import torch.nn as nn


class Net(nn.Module):
    def __init__(self, n_in, hidden, layers, dropout):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, layers, dropout=dropout, batch_first=True)
        self.fc = nn.Linear(hidden, 2)

    def forward(self, x):
        out, h = self.rnn(x)
        return self.fc(h[-1])
'''

BUILDER = '''import argparse

from model import Net


def options():
    p = argparse.ArgumentParser()
    p.add_argument("--layers", type=int, default=1)
    return p.parse_args()


def main():
    args = options()
    model = Net(8, 16, args.layers, 0.3)
    return model
''' + "".join(f'''

def report_{i}(rows):
    total = 0
    for r in rows:
        total += len(str(r)) * {i}
    return total
''' for i in range(80)) + '''

if __name__ == "__main__":
    main()
'''


def test_a_builder_script_is_parsed_in_part_and_answers_as_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """train.py builds the model in ``main()`` with an argparse default: ``lstm-lint
    model.py`` parses of train.py only the functions that call the class (and what they
    name), and finds the configuration as a whole parse does."""
    (tmp_path / "model.py").write_text(BUILT)
    (tmp_path / "train.py").write_text(BUILDER)
    parsed: dict[str, int] = {}
    real = parse_step.parse

    def spy(src: parse_step.Source) -> object:
        parsed[os.path.basename(src.path)] = len(src.text.replace("\n", ""))
        return real(src)

    monkeypatch.setattr(parse_step, "parse", spy)
    model = str(tmp_path / "model.py")
    res = lint_paths([model], Options())
    found = [(f.code, f.line, f.message) for r in res for f in r.findings]
    assert [c for c, _, _ in found] == ["LST501"] and "as built at train.py" in found[0][2]
    assert parsed["train.py"] < len(BUILDER.replace("\n", "")) / 3
    monkeypatch.setattr(partial, "MIN_CHARS", 10**9)
    res = lint_paths([model], Options())
    assert [(f.code, f.line, f.message) for r in res for f in r.findings] == found


def test_a_builder_scripts_entry_point_that_nothing_names_is_kept(tmp_path: Path) -> None:
    """An entry point (``main()`` run by a console script, no ``__main__`` block) that builds
    the model through a helper: the engine runs every top-level function without
    parameters, so the partial parse keeps it, and the helper it names."""
    builder = BUILDER.replace('if __name__ == "__main__":\n    main()\n', "").replace(
        "    model = Net(8, 16, args.layers, 0.3)\n    return model\n",
        "    return build(args)\n\n\ndef build(args):\n    return Net(8, 16, args.layers, 0.3)\n")
    assert "__main__" not in builder and "return build(args)" in builder
    (tmp_path / "model.py").write_text(BUILT)
    (tmp_path / "train.py").write_text(builder)
    for paths in ([tmp_path / "model.py"], [tmp_path / "model.py", tmp_path / "train.py"]):
        res = lint_paths([str(p) for p in paths], Options())
        found = [f.message for r in res for f in r.findings]
        assert len(found) == 1 and "as built at train.py" in found[0], found
