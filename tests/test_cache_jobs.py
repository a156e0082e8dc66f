"""The same findings with and without the cache, and with one or several processes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from lstm_lint.cache import Cache
from lstm_lint.cli import main
from lstm_lint.findings import Finding
from lstm_lint.lint import Options, lint_paths

ROOT = Path(__file__).resolve().parents[1]


def _tree(tmp_path: Path) -> Path:
    d = tmp_path / "proj"
    shutil.copytree(ROOT / "tests" / "corpus" / "rules", d / "models")
    shutil.copytree(ROOT / "examples", d / "examples")
    (d / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    return d


def _run(capsys, *argv: str) -> list[dict]:
    main(["--format", "json", *argv])
    return json.loads(capsys.readouterr().out)


def test_same_findings_with_jobs_and_cache(tmp_path, capsys, monkeypatch):
    d = _tree(tmp_path)
    monkeypatch.chdir(d)
    monkeypatch.delenv("LSTM_LINT_CACHE_DIR", raising=False)  # the default place: the root
    serial = _run(capsys, "--no-cache", "--jobs", "1", ".")
    assert serial, "the corpus has findings"
    assert _run(capsys, "--no-cache", "--jobs", "2", ".") == serial
    cold = _run(capsys, "--jobs", "2", ".")
    assert (d / ".lstm_lint_cache" / ".gitignore").is_file()
    warm = _run(capsys, "--jobs", "1", ".")
    assert cold == serial and warm == serial


def test_cache_hits_and_invalidation(tmp_path):
    d = _tree(tmp_path)
    files = sorted(str(p) for p in d.rglob("*.py"))
    opts = Options()
    cache = Cache(str(d), opts.signature())
    first = lint_paths(files, opts, cache=cache)
    assert cache.hits == 0
    cache = Cache(str(d), opts.signature())
    again = lint_paths(files, opts, cache=cache)
    assert cache.hits == len(files) and cache.misses == 0
    assert [[f.to_dict() for f in r.findings] for r in first] == \
        [[f.to_dict() for f in r.findings] for r in again]
    # one edited file is re-linted alone
    edited = Path(files[0])
    edited.write_text(edited.read_text() + "\n# edited\n")
    cache = Cache(str(d), opts.signature())
    lint_paths(files, opts, cache=cache)
    assert cache.misses == 1 and cache.hits == len(files) - 1
    # another configuration never reads these entries
    other = Options(ignore=["LST2"])
    cache = Cache(str(d), other.signature())
    res = lint_paths(files, other, cache=cache)
    assert cache.hits == 0
    assert not any(f.code.startswith("LST2") for r in res for f in r.findings)


def test_a_change_in_a_base_class_file_invalidates_its_subclasses(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "base.py").write_text(
        "import torch.nn as nn\n\n\nclass Base(nn.Module):\n    pass\n")
    (pkg / "model.py").write_text(
        "import torch.nn as nn\nfrom .base import Base\n\n\nclass Net(Base):\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        self.lstm = nn.LSTM(10, 20, batch_first=True)\n\n"
        "    def forward(self, x):\n        out, _ = self.lstm(x)\n        return out[-1]\n")
    files = [str(pkg / "base.py"), str(pkg / "model.py")]
    opts = Options()
    res = lint_paths(files, opts, cache=Cache(str(tmp_path), opts.signature()))
    assert [f.code for r in res for f in r.findings] == ["LST201"]
    # the base stops being a module: the subclass must be re-linted, not served from the cache
    (pkg / "base.py").write_text("class Base:\n    pass\n")
    cache = Cache(str(tmp_path), opts.signature())
    res = lint_paths(files, opts, cache=cache)
    assert cache.hits == 0
    assert [f.code for r in res for f in r.findings] == []


def test_an_engine_changed_in_place_never_reads_old_entries(tmp_path, monkeypatch):
    """A checkout under development (an editable install) keeps its version while its code
    changes: entries are keyed by the engine's own files too."""
    import lstm_lint.cache as cache_mod

    d = tmp_path / "proj"
    (d / "models").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "seed_last_step.py", d / "models" / "m.py")
    files = [str(d / "models" / "m.py")]
    opts = Options()
    stamp = cache_mod.engine_stamp()
    assert stamp == cache_mod.engine_stamp() and len(stamp) == 16
    lint_paths(files, opts, cache=Cache(str(d), opts.signature()))
    warm = Cache(str(d), opts.signature())
    lint_paths(files, opts, cache=warm)
    assert warm.hits == 1
    monkeypatch.setattr(cache_mod, "engine_stamp", lambda: stamp + "-edited")
    changed = Cache(str(d), opts.signature())
    lint_paths(files, opts, cache=changed)
    assert changed.hits == 0 and changed.misses == 1


def _graphs_alive() -> int:
    import gc

    import networkx as nx

    return sum(isinstance(o, nx.DiGraph) for o in gc.get_objects())


def test_a_run_keeps_no_analysis_alive(tmp_path):
    """Each file's analysis (graphs with reference cycles, the file's tree) is freed when the
    file is done, not frozen alive for the rest of the run; ``keep_analysis`` keeps it."""
    d = _tree(tmp_path)
    files = sorted(str(p) for p in (d / "models").glob("*.py"))[:40]
    before = _graphs_alive()
    results = lint_paths(files, Options(), jobs=1)
    assert any(r.findings for r in results)
    assert all(r.analysis is None for r in results)
    import gc

    gc.collect()  # (the last file's own garbage is left to the end of the run)
    assert _graphs_alive() <= before
    from lstm_lint import node_memo

    assert all(len(m) == 0 for m in node_memo.ALL_MEMOS)  # per-file memos are emptied
    kept = lint_paths(files[:3], Options(), jobs=1, keep_analysis=True)
    assert all(r.analysis is not None for r in kept)


def test_check_file_leaves_no_memo_behind():
    """The per-node memos are emptied by every caller of check_file (the language server and
    flake8's workers call it directly, file after file)."""
    from lstm_lint import node_memo
    from lstm_lint.lint import check_file, load

    for path in sorted((ROOT / "examples").glob("*.py")):
        fm = load(str(path))
        if fm is not None and not isinstance(fm, Finding):
            check_file(fm, None, Options())
            assert all(len(m) == 0 for m in node_memo.ALL_MEMOS)
