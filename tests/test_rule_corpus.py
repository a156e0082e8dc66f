"""Rule corpus: team-written recurrent models, each bug proven by a real torch run.

Every ``tests/corpus/rules/<code>_<short>_bug.py`` has a corrected twin
``<code>_<short>_ok.py``. A bug file marks the line the linter must report with a
trailing ``# expect: LSTnnn`` comment. Each file defines ``demonstrate()`` and
``EXPECT_ERROR``: a substring of the real PyTorch error for a crashing bug, or
``None`` when ``demonstrate()`` must return normally (silent bugs assert their
effect themselves; ok twins assert the corrected shapes).
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

CORPUS_DIR = Path(__file__).parent / "corpus" / "rules"

RULE_CODES = (
    "LST101",
    "LST201",
    "LST202",
    "LST203",
    "LST204",
    "LST205",
    "LST301",
    "LST302",
    "LST303",
    "LST304",
    "LST305",
    "LST306",
    "LST401",
    "LST402",
    "LST501",
    "LST502",
)
# Codes whose rule has several distinct causes need more pairs.
MIN_PAIRS = {code: 2 for code in RULE_CODES} | {"LST101": 3, "LST301": 3}
MIN_FILES = 108

FILE_RE = re.compile(r"^(lst\d{3})_[a-z0-9_]+_(bug|ok)\.py$")
MARKER_RE = re.compile(r"#\s*expect:\s*(LST\d{3})\b")
LINE_TOLERANCE = 1

ALL_FILES = sorted(CORPUS_DIR.glob("*_bug.py")) + sorted(CORPUS_DIR.glob("*_ok.py"))
BUG_FILES = sorted(CORPUS_DIR.glob("*_bug.py"))
OK_FILES = sorted(CORPUS_DIR.glob("*_ok.py"))


def _file_code(path: Path) -> str:
    match = FILE_RE.match(path.name)
    assert match, f"{path.name}: name must look like lstNNN_<short>_bug.py / _ok.py"
    return match.group(1).upper()


def _markers(path: Path) -> list[tuple[int, str]]:
    found = []
    for lineno, line in enumerate(path.read_text().splitlines(), start=1):
        for match in MARKER_RE.finditer(line):
            found.append((lineno, match.group(1)))
    return found


def _twin(path: Path) -> Path:
    return path.with_name(path.name[: -len("_bug.py")] + "_ok.py")


def _load(path: Path):
    name = f"lstm_lint_corpus_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_linter(path: Path, capsys) -> tuple[int, list[dict]]:
    from lstm_lint.cli import main

    capsys.readouterr()  # drop anything printed before the run
    exit_code = main(["--format", "json", "--no-cache", str(path)])
    out = capsys.readouterr().out
    try:
        findings = json.loads(out)
    except json.JSONDecodeError as exc:  # pragma: no cover - diagnostic only
        raise AssertionError(f"linter did not print JSON for {path.name}:\n{out}") from exc
    assert isinstance(findings, list), f"expected a JSON list, got: {out}"
    return exit_code, findings


def test_corpus_is_complete():
    assert len(ALL_FILES) >= MIN_FILES, f"only {len(ALL_FILES)} corpus files"
    problems = []
    pairs: dict[str, int] = {code: 0 for code in RULE_CODES}

    for path in ALL_FILES:
        code = _file_code(path)
        if code not in RULE_CODES:
            problems.append(f"{path.name}: unknown rule code {code}")

    for path in BUG_FILES:
        code = _file_code(path)
        markers = _markers(path)
        if len(markers) != 1:
            problems.append(f"{path.name}: expected exactly one '# expect:' marker, got {markers}")
        elif markers[0][1] != code:
            problems.append(f"{path.name}: marker says {markers[0][1]}, file name says {code}")
        if not _twin(path).exists():
            problems.append(f"{path.name}: missing twin {_twin(path).name}")
        else:
            pairs[code] = pairs.get(code, 0) + 1

    for path in OK_FILES:
        if _markers(path):
            problems.append(f"{path.name}: ok twin must not carry an '# expect:' marker")
        bug = path.with_name(path.name[: -len("_ok.py")] + "_bug.py")
        if not bug.exists():
            problems.append(f"{path.name}: missing bug file {bug.name}")

    for code, needed in MIN_PAIRS.items():
        if pairs.get(code, 0) < needed:
            problems.append(f"{code}: {pairs.get(code, 0)} bug/ok pairs, need {needed}")

    assert not problems, "\n".join(problems)


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.stem)
def test_bug_is_real(path: Path):
    module = _load(path)
    assert hasattr(module, "EXPECT_ERROR"), f"{path.name}: EXPECT_ERROR missing"
    assert callable(getattr(module, "demonstrate", None)), f"{path.name}: demonstrate() missing"
    expected = module.EXPECT_ERROR
    if path.name.endswith("_ok.py"):
        assert expected is None, f"{path.name}: an ok twin must not expect an error"
    if isinstance(expected, str):
        with pytest.raises(Exception) as excinfo:
            module.demonstrate()
        assert expected in str(excinfo.value), (
            f"{path.name}: raised {type(excinfo.value).__name__}: {excinfo.value!s}\n"
            f"expected the message to contain: {expected!r}"
        )
    else:
        assert expected is None, f"{path.name}: EXPECT_ERROR must be a string or None"
        module.demonstrate()


@pytest.mark.parametrize("path", BUG_FILES, ids=lambda p: p.stem)
def test_linter_flags_bug(path: Path, capsys):
    ((marker_line, code),) = _markers(path)
    exit_code, findings = _run_linter(path, capsys)
    assert exit_code == 1, f"{path.name}: exit code {exit_code}, findings: {findings}"
    hits = [
        f
        for f in findings
        if f.get("code") == code and abs(int(f.get("line", -10)) - marker_line) <= LINE_TOLERANCE
    ]
    assert hits, (
        f"{path.name}: no {code} within {LINE_TOLERANCE} line of line {marker_line}; got {findings}"
    )


@pytest.mark.parametrize("path", OK_FILES, ids=lambda p: p.stem)
def test_linter_passes_twin(path: Path, capsys):
    exit_code, findings = _run_linter(path, capsys)
    assert findings == [], f"{path.name}: unexpected findings {findings}"
    assert exit_code == 0, f"{path.name}: exit code {exit_code}"
