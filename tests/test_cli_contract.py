"""The command line as a new user meets it (issue 17): help, argument binding, codes, fix modes,
output notation, files without modules or with bases elsewhere, and where the cache lives."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lstm_lint.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "examples"
RULES = ROOT / "tests" / "corpus" / "rules"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


# ---- 2. help ----------------------------------------------------------------------------------


def test_help_lists_every_subcommand_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "--help")
    assert rc == 0
    assert set(COMMANDS) == {"check", "shapes", "rule", "graph", "server"}
    listed = out.split("commands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split()[0] for line in listed] == list(COMMANDS)
    assert all(len(line.split()) > 2 for line in listed)  # each with its summary


def _parsers() -> dict[str, argparse.ArgumentParser]:
    from lstm_lint.cli import check_parser, rule_parser, shapes_parser
    from lstm_lint.render import graph_parser
    from lstm_lint.server import server_parser

    return {"check": check_parser(), "shapes": shapes_parser(), "rule": rule_parser(),
            "graph": graph_parser(), "server": server_parser()}


@pytest.mark.parametrize("cmd", COMMANDS)
def test_each_subcommand_help_is_complete(capsys: pytest.CaptureFixture[str], cmd: str) -> None:
    parser = _parsers()[cmd]
    assert parser.description
    undocumented = [a.dest for a in parser._actions if not a.help]
    assert not undocumented, f"{cmd}: arguments without help: {undocumented}"
    rc, out, _ = run(capsys, cmd, "--help")
    assert rc == 0 and out.startswith("usage: lstm-lint")
    for action in parser._actions:
        for flag in action.option_strings:
            assert flag in out


# ---- 3. --args / --input bound against the real signatures ------------------------------------

MULTI = str(EX / "seed_multilayer.py")  # MyLSTM(input_size, hidden_size, num_layers, output_size)


@pytest.mark.parametrize(("argv", "message"), [
    (["--args", "[10, 20, 2]"], "MyLSTM(input_size, hidden_size, num_layers, output_size) is "
                                "missing output_size"),
    (["--args", "[10, 20, 2, 5, 9]"], "takes 4 arguments but 5 were given"),
    (["--args", '{"input_size": 10, "hiden_size": 20, "num_layers": 2, "output_size": 5}'],
     "has no parameter 'hiden_size'"),
    (["--args", '{"input_size": 10}'], "is missing hidden_size, num_layers, output_size"),
    (["--args", "[10, 20, 2, 5]", "--input", "float32[32,50,10]", "--input", "float32[3]"],
     "--input: MyLSTM.forward(x) takes 1 input but 2 were given"),
    (["--args", "[10, 20, 2, 5]", "--input", "float32[32,50"], "cannot read input spec"),
    (["--args", "[10, 20, 2, 5]", "--input", "float32[32,T,10]"], "'T' is not an int"),
    (["--args", "[10, 20, 2, 5]", "--input", "float99[3]"], "unknown dtype"),
    (["--args", "[10, 20, 2, 5]", "--input", "float32[-1,50,10]"], "cannot be negative"),
    (["--args", "[10, 20,"], "--args is not valid JSON"),
    (["--args", "7"], "--args must be a JSON list or object"),
])
@pytest.mark.parametrize("cmd", ["shapes", "graph"])
def test_bad_args_and_inputs_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], cmd: str,
                                                   argv: list[str], message: str) -> None:
    rc, out, err = run(capsys, cmd, MULTI, *argv)
    assert rc == 2, out + err
    assert out == "" and err.count("\n") == 1 and message in err, err


def test_missing_required_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "m.py"
    p.write_text("import torch.nn as nn\n\n\nclass M(nn.Module):\n"
                 "    def __init__(self, n):\n        super().__init__()\n"
                 "        self.rnn = nn.GRU(n, 8, batch_first=True)\n\n"
                 "    def forward(self, x, lengths, h0=None):\n"
                 "        return self.rnn(x, h0)[0]\n")
    rc, _, err = run(capsys, "shapes", str(p), "--args", "[4]", "--input", "float32[2,3,4]")
    assert rc == 2 and "M.forward(x, lengths, h0=None) is missing lengths" in err
    rc, out, _ = run(capsys, "shapes", str(p), "--args", '{"n": 4}', "--input", "float32[2,3,4]",
                     "--input", "int64[2]")
    assert rc == 0 and "forward(x: (2, 3, 4), lengths: (2,), h0 = None) -> (2, 3, 8)" in out


def test_good_args_still_work(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run(capsys, "shapes", MULTI, "--args", "[10, 20, 2, 5]",
                       "--input", "float32[32,50,10]")
    assert (rc, err) == (0, "")
    assert "forward(x: (32, 50, 10)) -> (32, 5)" in out


def test_shapes_for_keeps_its_python_api() -> None:
    from lstm_lint.lint import load
    from lstm_lint.project import Project
    from lstm_lint.shapes import shapes_for

    fm = load(MULTI)
    assert fm is not None and not isinstance(fm, Exception)
    res = shapes_for(fm, Project(loaded=[fm]), None, "[10, 20, 2]", None,  # type: ignore[arg-type]
                     check_signatures=False)
    assert [r.cls for r in res] == ["MyLSTM"]


# ---- 4. unknown codes on the command line ------------------------------------------------------


@pytest.mark.parametrize("argv", [
    ["--select", "XYZ"], ["--ignore", "FOO"], ["--extend-select", "LST999"],
    ["--select", "LST101,LST7"], ["--per-file-ignores", "tests/*:NOPE"],
    ["--per-file-ignores", "LST101"],
])
def test_unknown_codes_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    rc, out, err = run(capsys, str(EX / "forecaster.py"), *argv)
    assert rc == 2, out + err
    assert out == "" and err.count("\n") == 1 and argv[0] in err


@pytest.mark.parametrize(("argv", "rc"), [
    (["--select", "LST2"], 1), (["--select", "lst201"], 1), (["--ignore", "LST2"], 0),
    (["--select", "LST1", "--extend-select", "LST20"], 1), (["--select", "LST1"], 0),
    (["--per-file-ignores", "forecaster.py:LST2"], 0),
    (["--per-file-ignores", "other.py:LST2,*.py:LST101,LST5"], 1),
    (["--ignore", "LST900,LST000"], 1),
])
def test_known_codes_and_prefixes(capsys: pytest.CaptureFixture[str], argv: list[str],
                                  rc: int) -> None:
    assert run(capsys, "--no-cache", str(EX / "forecaster.py"), *argv)[0] == rc


# ---- 5. fix modes, as ruff defines them --------------------------------------------------------

FILES = {  # kind -> (source, its one finding)
    "safe": (RULES / "lst501_lstm_dropout_bug.py", "LST501"),
    "unsafe": (EX / "forecaster.py", "LST201"),
    "none": (EX / "seed_trained_per_step.py", "LST401"),
}
FOUND_NOT_FIXED = "Found 1 finding (0 fixed, 1 remaining)."
FIXED = "Found 1 finding (1 fixed, 0 remaining)."
HIDDEN = "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)."
WOULD = "Would fix 1 finding."
NOTHING = "No findings would be fixed."
NOTHING_HIDDEN = "No findings would be fixed (1 fix available with `--unsafe-fixes`)."

#: flags, kind -> exit code, file written, diff printed, summary lines (stdout for --fix,
#: stderr for --diff)
MATRIX = [
    ("--diff", "safe", 1, False, True, [WOULD]),
    ("--diff", "unsafe", 0, False, False, [NOTHING_HIDDEN]),
    ("--diff", "none", 0, False, False, [NOTHING]),
    ("--fix --diff", "safe", 1, False, True, [WOULD]),
    ("--fix --diff", "unsafe", 0, False, False, [NOTHING_HIDDEN]),
    ("--fix --diff", "none", 0, False, False, [NOTHING]),
    ("--diff --unsafe-fixes", "safe", 1, False, True, [WOULD]),
    ("--diff --unsafe-fixes", "unsafe", 1, False, True, [WOULD]),
    ("--diff --unsafe-fixes", "none", 0, False, False, [NOTHING]),
    ("--fix --diff --unsafe-fixes", "unsafe", 1, False, True, [WOULD]),
    ("--fix", "safe", 0, True, False, [FIXED]),
    ("--fix", "unsafe", 1, False, False, [FOUND_NOT_FIXED, HIDDEN]),
    ("--fix", "none", 1, False, False, [FOUND_NOT_FIXED]),
    ("--fix --unsafe-fixes", "safe", 0, True, False, [FIXED]),
    ("--fix --unsafe-fixes", "unsafe", 0, True, False, [FIXED]),
    ("--fix --unsafe-fixes", "none", 1, False, False, [FOUND_NOT_FIXED]),
    ("", "safe", 1, False, False, ["Found 1 finding in 1 file.",
                                   "[*] 1 fixable with the `--fix` option."]),
    ("", "unsafe", 1, False, False, ["Found 1 finding in 1 file.", HIDDEN]),
    ("", "none", 1, False, False, ["Found 1 finding in 1 file."]),
    ("--unsafe-fixes", "unsafe", 1, False, False,
     ["Found 1 finding in 1 file.", "[*] 1 fixable with the `--fix --unsafe-fixes` option."]),
]


@pytest.mark.parametrize(("flags", "kind", "rc", "written", "diff", "summary"), MATRIX,
                         ids=[f"{m[0] or 'check'}-{m[1]}" for m in MATRIX])
def test_fix_modes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                   capsys: pytest.CaptureFixture[str], flags: str, kind: str, rc: int,
                   written: bool, diff: bool, summary: list[str]) -> None:
    src, code = FILES[kind]
    shutil.copy(src, tmp_path / src.name)
    monkeypatch.chdir(tmp_path)
    before = (tmp_path / src.name).read_text()
    got_rc, out, err = run(capsys, "--no-cache", *flags.split(), f"./{src.name}")
    assert got_rc == rc, out + err
    assert ((tmp_path / src.name).read_text() != before) == written
    assert out.startswith(f"--- a/{src.name}\n+++ b/{src.name}\n") == diff, out
    if "--diff" in flags:
        assert err.splitlines() == summary
        assert f": {code} " not in out  # a diff, not a report
    else:
        lines = out.splitlines()
        assert lines[-len(summary):] == summary, out
        assert (f": {code} " in out) == (rc == 1)  # remaining findings are listed
        assert err == ""


def test_fix_modes_with_a_safe_and_an_unsafe_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    text = (EX / "forecaster.py").read_text()
    mixed = text.replace("hidden_size, num_layers, batch_first=True, dropout=0.1",
                         "hidden_size, batch_first=True, dropout=0.1")  # + LST501 (safe fix)
    assert mixed != text
    p = tmp_path / "mixed.py"
    p.write_text(mixed)
    monkeypatch.chdir(tmp_path)
    rc, out, _ = run(capsys, "--no-cache", "mixed.py")
    assert rc == 1 and out.splitlines()[-2:] == [
        "Found 2 findings in 1 file.",
        "[*] 1 fixable with the `--fix` option (1 hidden fix can be enabled with the "
        "`--unsafe-fixes` option)."]
    rc, out, err = run(capsys, "--no-cache", "--diff", "mixed.py")
    assert rc == 1 and "-        self.lstm = nn.LSTM(n_features, hidden_size, batch_first=True, " \
        "dropout=0.1)" in out and "out[:, -1]" not in out
    assert err == "Would fix 1 finding (1 additional fix available with `--unsafe-fixes`).\n"
    rc, out, err = run(capsys, "--no-cache", "--diff", "--unsafe-fixes", "mixed.py")
    assert rc == 1 and "out[:, -1]" in out and err == "Would fix 2 findings.\n"
    assert p.read_text() == mixed
    rc, out, _ = run(capsys, "--no-cache", "--fix", "mixed.py")
    assert rc == 1 and out.splitlines()[-2:] == [
        "Found 2 findings (1 fixed, 1 remaining).",
        "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)."]
    assert "dropout" not in p.read_text() and "out[-1]" in p.read_text()
    p.write_text(mixed)
    rc, out, _ = run(capsys, "--no-cache", "--fix", "--unsafe-fixes", "mixed.py")
    assert (rc, out) == (0, "Found 2 findings (2 fixed, 0 remaining).\n")


def test_fix_then_nothing_left(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "forecaster.py"
    shutil.copy(EX / "forecaster.py", p)
    assert run(capsys, "--no-cache", "--fix", "--unsafe-fixes", str(p))[0] == 0
    rc, out, _ = run(capsys, "--no-cache", "--fix", str(p))
    assert (rc, out) == (0, "All checks passed.\n")


# ---- 6. output ---------------------------------------------------------------------------------


def test_text_summary_like_ruff(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, out, _ = run(capsys, "--no-cache", str(EX))
    assert rc == 1
    assert out.splitlines()[-2:] == [
        "Found 4 findings in 4 files.",
        "No fixes available (3 hidden fixes can be enabled with the `--unsafe-fixes` option)."]
    clean = tmp_path / "ok.py"
    clean.write_text("x = 1\n")
    assert run(capsys, str(clean)) == (0, "All checks passed.\n", "")
    rc, out, _ = run(capsys, "--no-cache", "--format", "json", str(EX))
    assert "Found" not in out and json.loads(out)  # only the text format has a summary


def test_json_message_without_code(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--no-cache", "--format", "json", str(EX))
    for f in json.loads(out):
        assert not f["message"].startswith(f["code"]), f["message"]


NOTATION = '''\
import torch.nn as nn
from elsewhere import Encoder


class Proj(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.encoder = Encoder()
        self.fc = nn.Linear(n_in, n_out)

    def forward(self, x, k, mask=None):
        return self.fc(self.encoder(x))[:, :k]
'''


def test_unknown_notation_and_defaults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``?`` an unknown size, ``*`` unknown leading axes, ``unknown`` an unknown value; ``null``
    and ``"*"`` in JSON; a defaulted parameter as ``= None``, never as a shape."""
    p = tmp_path / "proj.py"
    p.write_text(NOTATION.replace("[:, :k]", ""))
    rc, out, _ = run(capsys, "shapes", str(p))
    assert rc == 0
    assert "forward(x: unknown, k: unknown, mask = None) -> (*, n_out)" in out
    rc, out, _ = run(capsys, "shapes", str(p), "--format", "json")
    (doc,) = json.loads(out)
    assert doc["output"] == ["*", "n_out"]
    assert doc["inputs"] == [{"name": "x", "shape": None}, {"name": "k", "shape": None},
                             {"name": "mask", "shape": None, "default": "None"}]
    q = tmp_path / "head.py"
    q.write_text(NOTATION.replace("self.fc(self.encoder(x))", "self.fc(x)"))
    argv = ["shapes", str(q), "--args", "[3, 4]", "--input", "float32[2,5,3]",
            "--input", "float32[2]"]
    rc, out, _ = run(capsys, *argv)
    assert "forward(x: (2, 5, 3), k: (2,), mask = None) -> (2, ?, 4)" in out
    rc, out, _ = run(capsys, *argv, "--format", "json")
    assert json.loads(out)[0]["output"] == [2, None, 4]


