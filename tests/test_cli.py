"""Command-line contract: exit codes, rule docs, catalogue freshness, a torch-free static path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lstm_lint.cli import main
from lstm_lint.rule import catalogue_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_missing_path_is_a_usage_error(capsys):
    assert main(["does/not/exist.py"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_no_paths_is_a_usage_error(capsys):
    assert main([]) == 2


def test_unknown_flag_exits_2(capsys):
    assert main(["--no-such-flag", "x.py"]) == 2


def test_clean_file_exits_0(tmp_path, capsys):
    p = tmp_path / "ok.py"
    p.write_text("x = 1\n")
    assert main([str(p)]) == 0


def test_syntax_error_is_reported_and_exits_1(tmp_path, capsys):
    p = tmp_path / "bad.py"
    p.write_text("class A(:\n")
    assert main([str(p)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{p}:1:") and "LST001" in out and "Traceback" not in out


def test_rule_docs(capsys):
    assert main(["rule", "LST101"]) == 0
    out = capsys.readouterr().out
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead",
                    "## Fix safety"):
        assert section in out
    assert main(["rule", "LST999"]) == 2


def test_docs_rules_md_is_fresh():
    assert (ROOT / "docs" / "rules.md").read_text() == catalogue_markdown(), (
        "docs/rules.md is stale: run `lstm-lint rule --all > docs/rules.md`")


def test_static_path_imports_no_torch_numpy_sympy():
    code = ("import sys, lstm_lint.cli as c; c.main(['examples', '--format', 'json']); "
            "c.main(['shapes', 'examples']); "
            "print(sorted(m for m in ('torch', 'numpy', 'sympy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_noqa_silences_in_cli(tmp_path, capsys):
    from lstm_lint.rule import rule_by_code

    rule = rule_by_code("LST201")
    assert rule is not None
    src = rule.INVALID[0].replace("# <-- LST201", "# noqa: LST201")
    p = tmp_path / "m.py"
    p.write_text(src)
    assert main([str(p)]) == 0
    p.write_text(rule.INVALID[0].replace("# <-- LST201", "# noqa: LST101"))
    assert main([str(p)]) == 1
