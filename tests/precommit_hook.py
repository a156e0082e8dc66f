"""This repository's pre-commit hook, run by the real ``pre-commit`` as ``try-repo`` sets it up.

``pre-commit try-repo REPO lstm-lint`` clones the repository at HEAD (plus its uncommitted
tracked changes, committed in a shadow clone), writes a configuration naming that repository,
revision and hook, and runs ``pre-commit run`` with it in a store of its own: every call builds
a new hook environment (a virtualenv with lstm-lint pip-installed), several seconds each.
:func:`make_hook` does the same once (the shadow clone and the configuration) and keeps one
``PRE_COMMIT_HOME``, so the environment is built by the first run and reused by the next ones,
as in a user's repository.  The tests share it through the session fixture ``precommit_hook``
(tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HOOK_ID = "lstm-lint"


@dataclass(frozen=True)
class PreCommitHook:
    config: Path  #: the configuration try-repo would write (outside every project)
    env: dict[str, str]  #: pre-commit's environment: its home, git identity, no colour

    def git(self, root: Path, *args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, env=self.env)

    def project(self, root: Path, files: dict[str, str]) -> Path:
        """A new git repository at ``root`` holding ``files``, all staged."""
        root.mkdir(parents=True, exist_ok=True)
        for args in (["init", "-q"], ["config", "user.email", "t@example.com"],
                     ["config", "user.name", "t"], ["config", "commit.gpgsign", "false"]):
            self.git(root, *args)
        for name, text in files.items():
            (root / name).write_text(text)
        self.git(root, "add", "-A")
        return root

    def run(self, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
        """``pre-commit run ARGS`` in ``root`` with the hook of this repository."""
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--config", str(self.config), *args],
            cwd=root, env=self.env, capture_output=True, text=True, timeout=600)


def _git(*args: str, cwd: Path, env: dict[str, str], data: bytes | None = None) -> bytes:
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, input=data, capture_output=True)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr.decode(errors='replace')}"
    return proc.stdout


def make_hook(base: Path) -> PreCommitHook:
    """Set the hook up in the new folder ``base`` (its pre-commit home and configuration)."""
    assert shutil.which("git"), "git is needed to test the pre-commit hook"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GIT_")}  # e.g. when the suite itself runs from a git hook
    env.update(PRE_COMMIT_HOME=str(base / "pre-commit-home"), PRE_COMMIT_COLOR="never",
               NO_COLOR="1", GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="t",
               GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com")
    head = subprocess.run(["git", "rev-parse", "--verify", "HEAD"], cwd=REPO, env=env,
                          capture_output=True, text=True)
    assert head.returncode == 0, f"{REPO} must be a git repository with a commit: {head.stderr}"
    assert (REPO / ".pre-commit-hooks.yaml").is_file()
    tracked = subprocess.run(["git", "ls-files", "--error-unmatch", ".pre-commit-hooks.yaml"],
                             cwd=REPO, env=env, capture_output=True, text=True)
    assert tracked.returncode == 0, "pre-commit only sees committed or staged files"
    repo, rev = REPO, head.stdout.strip()
    # as try-repo: tracked changes not yet committed go into a commit of a shadow clone
    diff = _git("diff", "--binary", "--no-ext-diff", "HEAD", cwd=REPO, env=env)
    if diff:
        repo = base / "shadow-repo"
        _git("clone", "-q", str(REPO), str(repo), cwd=base, env=env)
        _git("checkout", "-q", rev, "-b", "_pc_tmp", cwd=repo, env=env)
        _git("apply", "--index", "--binary", "-", cwd=repo, env=env, data=diff)
        _git("-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m",
             "uncommitted changes", cwd=repo, env=env)
        rev = _git("rev-parse", "HEAD", cwd=repo, env=env).decode().strip()
    config = base / "pre-commit-config.yaml"
    # JSON is YAML: pre-commit reads it as is
    config.write_text(json.dumps({"repos": [{"repo": str(repo), "rev": rev,
                                             "hooks": [{"id": HOOK_ID}]}]}, indent=2))
    return PreCommitHook(config, env)