def test_no_repeated_names_or_locations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "anon.py"
    p.write_text("import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
                 "        super().__init__()\n        self.lstm = nn.LSTM(16, 32, batch_first=True)\n"
                 "\n    def forward(self, x):\n        out, _ = self.lstm(x)\n"
                 "        return nn.Conv1d(16, 8, 3)(out.transpose(1, 2))\n")
    rc, out, _ = run(capsys, "--no-cache", "--format", "json", str(p))
    (f,) = json.loads(out)
    assert f["code"] == "LST101"
    assert f["message"].startswith("nn.Conv1d expects 16 input channels")
    assert "(nn.Conv1d)" not in f["message"]
    for r in f["related"]:
        assert (r["line"], r["column"]) != (f["line"], f["column"])
    # a named layer keeps its kind, and its definition as the related location
    rc, out, _ = run(capsys, "--no-cache", "--format", "json", str(EX / "bidirectional_classifier.py"))
    (f,) = json.loads(out)
    assert f["message"].startswith("self.head (nn.Linear) expects")
    assert [r["line"] for r in f["related"]] == [13]


# ---- 7. files without modules; bases in other files -------------------------------------------


@pytest.mark.parametrize("cmd", ["shapes", "graph"])
def test_file_without_modules_is_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        cmd: str) -> None:
    p = tmp_path / "plain.py"
    p.write_text("import torch\n\nx = torch.zeros(3)\n")
    rc, out, err = run(capsys, cmd, str(p))
    assert (rc, out) == (0, "")
    assert err == f"lstm-lint: note: no nn.Module class with a forward in {p}\n"


