"""A battery of hostile files linted in ONE run next to a real buggy model.

Every bad file sits in the same directory as LST101's first INVALID example.  One run of
``python -m lstm_lint DIR --format json`` must: print no traceback, still flag the real bug,
give each bad file at most a one-line LST001 diagnostic naming it (or simply lint it), and
exit 1.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lstm_lint.lint import Options, lint_paths
from lstm_lint.rule import rule_by_code

MARK = re.compile(r"#\s*<--\s*(LST\d{3})")
BUGGY = rule_by_code("LST101").INVALID[0].lstrip("\n")
BUG_LINE = next(i + 1 for i, line in enumerate(BUGGY.splitlines()) if MARK.search(line))

CLEAN_MODEL = '''\
import torch.nn as nn


class Clean(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(8, 16, batch_first=True)

    def forward(self, x):
        return self.rnn(x)[0]
'''

#: files that cannot be linted: exactly one LST001 each
MUST_FAIL = ("syntax_error.py", "binary.py", "latin1_no_cookie.py", "python2.py",
             "deep_blocks_400.py")
#: files that must be linted and flagged (the model's LST101 at its own line)
MUST_FLAG = {
    "buggy_model.py": BUG_LINE,
    "latin1_cookie.py": BUG_LINE + 2,
    "crlf_model.py": BUG_LINE,
    "tabs_model.py": BUG_LINE,
    "crlf_tabs_model.py": BUG_LINE,
    "big_10mb.py": None,  # computed when written
}


def _tabs(text: str) -> str:
    return re.sub(r"(?m)^((?:    )+)", lambda m: "\t" * (len(m.group(1)) // 4), text)


def _run(args: list[str], stdin: bytes | None = None, cwd: Path | None = None
         ) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("LSTM_LINT_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "lstm_lint", *args], input=stdin,
                          capture_output=True, timeout=300, env=env, cwd=cwd)


def _no_traceback(proc: subprocess.CompletedProcess[bytes]) -> str:
    err = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    return err


def build_battery(d: Path) -> dict[str, int | None]:
    """Write the battery into ``d``; return MUST_FLAG with the 10 MB file's bug line."""
    d.mkdir(parents=True, exist_ok=True)
    (d / "buggy_model.py").write_text(BUGGY, encoding="utf-8")
    # --- unparsable
    (d / "syntax_error.py").write_text(
        "import torch.nn as nn\n\nclass Net(nn.Module):\n    def forward(self, x)\n"
        "        return x\n", encoding="utf-8")
    (d / "binary.py").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00class LSTM\x00\xff\xfe" * 64)
    (d / "latin1_no_cookie.py").write_bytes(
        "# d\u00e9j\u00e0 vu: caf\u00e9\nclass Net:\n    name = 'caf\u00e9'\n".encode("latin-1"))
    (d / "python2.py").write_text(
        "class Net(object):\n    def forward(self, x):\n        print \"x\"\n"
        "        return x\n", encoding="utf-8")
    (d / "deep_blocks_400.py").write_text(
        "class Net:\n" + "".join("    " * (i + 1) + "if x:\n" for i in range(400))
        + "    " * 401 + "pass\n", encoding="utf-8")
    # --- must be linted (and flagged)
    (d / "latin1_cookie.py").write_bytes(
        ("# -*- coding: latin-1 -*-\n# r\u00e9seau r\u00e9current, caf\u00e9\n" + BUGGY)
        .encode("latin-1"))
    (d / "crlf_model.py").write_bytes(BUGGY.replace("\n", "\r\n").encode("utf-8"))
    (d / "tabs_model.py").write_text(_tabs(BUGGY), encoding="utf-8")
    (d / "crlf_tabs_model.py").write_bytes(_tabs(BUGGY).replace("\n", "\r\n").encode("utf-8"))
    filler = "# " + "padding " * 12 + "\n"
    n_filler = 10 * 1024 * 1024 // len(filler) + 1
    head = "# a generated 10 MB file: a long comment, then a real model\n"
    (d / "big_10mb.py").write_text(head + filler * n_filler + BUGGY, encoding="utf-8")
    assert (d / "big_10mb.py").stat().st_size >= 10 * 1024 * 1024
    flag = dict(MUST_FLAG)
    flag["big_10mb.py"] = 1 + n_filler + BUG_LINE
    # --- odd but lintable
    (d / "empty.py").write_text("", encoding="utf-8")
    (d / "deep_expr_400.py").write_text(
        "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
        "        y = " + "(" * 400 + "x" + ")" * 400 + "\n"
        "        z = " + " + ".join(["x"] * 400) + "\n"
        "        w = " + "[" * 400 + "x" + "]" * 400 + "\n"
        "        return y\n", encoding="utf-8")
    (d / "deep_blocks_90.py").write_text(
        "class Net:\n    def forward(self, x):\n"
        + "".join("    " * (i + 2) + f"if x > {i}:\n" for i in range(90))
        + "    " * 92 + "return x\n", encoding="utf-8")
    (d / "classes_3000.py").write_text(
        "import torch.nn as nn\n\n" + "".join(
            f"\nclass C{i}(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            f"        self.fc = nn.Linear({i % 7 + 1}, 4)\n\n"
            f"    def forward(self, x):\n        return self.fc(x)\n" for i in range(3000)),
        encoding="utf-8")
    unreadable = d / "unreadable.py"
    unreadable.write_text(CLEAN_MODEL, encoding="utf-8")
    unreadable.chmod(0)
    os.symlink("loop_b.py", d / "loop_a.py")
    os.symlink("loop_a.py", d / "loop_b.py")
    (d / "x.py").mkdir()
    (d / "x.py" / "inside.py").write_text(CLEAN_MODEL, encoding="utf-8")
    return flag


