"""The flake8 plugin, driven through the real ``flake8`` in subprocesses."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from fixture_models import BUG_LINE, BUGGY, CLEAN

LOC_RE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) ", re.M)


def run(args: list[str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, input=stdin, capture_output=True,
                          text=True, timeout=120)


def flake8(args: list[str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    # --isolated: no configuration file on the way up from the temporary folder applies
    return run(["-m", "flake8", "--isolated", *args], cwd, stdin)


def locations(out: str) -> list[tuple[str, int, int, str]]:
    return [(m["path"], int(m["line"]), int(m["col"]), m["code"]) for m in LOC_RE.finditer(out)]


def lst(out: str) -> list[tuple[str, int, int, str]]:
    return [loc for loc in locations(out) if loc[3].startswith("LST")]


@pytest.fixture
def model(tmp_path: Path) -> Path:
    p = tmp_path / "model.py"
    p.write_text(BUGGY)
    return p


def cli_locations(path: Path) -> list[tuple[str, int, int, str]]:
    res = run(["-m", "lstm_lint", path.name], path.parent)
    assert res.returncode == 1, res.stdout + res.stderr
    return lst(res.stdout)


def test_same_line_and_column_as_the_cli(model: Path) -> None:
    expected = cli_locations(model)
    assert [(p, line, code) for p, line, _, code in expected] == [("model.py", BUG_LINE, "LST101")]
    res = flake8(["--select", "LST", "model.py"], model.parent)
    assert res.returncode == 1, res.stderr
    assert lst(res.stdout) == expected
    assert res.stderr == ""
    # the message is the CLI's message, word for word
    cli_msg = run(["-m", "lstm_lint", "model.py"], model.parent).stdout.splitlines()[0]
    assert res.stdout.strip() == cli_msg


def test_enabled_by_default(model: Path) -> None:
    res = flake8(["model.py"], model.parent)
    assert res.returncode == 1, res.stderr
    assert lst(res.stdout) == cli_locations(model)


def test_clean_model_and_plain_file(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text(CLEAN)
    (tmp_path / "util.py").write_text("def add(a, b):\n    return a + b\n")
    res = flake8(["model.py", "util.py"], tmp_path)
    assert (res.returncode, res.stdout, res.stderr) == (0, "", "")


def test_stdin_uses_the_display_name(model: Path) -> None:
    expected = [("pkg/model.py", line, col, code) for _, line, col, code in cli_locations(model)]
    res = flake8(["-", "--stdin-display-name", "pkg/model.py"], model.parent, stdin=BUGGY)
    assert res.returncode == 1, res.stderr
    assert lst(res.stdout) == expected


@pytest.mark.parametrize("comment", ["  # noqa", "  # noqa: LST101", "  # NOQA:LST1",
                                     "  # noqa: E501,LST101"])
def test_noqa_silences(tmp_path: Path, comment: str) -> None:
    lines = BUGGY.splitlines()
    lines[BUG_LINE - 1] += comment
    (tmp_path / "model.py").write_text("\n".join(lines) + "\n")
    res = flake8(["model.py"], tmp_path)
    assert (res.returncode, res.stdout, res.stderr) == (0, "", "")


def test_noqa_for_another_code_does_not_silence(tmp_path: Path) -> None:
    lines = BUGGY.splitlines()
    lines[BUG_LINE - 1] += "  # noqa: E501"
    (tmp_path / "model.py").write_text("\n".join(lines) + "\n")
    res = flake8(["model.py"], tmp_path)
    assert res.returncode == 1
    assert [(line, code) for _, line, _, code in lst(res.stdout)] == [(BUG_LINE, "LST101")]


def test_disable_noqa_reports_anyway(tmp_path: Path) -> None:
    """flake8 owns ``# noqa`` for plugin results, so ``--disable-noqa`` shows them again."""
    lines = BUGGY.splitlines()
    lines[BUG_LINE - 1] += "  # noqa: LST101"
    (tmp_path / "model.py").write_text("\n".join(lines) + "\n")
    res = flake8(["--disable-noqa", "model.py"], tmp_path)
    assert res.returncode == 1
    assert [loc[1] for loc in lst(res.stdout)] == [BUG_LINE]


def test_select_and_ignore(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text(BUGGY + "\n\nSIZES = [1,2]\n")  # E231
    everything = locations(flake8(["model.py"], tmp_path).stdout)
    assert {code for *_, code in everything} == {"E231", "LST101"}
    only = flake8(["--select", "LST", "model.py"], tmp_path)
    assert only.returncode == 1
    assert {code for *_, code in locations(only.stdout)} == {"LST101"}
    ignored = flake8(["--extend-ignore", "LST", "model.py"], tmp_path)
    assert {code for *_, code in locations(ignored.stdout)} == {"E231"}
    per_file = flake8(["--per-file-ignores", "model.py:LST101", "--select", "LST", "model.py"],
                      tmp_path)
    assert (per_file.returncode, per_file.stdout) == (0, "")


@pytest.mark.parametrize("source", [
    "def f(:\n    pass\n",
    "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x:\n        return x\n",
])
def test_syntax_error_is_flake8s_e999_only(tmp_path: Path, source: str) -> None:
    (tmp_path / "broken.py").write_text(source)
    res = flake8(["broken.py"], tmp_path)
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    codes = [code for *_, code in locations(res.stdout)]
    assert codes == ["E999"], res.stdout


def test_several_files_in_parallel(tmp_path: Path) -> None:
    for i in range(4):
        (tmp_path / f"m{i}.py").write_text(BUGGY)
    res = flake8(["--jobs", "2", "--select", "LST", "."], tmp_path)
    assert res.returncode == 1, res.stderr
    col = cli_locations(tmp_path / "m0.py")[0][2]
    assert sorted(lst(res.stdout)) == [(f"./m{i}.py", BUG_LINE, col, "LST101") for i in range(4)]


def test_listed_in_flake8_version(tmp_path: Path) -> None:
    res = flake8(["--version"], tmp_path)
    assert res.returncode == 0
    assert "lstm-lint" in res.stdout


def test_importing_the_plugin_is_cheap() -> None:
    code = ("import sys, lstm_lint.flake8_plugin as p; "
            "heavy = [m for m in ('torch', 'numpy', 'sympy', 'libcst', 'networkx', "
            "'lstm_lint.lint', 'lstm_lint.analyze') if m in sys.modules]; "
            "assert not heavy, heavy; assert p.Plugin.name == 'lstm-lint' and p.Plugin.version")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr


def test_internal_error_becomes_lst000(monkeypatch: pytest.MonkeyPatch) -> None:
    import lstm_lint.lint
    from lstm_lint.flake8_plugin import Plugin

    def boom(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(lstm_lint.lint, "check_file", boom)
    results = list(Plugin(None, BUGGY.splitlines(True), "model.py").run())
    assert results == [(1, 0, "LST000 internal error: RuntimeError: boom second line", Plugin)]


def test_in_process_positions_are_zero_based_columns() -> None:
    from lstm_lint.flake8_plugin import Plugin

    results = list(Plugin(None, BUGGY.splitlines(True), "model.py").run())
    assert len(results) == 1
    line, col, message, cls = results[0]
    assert (line, cls) == (BUG_LINE, Plugin)
    assert message.startswith("LST101 ")
    assert BUGGY.splitlines()[line - 1][col:].startswith("self.head(")