BASE = '''\
import torch.nn as nn


class Base(nn.Module):
    def __init__(self, input_size, hidden_size, n_out):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, n_out)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])
'''


@pytest.mark.parametrize("layout", ["flat", "package"])
def test_bases_in_other_files(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              layout: str) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    pkg = tmp_path / "src" / "models"
    pkg.mkdir(parents=True)
    (pkg / "base.py").write_text(BASE)
    if layout == "package":
        (pkg / "__init__.py").write_text("")
        imp = "from .base import Base"
    else:
        imp = "from base import Base"
    (pkg / "tagger.py").write_text(f"{imp}\n\n\nclass Tagger(Base):\n    pass\n")
    target = str(pkg / "tagger.py")
    rc, out, _ = run(capsys, "shapes", target)
    assert rc == 0 and "Tagger" in out and "forward(x: (B, T, input_size)) -> (B, n_out)" in out
    rc, out, _ = run(capsys, "shapes", target, "--class", "Tagger", "--args", "[3, 4, 5]",
                     "--input", "float32[2,7,3]")
    assert rc == 0 and "-> (2, 5)" in out
    rc, out, _ = run(capsys, "graph", target, "--class", "Tagger")
    assert rc == 0 and "Tagger (" in out and "self.lstm: LSTM" in out


