"""Static mode never imports or executes the code it reads (only --confirm does)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lstm_lint.rule import rule_by_code

ROOT = Path(__file__).resolve().parents[1]


def _trap(tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "EXECUTED"
    rule = rule_by_code("LST201")
    assert rule is not None
    body = rule.INVALID[0].lstrip("\n")
    trap = (f"import pathlib\npathlib.Path({str(marker)!r}).write_text('module level ran')\n"
            + body + "\n\ndef helper():\n    pathlib.Path("
            + repr(str(marker)) + ").write_text('function ran')\n\n\nhelper()\n")
    path = tmp_path / "trap_model.py"
    path.write_text(trap)
    return path, marker


def _run(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_cli_shapes_and_flake8_never_run_the_file(tmp_path):
    path, marker = _trap(tmp_path)
    proc = _run("-m", "lstm_lint", str(path), cwd=tmp_path)
    assert proc.returncode == 1 and "LST201" in proc.stdout
    assert _run("-m", "lstm_lint", "shapes", str(path), cwd=tmp_path).returncode == 0
    proc = _run("-m", "flake8", "--select", "LST", str(path), cwd=tmp_path)
    assert "LST201" in proc.stdout, proc.stderr
    assert not marker.exists(), "static mode executed the linted file"


def test_pre_commit_hook_never_runs_the_file(tmp_path):
    path, marker = _trap(tmp_path)
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n  - id: lstm-lint\n    name: lstm-lint\n"
        f"    entry: {sys.executable} -m lstm_lint\n    language: system\n"
        "    types: [python]\n")
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True, env=env)
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"],
                          cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 1 and "LST201" in proc.stdout, proc.stdout + proc.stderr
    assert not marker.exists()


def test_confirm_runs_definitions_only(tmp_path):
    """--confirm runs the file's definitions (imports, classes, functions, constants), never its
    module-level calls nor its ``__main__`` block."""
    path, marker = _trap(tmp_path)
    main_marker = tmp_path / "MAIN"
    path.write_text(path.read_text() + f"\nif __name__ == '__main__':\n"
                    f"    import pathlib\n    pathlib.Path({str(main_marker)!r}).write_text('x')\n")
    proc = _run("-m", "lstm_lint", "--confirm", "--timeout", "60", str(path), cwd=tmp_path)
    assert "[confirmed" in proc.stdout, proc.stdout + proc.stderr
    assert not marker.exists()  # a module-level call: not a definition, never run
    assert not main_marker.exists()
