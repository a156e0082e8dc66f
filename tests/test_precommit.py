"""The pre-commit hook (``.pre-commit-hooks.yaml``), through the real ``pre-commit``.

The hook runs as ``pre-commit try-repo`` sets it up: this repository at HEAD plus its tracked
changes not yet committed, in a virtualenv where pre-commit pip-installs the package, as a
user's ``pre-commit`` would: this needs PyPI (or a pip cache).  The environment is built once
per session and shared (the fixture ``precommit_hook``, tests/precommit_hook.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_models import BUG_LINE, BUGGY, CLEAN
from precommit_hook import PreCommitHook

#: the first run builds a pre-commit environment (a virtualenv with lstm-lint installed): .ci/run
pytestmark = pytest.mark.slow


def test_buggy_model_fails_the_hook(tmp_path: Path, precommit_hook: PreCommitHook) -> None:
    root = precommit_hook.project(tmp_path / "p", {"model.py": BUGGY, "README.txt": "hello\n"})
    res = precommit_hook.run(root, "--files", "model.py")
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "lstm-lint" in out and "Failed" in out
    assert f"model.py:{BUG_LINE}:" in out and "LST101" in out
    assert "Traceback" not in out


def test_clean_model_passes(tmp_path: Path, precommit_hook: PreCommitHook) -> None:
    root = precommit_hook.project(tmp_path / "p", {"model.py": CLEAN, "util.py": "X = 1\n"})
    res = precommit_hook.run(root, "--all-files")
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "Passed" in out and "LST" not in out


def test_no_python_files_passes(tmp_path: Path, precommit_hook: PreCommitHook) -> None:
    root = precommit_hook.project(tmp_path / "p",
                                  {"README.txt": "hello\n", "data.csv": "a,b\n1,2\n"})
    res = precommit_hook.run(root, "--all-files")
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "no files to check" in out and "Skipped" in out