# ---- 8. where the cache lives ------------------------------------------------------------------


def _entries(d: Path) -> list[Path]:
    return [p for p in d.rglob("*.json")] if d.is_dir() else []


@pytest.fixture
def no_cache_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("LSTM_LINT_CACHE_DIR", raising=False)
    monkeypatch.delenv("LSTM_LINT_NO_CACHE", raising=False)
    xdg = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    return xdg


@pytest.mark.parametrize("marker", ["pyproject.toml", "setup.cfg", "setup.py", ".git"])
def test_cache_at_the_project_root(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   no_cache_env: Path, marker: str) -> None:
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    (root / ".git").mkdir() if marker == ".git" else (root / marker).write_text("")
    shutil.copy(EX / "forecaster.py", root / "src")
    assert run(capsys, str(root / "src"))[0] == 1
    assert _entries(root / ".lstm_lint_cache")
    assert not (root / "src" / ".lstm_lint_cache").exists()
    assert not no_cache_env.exists()


def test_cache_without_a_project_goes_to_the_user_cache(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], no_cache_env: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from lstm_lint.cache import find_project_root

    loose = tmp_path / "loose"
    loose.mkdir()
    shutil.copy(EX / "forecaster.py", loose)
    if find_project_root([str(loose)]) is not None:
        pytest.skip("the temporary folder lies inside a project")
    monkeypatch.chdir(loose)
    assert run(capsys, ".")[0] == 1
    assert not (loose / ".lstm_lint_cache").exists()
    assert _entries(no_cache_env / "lstm-lint")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    from lstm_lint.cache import cache_dir

    assert cache_dir(["."]) == str(tmp_path / "home" / ".cache" / "lstm-lint")


