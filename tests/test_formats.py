"""One buggy model through every ``--format``: the contracts of DESIGN.md section 3."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from fixture_models import BUG_COL, BUG_LINE, BUGGY, CLEAN

REPO = Path(__file__).resolve().parents[1]
#: shipped with the tests (origin in tests/data/README.md): no test reads outside the repository
SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"

LAYER_LINE = 10  # ``self.head = nn.Linear(...)``


JSON_FIELDS = {"code", "name", "message", "path", "line", "column", "end_line", "end_column",
               "severity", "fix", "confirmation"}
GITHUB_RE = re.compile(r"^::(?P<level>error|warning) file=(?P<file>[^,]+),line=(?P<line>\d+),"
                       r"col=(?P<col>\d+)(?:,endLine=(?P<end_line>\d+),endColumn=(?P<end_col>\d+))?"
                       r",title=(?P<title>LST\d{3})::(?P<message>.*)$")


def lint(args: list[str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lstm_lint", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def model(tmp_path: Path) -> Path:
    p = tmp_path / "model.py"
    p.write_text(BUGGY)
    return p


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    p = tmp_path / "clean.py"
    p.write_text(CLEAN)
    return p


def sarif_validator() -> jsonschema.protocols.Validator:
    """A validator for a whole SARIF log.

    The schema copy keeps the log's own schema under ``definitions/Root`` and has nothing at
    the top level, so validating against the file as it is would accept anything.
    """
    assert SARIF_SCHEMA.is_file(), f"missing {SARIF_SCHEMA}"
    schema = json.loads(SARIF_SCHEMA.read_text())
    if "Root" in schema.get("definitions", {}):
        schema = {**schema, "$ref": "#/definitions/Root"}
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    # the validator must be able to say no
    assert not validator.is_valid({"version": "2.1.0", "runs": [{"results": []}]})
    assert not validator.is_valid({"version": "9", "runs": []})
    return validator


def report(fmt: str, path: Path, *extra: str) -> str:
    res = lint(["--format", fmt, *extra, path.name], path.parent)
    assert res.returncode == 1, res.stdout + res.stderr
    assert res.stderr == ""
    return res.stdout


def text_positions(out: str) -> list[tuple[str, int, int, str]]:
    return [(m[1], int(m[2]), int(m[3]), m[4])
            for m in re.finditer(r"^(.+?):(\d+):(\d+): (LST\d{3}) ", out, re.M)]


def test_text(model: Path) -> None:
    out = report("text", model)
    assert text_positions(out) == [("model.py", BUG_LINE, BUG_COL, "LST101")]
    lines = out.splitlines()
    # no source excerpt when not writing to a terminal; ruff's closing summary
    assert lines[1:] == ["Found 1 finding in 1 file.",
                         "No fixes available (1 hidden fix can be enabled with the "
                         "`--unsafe-fixes` option)."]
    assert out.startswith(f"model.py:{BUG_LINE}:{BUG_COL}: LST101 self.head (nn.Linear)")


def test_json(model: Path) -> None:
    items = json.loads(report("json", model))
    assert isinstance(items, list) and len(items) == 1
    f = items[0]
    assert JSON_FIELDS <= set(f)
    assert (f["code"], f["name"], f["severity"]) == ("LST101", "feature-size-mismatch", "error")
    assert f["message"].startswith("self.head (nn.Linear) expects")  # the code has its own field
    assert f["path"] == "model.py"
    assert (f["line"], f["column"]) == (BUG_LINE, BUG_COL)
    assert (f["end_line"], f["end_column"]) >= (f["line"], f["column"] + 1)
    assert f["end_line"] == BUG_LINE
    assert BUGGY.splitlines()[BUG_LINE - 1][f["column"] - 1:f["end_column"] - 1] \
        == "self.head(out.mean(dim=1))"
    assert f["fix"] is None or f["fix"]["applicability"] in ("safe", "unsafe")
    assert f["confirmation"] is None
    related = f.get("related", [])
    assert [r["line"] for r in related] == [LAYER_LINE]


def test_sarif_is_valid_and_complete(model: Path) -> None:
    validator = sarif_validator()
    doc = json.loads(report("sarif", model))
    validator.validate(doc)
    broken = json.loads(json.dumps(doc))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert not validator.is_valid(broken)

    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert "LST101" in ids and len(ids) == len(set(ids))
    (result,) = run["results"]
    assert (result["ruleId"], result["level"]) == ("LST101", "error")
    if "ruleIndex" in result:
        assert rules[result["ruleIndex"]]["id"] == "LST101"
    (loc,) = result["locations"]
    region = loc["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (BUG_LINE, BUG_COL)
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == "model.py"
    related = result["relatedLocations"]
    assert [r["physicalLocation"]["region"]["startLine"] for r in related] == [LAYER_LINE]
    assert related[0]["physicalLocation"]["artifactLocation"]["uri"] == "model.py"


def test_sarif_without_findings_is_valid(clean: Path) -> None:
    validator = sarif_validator()
    res = lint(["--format", "sarif", clean.name], clean.parent)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    validator.validate(doc)
    assert doc["runs"][0]["results"] == []


def test_github(model: Path) -> None:
    lines = report("github", model).splitlines()
    assert len(lines) == 1
    m = GITHUB_RE.match(lines[0])
    assert m, lines[0]
    assert (m["level"], m["file"], m["title"]) == ("error", "model.py", "LST101")
    assert (int(m["line"]), int(m["col"])) == (BUG_LINE, BUG_COL)
    assert m["message"].startswith("self.head (nn.Linear) expects")  # the code is the title


def test_gitlab(model: Path) -> None:
    items = json.loads(report("gitlab", model))
    (item,) = items
    assert item["check_name"] == "LST101"
    assert item["description"].startswith("LST101 ")
    assert item["location"] == {"path": "model.py", "lines": {"begin": BUG_LINE, "end": BUG_LINE}}
    assert item["severity"] in ("info", "minor", "major", "critical", "blocker")
    assert re.fullmatch(r"[0-9a-f]{64}", item["fingerprint"])


def _positions(fmt: str, out: str) -> list[tuple[int, int | None]]:
    if fmt == "text":
        return [(line, col) for _, line, col, _ in text_positions(out)]
    if fmt == "json":
        return [(f["line"], f["column"]) for f in json.loads(out)]
    if fmt == "sarif":
        regions = [r["locations"][0]["physicalLocation"]["region"]
                   for r in json.loads(out)["runs"][0]["results"]]
        return [(r["startLine"], r["startColumn"]) for r in regions]
    if fmt == "github":
        ms = [GITHUB_RE.match(line) for line in out.splitlines()]
        return [(int(m["line"]), int(m["col"])) for m in ms if m]
    return [(i["location"]["lines"]["begin"], None) for i in json.loads(out)]  # gitlab: lines only


def test_every_format_carries_the_same_positions(tmp_path: Path) -> None:
    # two findings in two files, so that order and paths are compared too
    (tmp_path / "a.py").write_text(BUGGY)
    (tmp_path / "b.py").write_text("\n\n" + BUGGY)
    expected = [(BUG_LINE, BUG_COL), (BUG_LINE + 2, BUG_COL)]
    for fmt in ("text", "json", "sarif", "github", "gitlab"):
        res = lint(["--format", fmt, "a.py", "b.py"], tmp_path)
        assert res.returncode == 1, (fmt, res.stderr)
        got = _positions(fmt, res.stdout)
        want = [(line, None if fmt == "gitlab" else col) for line, col in expected]
        assert got == want, fmt


def test_stdin_positions_match(model: Path) -> None:
    res = lint(["--format", "json", "--stdin-filename", "pkg/model.py", "-"], model.parent,
               stdin=BUGGY)
    assert res.returncode == 1, res.stderr
    (f,) = json.loads(res.stdout)
    assert (f["path"], f["line"], f["column"]) == ("pkg/model.py", BUG_LINE, BUG_COL)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab"])
def test_clean_file_exits_zero(clean: Path, fmt: str) -> None:
    res = lint(["--format", fmt, clean.name], clean.parent)
    assert (res.returncode, res.stderr) == (0, "")
    if fmt == "text":
        assert res.stdout == "All checks passed.\n"
    elif fmt == "github":
        assert res.stdout == ""
    elif fmt in ("json", "gitlab"):
        assert json.loads(res.stdout) == []


@pytest.mark.parametrize("args", [
    ["missing.py"],
    ["--format", "xml", "model.py"],
    ["--no-such-flag", "model.py"],
    [],
])
def test_usage_errors_exit_two(model: Path, args: list[str]) -> None:
    res = lint(args, model.parent)
    assert res.returncode == 2, res.stdout + res.stderr
    assert res.stderr.strip(), "a usage error says what is wrong"
    assert "Traceback" not in res.stderr


def test_unparsable_file_exits_one(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import torch.nn as nn\n\nclass Net(nn.Module:\n    pass\n")
    res = lint(["--format", "json", "broken.py"], tmp_path)
    assert res.returncode == 1, res.stderr
    (f,) = json.loads(res.stdout)
    assert (f["code"], f["path"], f["severity"]) == ("LST001", "broken.py", "error")
    assert f["line"] >= 3  # libcst places it where it gives up (line 4), Python at line 3


def test_exit_zero(model: Path) -> None:
    res = lint(["--exit-zero", model.name], model.parent)
    assert res.returncode == 0
    assert text_positions(res.stdout) == [("model.py", BUG_LINE, BUG_COL, "LST101")]


def test_statistics(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(BUGGY)
    (tmp_path / "b.py").write_text(BUGGY)
    res = lint(["--statistics", "a.py", "b.py"], tmp_path)
    assert res.returncode == 1
    assert len(text_positions(res.stdout)) == 2
    assert re.search(r"^\s*2\s+LST101\s+feature-size-mismatch\s*$", res.stdout, re.M), res.stdout


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_output_file(model: Path, fmt: str) -> None:
    target = model.parent / "out" / f"report.{fmt}"
    target.parent.mkdir()
    res = lint(["--format", fmt, "--output-file", str(target), model.name], model.parent)
    assert res.returncode == 1, res.stderr
    assert res.stdout == ""
    written = target.read_text()
    assert written == lint(["--format", fmt, model.name], model.parent).stdout
    assert _positions(fmt, written) == [(BUG_LINE, BUG_COL)]