@pytest.fixture(scope="module")
def battery(tmp_path_factory):
    d = tmp_path_factory.mktemp("battery") / "proj"
    flag = build_battery(d)
    proc = _run([str(d), "--format", "json"])
    yield d, flag, proc
    (d / "unreadable.py").chmod(0o644)


def test_battery_exit_code_and_no_traceback(battery):
    d, _flag, proc = battery
    err = _no_traceback(proc)
    assert proc.returncode == 1, (proc.returncode, err, proc.stdout[:2000])


def _findings(proc) -> list[dict]:
    return json.loads(proc.stdout.decode("utf-8"))


def test_battery_has_no_internal_errors(battery):
    _d, _flag, proc = battery
    internal = [f for f in _findings(proc) if f["code"] == "LST000"]
    assert not internal, internal


@pytest.mark.parametrize("name", sorted(MUST_FLAG))
def test_real_bug_still_flagged(battery, name):
    d, flag, proc = battery
    path = str(d / name)
    mine = [f for f in _findings(proc) if f["path"] == path]
    assert [(f["code"], f["line"]) for f in mine] == [("LST101", flag[name])], mine


@pytest.mark.parametrize("name", MUST_FAIL)
def test_unlintable_file_gets_one_line_diagnostic(battery, name):
    d, _flag, proc = battery
    path = str(d / name)
    mine = [f for f in _findings(proc) if f["path"] == path]
    assert len(mine) == 1 and mine[0]["code"] == "LST001", mine
    assert "\n" not in mine[0]["message"] and not mine[0]["message"].startswith("LST"), mine