def test_cache_dir_flag_and_variable_override(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              no_cache_env: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text("")
    shutil.copy(EX / "forecaster.py", root)
    monkeypatch.setenv("LSTM_LINT_CACHE_DIR", str(tmp_path / "from-env"))
    assert run(capsys, str(root))[0] == 1
    assert _entries(tmp_path / "from-env") and not (root / ".lstm_lint_cache").exists()
    assert run(capsys, "--cache-dir", str(tmp_path / "from-flag"), str(root))[0] == 1
    assert _entries(tmp_path / "from-flag")
    assert os.listdir(root) == ["pyproject.toml", "forecaster.py"] or \
        sorted(os.listdir(root)) == ["forecaster.py", "pyproject.toml"]


def test_readme_reading_the_output_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The README's notation example is what lstm-lint prints."""
    import re
    import shlex

    section = (ROOT / "README.md").read_text().split("## Reading the output", 1)[1]
    section = section.split("\n## ", 1)[0]
    source = re.search(r"```python\n(.*?)```", section, re.S)
    session = re.search(r"```text\n(.*?)```", section, re.S)
    assert source and session
    (tmp_path / "model.py").write_text("import torch.nn as nn\n\n\n" + source.group(1))
    monkeypatch.chdir(tmp_path)
    for block in session.group(1).strip().split("\n\n"):
        command, *expected = block.splitlines()
        assert command.startswith("$ lstm-lint ")
        rc, out, err = run(capsys, *shlex.split(command)[2:])
        assert rc == 0 and out.splitlines() == expected, out + err


def _console(tmp_path: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    marker = tmp_path / "atexit-ran"
    code = ("import atexit, sys\n"
            f"atexit.register(lambda: open({str(marker)!r}, 'w').write('ran'))\n"
            f"sys.argv = ['lstm-lint', *{argv!r}]\n"
            "from lstm_lint.cli import console_main\n"
            "console_main()\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COV_")}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=120)


