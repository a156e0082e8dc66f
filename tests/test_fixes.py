"""--fix / --unsafe-fixes / --diff: before/after pairs, idempotence, safety, real-torch effect."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import pytest

from lstm_lint.cli import main
from lstm_lint.findings import Finding
from lstm_lint.fixer import fix_file

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "tests" / "corpus" / "rules"
MARK = re.compile(r"#\s*expect:\s*(LST\d{3})")

PAIRS = [
    ("examples/forecaster.py", "last = out[-1]", "last = out[:, -1]"),
    ("examples/tagger.py", "h0 = torch.zeros(words.size(0), self.num_layers, self.hidden_dim)",
     "h0 = torch.zeros(self.num_layers, words.size(0), self.hidden_dim)"),
    ("examples/bidirectional_classifier.py", "self.head = nn.Linear(hidden_dim, num_classes)",
     "self.head = nn.Linear(2 * hidden_dim, num_classes)"),
]


def _copy(tmp_path: Path, rel: str) -> Path:
    dst = tmp_path / Path(rel).name
    shutil.copy(ROOT / rel, dst)
    return dst


@pytest.mark.parametrize(("rel", "before", "after"), PAIRS, ids=[p[0] for p in PAIRS])
def test_before_after(tmp_path, capsys, rel, before, after):
    path = _copy(tmp_path, rel)
    assert before in path.read_text()
    assert main(["--fix", str(path)]) == 1  # only safe fixes: the unsafe one is not applied
    assert before in path.read_text()
    assert main(["--fix", "--unsafe-fixes", str(path)]) == 0
    text = path.read_text()
    assert after in text and before not in text
    assert main([str(path)]) == 0


def test_diff_writes_nothing(tmp_path, capsys):
    path = _copy(tmp_path, "examples/forecaster.py")
    old = path.read_bytes()
    assert main(["--diff", "--unsafe-fixes", str(path)]) == 1
    out = capsys.readouterr().out
    assert "-        last = out[-1]" in out and "+        last = out[:, -1]" in out
    assert path.read_bytes() == old


def test_fix_is_idempotent_and_keeps_comments_mode_and_crlf(tmp_path, capsys):
    path = _copy(tmp_path, "examples/tagger.py")
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    path.chmod(0o640)
    assert main(["--fix", "--unsafe-fixes", str(path)]) == 0
    once = path.read_bytes()
    assert b"\r\n" in once and b"\n" not in once.replace(b"\r\n", b"")
    assert (path.stat().st_mode & 0o777) == 0o640
    assert b'"""A part-of-speech tagger' in once
    assert main(["--fix", "--unsafe-fixes", str(path)]) == 0
    assert path.read_bytes() == once


def test_safe_fix_applies_without_unsafe_flag(tmp_path, capsys):
    path = tmp_path / "m.py"
    shutil.copy(RULES / "lst501_lstm_dropout_bug.py", path)
    assert main(["--fix", str(path)]) == 0
    assert "dropout=0.3" not in path.read_text()


def test_a_fix_that_would_not_parse_leaves_the_file_untouched(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("x = out[-1]\n")
    bad = Finding("LST201", "wrong-time-axis", "warning", "LST201 x", str(path), None,
                  line=1, column=5, end_line=1, end_column=12,
                  fix={"applicability": "unsafe", "message": "broken",
                       "edits": [{"line": 1, "column": 5, "end_line": 1, "end_column": 12,
                                  "content": "out[:, -1"}]})
    old, new, n, refused = fix_file(str(path), lambda p, t: [bad] if t == old_text else [], True)
    assert refused is not None and "would not parse" in refused
    assert path.read_text() == "x = out[-1]\n"


old_text = "x = out[-1]\n"


def _lint(path: Path, text: str | None = None) -> list[Finding]:
    from lstm_lint.lint import Options, check_file, load

    loaded = load(str(path), text)
    if loaded is None or isinstance(loaded, Finding):
        return []
    return check_file(loaded, None, Options()).findings


def _marked(path: Path) -> tuple[str, int]:
    lines = path.read_text().splitlines()
    for i, t in enumerate(lines):
        m = MARK.search(t)
        if m:
            return m.group(1), i + 1
    raise AssertionError(f"{path} has no marker")


def _fixable_bug_files() -> list[Path]:
    """Bug files whose marked finding carries a fix."""
    out = []
    for p in sorted(RULES.glob("*_bug.py")):
        code, line = _marked(p)
        if any(f.code == code and abs(f.line - line) <= 1 and f.fix for f in _lint(p)):
            out.append(p)
    return out


FIXABLE = _fixable_bug_files()


def test_most_bug_kinds_have_a_fix():
    codes = {_marked(p)[0] for p in FIXABLE}
    assert {"LST101", "LST201", "LST204", "LST301", "LST302", "LST304", "LST305", "LST402",
            "LST501"} <= codes, codes
    assert len(FIXABLE) >= 10


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("path", FIXABLE, ids=lambda p: p.stem)
def test_fixed_corpus_model_loses_its_bug_in_real_torch(tmp_path, path):
    """Fix the marked bug: the finding is gone, the file parses and keeps its comments, and the
    real torch run no longer shows the bug (the crash is gone, or the silent effect that the
    bug file asserts no longer holds)."""
    code, marked = _marked(path)
    work = tmp_path / path.name
    shutil.copy(path, work)
    comments = work.read_text().count("#")

    def only_marked(p: str, text: str) -> list[Finding]:
        return [f for f in _lint(Path(p), text) if f.code == code and abs(f.line - marked) <= 1]

    old, new, n, refused = fix_file(str(work), only_marked, True)
    assert refused is None and n >= 1 and new != old
    work.write_text(new)
    assert new.count("#") == comments
    assert not only_marked(str(work), new)
    mod = _load(work, f"fixed_{path.stem}")
    if mod.EXPECT_ERROR:
        mod.demonstrate()
    else:
        with pytest.raises(AssertionError):
            mod.demonstrate()