def test_every_file_is_linted_or_has_at_most_one_diagnostic(battery):
    d, _flag, proc = battery
    findings = _findings(proc)
    known = {str(p) for p in d.rglob("*") if p.is_symlink() or p.is_file()}
    by_path: dict[str, list[dict]] = {}
    for f in findings:
        assert f["path"] in known, f"finding for a file that is not in the battery: {f}"
        by_path.setdefault(f["path"], []).append(f)
    for fs in by_path.values():
        bad = [f for f in fs if f["code"] == "LST001"]
        assert len(bad) <= 1, fs
        if bad:
            assert len(fs) == 1, f"an unparsable file also got findings: {fs}"
            assert "\n" not in bad[0]["message"], bad
    # the odd-but-lintable files: nothing, or at most that one line
    for name in ("empty.py", "deep_expr_400.py", "deep_blocks_90.py", "classes_3000.py",
                 "loop_a.py", "loop_b.py", "unreadable.py", "x.py/inside.py"):
        fs = by_path.get(str(d / name), [])
        assert all(f["code"] != "LST000" for f in fs), fs


def test_symlink_loop_is_one_line_each(battery):
    d, _flag, proc = battery
    for name in ("loop_a.py", "loop_b.py"):
        fs = [f for f in _findings(proc) if f["path"] == str(d / name)]
        assert len(fs) <= 1, fs
        if fs:
            assert fs[0]["code"] == "LST001", fs


def test_unreadable_file(battery):
    """chmod 000: as root it is still readable, and is then simply linted (it is clean)."""
    d, _flag, proc = battery
    path = d / "unreadable.py"
    fs = [f for f in _findings(proc) if f["path"] == str(path)]
    try:
        path.read_bytes()
        readable = True
    except PermissionError:
        readable = False
    if readable:
        assert fs == [], fs
    else:
        assert len(fs) == 1 and fs[0]["code"] == "LST001", fs
        assert "cannot read" in fs[0]["message"], fs


def test_directory_named_like_a_file(battery):
    d, _flag, proc = battery
    assert not [f for f in _findings(proc) if f["path"] == str(d / "x.py")]
    # passed directly it is walked like any folder
    only = _run([str(d / "x.py"), "--format", "json"])
    _no_traceback(only)
    assert only.returncode == 0, only.stderr
    assert json.loads(only.stdout) == []


def test_symlink_loop_passed_directly(tmp_path):
    os.symlink("b.py", tmp_path / "a.py")
    os.symlink("a.py", tmp_path / "b.py")
    proc = _run([str(tmp_path / "a.py"), "--format", "json"])
    _no_traceback(proc)
    assert proc.returncode == 1, proc.stderr
    fs = json.loads(proc.stdout)
    assert len(fs) == 1 and fs[0]["code"] == "LST001" and fs[0]["path"] == str(tmp_path / "a.py")
    # `shapes` on the loop itself: a one-line message, no traceback (it reports a usage error)
    proc = _run(["shapes", str(tmp_path / "a.py"), "--format", "json"])
    err = _no_traceback(proc)
    assert proc.returncode in (1, 2) and len(err.strip().splitlines()) == 1, err


def test_shapes_on_the_battery(battery):
    """``lstm-lint shapes DIR``: bad files are one stderr line each, stdout stays JSON."""
    d, _flag, _proc = battery
    proc = _run(["shapes", str(d), "--format", "json"])
    err = _no_traceback(proc)
    assert proc.returncode == 1, err
    json.loads(proc.stdout)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    for name in MUST_FAIL:
        assert sum(str(d / name) in ln for ln in lines) == 1, (name, lines)
    for ln in lines:
        assert ln.startswith(str(d)), ln


DEEP_TAILS = {
    "sum_500": "DATA = " + " + ".join(["1"] * 500) + "\n",  # valid Python (CPython compiles it)
    "brackets_300": "DATA = " + "[" * 300 + "]" * 300 + "\n",  # libcst parses it, CPython not
}


