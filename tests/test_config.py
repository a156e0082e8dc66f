"""[tool.lstm-lint] in pyproject.toml, and the flags that override it."""

from __future__ import annotations

import json
from pathlib import Path

from lstm_lint.cli import main
from lstm_lint.rule import rule_by_code


def _project(tmp_path: Path, config: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(config)
    src = tmp_path / "src"
    src.mkdir()
    for code in ("LST201", "LST101", "LST501"):
        rule = rule_by_code(code)
        assert rule is not None
        (src / f"{code.lower()}.py").write_text(rule.INVALID[0].lstrip("\n"))
    gen = tmp_path / "generated"
    gen.mkdir()
    (gen / "g.py").write_text(rule_by_code("LST201").INVALID[0].lstrip("\n"))  # type: ignore[union-attr]
    return tmp_path


def _codes(capsys, *argv: str) -> tuple[int, list[str]]:
    code = main(["--no-cache", "--format", "json", *argv])
    return code, sorted(f["code"] for f in json.loads(capsys.readouterr().out))


def test_select_ignore_per_file_and_exclude(tmp_path, capsys, monkeypatch):
    root = _project(tmp_path, """
[tool.lstm-lint]
select = ["LST1", "LST2"]
ignore = ["LST201"]
per-file-ignores = { "lst101.py" = ["LST101"] }
exclude = ["generated"]
""")
    monkeypatch.chdir(root)
    assert _codes(capsys, ".") == (0, [])
    assert _codes(capsys, "--ignore", "LST101", ".") == (1, ["LST201"])
    assert _codes(capsys, "--select", "LST5", ".") == (1, ["LST501"])
    assert _codes(capsys, "--isolated", ".") == (1, ["LST101", "LST201", "LST201", "LST501"])


def test_extend_select(tmp_path, capsys, monkeypatch):
    root = _project(tmp_path, '[tool.lstm-lint]\nselect = ["LST1"]\nextend-select = ["LST5"]\n')
    monkeypatch.chdir(root)
    assert _codes(capsys, "src") == (1, ["LST101", "LST501"])


def test_unknown_key_or_code_is_exit_2(tmp_path, capsys, monkeypatch):
    root = _project(tmp_path, '[tool.lstm-lint]\nselct = ["LST1"]\n')
    monkeypatch.chdir(root)
    assert main(["src"]) == 2
    assert "unknown key" in capsys.readouterr().err
    (root / "pyproject.toml").write_text('[tool.lstm-lint]\nignore = ["LST999"]\n')
    assert main(["src"]) == 2
    assert "unknown code" in capsys.readouterr().err


def test_explicit_config_file(tmp_path, capsys, monkeypatch):
    root = _project(tmp_path, "")
    other = tmp_path / "other.toml"
    other.write_text('[tool.lstm-lint]\nselect = ["LST501"]\n')
    monkeypatch.chdir(root)
    assert _codes(capsys, "--config", str(other), "src") == (1, ["LST501"])


def test_a_pyproject_naming_lstm_lint_that_is_no_toml_is_exit_2(tmp_path, capsys, monkeypatch):
    """Before, the file was skipped in silence and the run went on without the user's
    settings (an inline table split over two lines, which TOML 1.0 forbids)."""
    _project(tmp_path, '[tool.lstm-lint]\nignore = ["LST201"]\n'
             '[tool.lstm-lint.confirm.Net]\ninputs = [{dict = {a = "float32[2]",\n'
             '  b = "float32[2]"}}]\n')
    monkeypatch.chdir(tmp_path)
    assert main(["--no-cache", "src"]) == 2
    err = capsys.readouterr().err
    assert "pyproject.toml: invalid TOML" in err and "line 4" in err


def test_a_mention_of_lstm_lint_in_a_comment_of_a_broken_pyproject_is_not_its_table(
        tmp_path, capsys, monkeypatch):
    """Review rv17: the file is another tool's business (a table declared twice); lstm-lint
    runs with its defaults, as before."""
    _project(tmp_path, '# lint with [tool.lstm-lint] some day\n[tool.black]\nline-length = 99\n'
             '[tool.black]\nline-length = 100\n')
    monkeypatch.chdir(tmp_path)
    assert main(["--no-cache", "src"]) == 1
    assert "invalid TOML" not in capsys.readouterr().err
