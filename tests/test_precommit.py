"""The pre-commit hook (``.pre-commit-hooks.yaml``), through the real ``pre-commit try-repo``.

``try-repo`` clones this repository at HEAD (plus tracked changes not yet committed), builds
a virtualenv and pip-installs the package into it, as a user's ``pre-commit`` would: this
needs PyPI (or a pip cache) and takes a few seconds per run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixture_models import BUG_LINE, BUGGY, CLEAN

#: each test builds a pre-commit environment (a virtualenv with lstm-lint installed): .ci/run
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]



@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    assert shutil.which("git"), "git is needed to test the pre-commit hook"
    head = subprocess.run(["git", "rev-parse", "--verify", "HEAD"], cwd=REPO,
                          capture_output=True, text=True)
    assert head.returncode == 0, f"{REPO} must be a git repository with a commit: {head.stderr}"
    assert (REPO / ".pre-commit-hooks.yaml").is_file()
    tracked = subprocess.run(["git", "ls-files", "--error-unmatch", ".pre-commit-hooks.yaml"],
                             cwd=REPO, capture_output=True, text=True)
    assert tracked.returncode == 0, "try-repo only sees committed or staged files"
    home = tmp_path_factory.mktemp("pre-commit-home")
    e = dict(os.environ)
    for k in list(e):
        if k.startswith("GIT_"):  # e.g. when the suite itself runs from a git hook
            del e[k]
    e.update(PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", NO_COLOR="1",
             GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
             GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    yield e


def project(root: Path, files: dict[str, str], env: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for args in (["init", "-q"], ["config", "user.email", "t@example.com"],
                 ["config", "user.name", "t"], ["config", "commit.gpgsign", "false"]):
        subprocess.run(["git", *args], cwd=root, check=True, env=env)
    for name, text in files.items():
        (root / name).write_text(text)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    return root


def try_repo(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "lstm-lint", *args],
        cwd=root, env=env, capture_output=True, text=True, timeout=600)


def test_buggy_model_fails_the_hook(tmp_path: Path, env: dict[str, str]) -> None:
    root = project(tmp_path / "p", {"model.py": BUGGY, "README.txt": "hello\n"}, env)
    res = try_repo(root, env, "--files", "model.py")
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "lstm-lint" in out and "Failed" in out
    assert f"model.py:{BUG_LINE}:" in out and "LST101" in out
    assert "Traceback" not in out


def test_clean_model_passes(tmp_path: Path, env: dict[str, str]) -> None:
    root = project(tmp_path / "p", {"model.py": CLEAN, "util.py": "X = 1\n"}, env)
    res = try_repo(root, env, "--all-files")
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "Passed" in out and "LST" not in out.split("=" * 79)[-1]


def test_no_python_files_passes(tmp_path: Path, env: dict[str, str]) -> None:
    root = project(tmp_path / "p", {"README.txt": "hello\n", "data.csv": "a,b\n1,2\n"}, env)
    res = try_repo(root, env, "--all-files")
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "no files to check" in out and "Skipped" in out