@pytest.mark.parametrize("tail", sorted(DEEP_TAILS))
def test_deep_nesting_next_to_a_finding(tmp_path, tail):
    """A deeply nested expression in a file that also has a finding: the run must survive.

    Positions are computed only for files with findings, so this is a different path from
    ``deep_expr_400.py`` in the battery (which has none).
    """
    d = tmp_path / "proj"
    d.mkdir()
    (d / "buggy_model.py").write_text(BUGGY, encoding="utf-8")
    (d / "deep_and_buggy.py").write_text(BUGGY + "\n\n" + DEEP_TAILS[tail], encoding="utf-8")
    proc = _run([str(d), "--format", "json"])
    err = _no_traceback(proc)
    assert proc.returncode == 1, (proc.returncode, err)
    fs = json.loads(proc.stdout)
    assert ("LST101", str(d / "buggy_model.py"), BUG_LINE) in \
        [(f["code"], f["path"], f["line"]) for f in fs], fs
    deep = [f for f in fs if f["path"] == str(d / "deep_and_buggy.py")]
    assert [f["code"] for f in deep] in (["LST101"], ["LST001"]), deep


@pytest.mark.parametrize(("text", "line"), [
    ("class A:\n    x = = 1\n    y = 2\n", 2),
    ("class A:\n    def f(self):\n        print \"x\"\n\n\n# end\n", 3),  # Python 2
], ids=["double-equals", "python2-print"])
def test_syntax_error_points_at_the_offending_line(tmp_path, text, line):
    """LST001's location must be the line CPython (and the message itself) names."""
    path = tmp_path / "broken.py"
    path.write_text(text, encoding="utf-8")
    try:
        compile(text, str(path), "exec")
    except SyntaxError as e:
        assert e.lineno == line
    results = lint_paths([str(path)], Options())
    fs = [f for r in results for f in r.findings]
    assert len(fs) == 1 and fs[0].code == "LST001", fs
    lines = text.splitlines()
    assert 1 <= fs[0].line <= len(lines) and 1 <= fs[0].column <= len(lines[fs[0].line - 1]) + 1, \
        f"{fs[0].line}:{fs[0].column} is outside the file: {fs[0].message}"
    assert fs[0].line == line, f"reported at {fs[0].line}:{fs[0].column}: {fs[0].message}"


def test_file_removed_after_discovery(tmp_path):
    existing = tmp_path / "model.py"
    existing.write_text(BUGGY, encoding="utf-8")
    removed = tmp_path / "gone.py"
    removed.write_text(CLEAN_MODEL, encoding="utf-8")
    removed.unlink()
    results = lint_paths([str(existing), str(removed)], Options())
    by_path = {r.path: r for r in results}
    assert [(f.code, f.line) for f in by_path[str(existing)].findings] == [("LST101", BUG_LINE)]
    gone = by_path[str(removed)].findings
    assert len(gone) == 1 and gone[0].code == "LST001" and gone[0].path == str(removed)
    assert "cannot read" in gone[0].message and "\n" not in gone[0].message


@pytest.mark.parametrize("crlf", [False, True])
def test_stdin_with_stdin_filename(tmp_path, crlf):
    text = BUGGY.replace("\n", "\r\n") if crlf else BUGGY
    proc = _run(["-", "--stdin-filename", "pkg/model.py", "--format", "json"],
                stdin=text.encode("utf-8"), cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 1, proc.stderr
    fs = json.loads(proc.stdout)
    assert [(f["code"], f["path"], f["line"]) for f in fs] == [("LST101", "pkg/model.py", BUG_LINE)]


def test_stdin_bad_inputs(tmp_path):
    # a syntax error on stdin names the stdin filename
    proc = _run(["-", "--stdin-filename", "broken.py", "--format", "json"],
                stdin=b"class Net(nn.Module):\n    def forward(self, x)\n", cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 1
    fs = json.loads(proc.stdout)
    assert len(fs) == 1 and fs[0]["code"] == "LST001" and fs[0]["path"] == "broken.py", fs
    # without --stdin-filename the path is <stdin>; empty stdin is clean
    proc = _run(["-", "--format", "json"], stdin=BUGGY.encode("utf-8"), cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 1
    assert [f["path"] for f in json.loads(proc.stdout)] == ["<stdin>"]
    proc = _run(["-", "--format", "json"], stdin=b"", cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 0 and json.loads(proc.stdout) == []