def test_console_exit_runs_atexit_flushes_and_keeps_the_code(tmp_path: Path) -> None:
    """The console script ends without the interpreter's teardown, but only after the atexit
    handlers ran and the output was flushed: every finding printed, the exit code kept."""
    r = _console(tmp_path, ["--format", "json", str(EX)])
    assert r.returncode == 1, r.stderr
    assert len(json.loads(r.stdout)) >= 4
    assert (tmp_path / "atexit-ran").read_text() == "ran"
    clean = _console(tmp_path, ["--select", "LST999", str(EX / "tagger.py")])
    assert clean.returncode == 2  # an unknown code is a usage error, still exit 2
    ok = _console(tmp_path, [str(EX / "seed_last_step.py")])
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_console_exit_with_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    """``lstm-lint src | head -1``: the reader goes away while more output than a pipe holds
    is still to come; the run keeps its exit code and prints no traceback about the pipe."""
    bug = (EX / "bidirectional_classifier.py").read_text()
    for i in range(80):  # (about 80 KB of JSON: more than a pipe holds)
        (tmp_path / f"m{i}.py").write_text(bug)
    proc = subprocess.Popen([sys.executable, "-m", "lstm_lint", "--no-cache", "--jobs", "1",
                             "--format", "json", str(tmp_path)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert "Traceback" not in err and "Exception ignored" not in err
