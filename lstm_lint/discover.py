"""Step 1: find the Python files to lint."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "env", ".env", "__pycache__",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", ".lstm_lint_cache", "build", "dist",
    "node_modules", "site-packages", ".eggs", ".ipynb_checkpoints",
})


class UsageError(Exception):
    """A command-line mistake: exit code 2."""


def _is_venv(d: Path) -> bool:
    return (d / "pyvenv.cfg").is_file()


def discover(paths: Iterable[str], exclude: Iterable[str] = ()) -> Iterator[str]:
    """Yield Python files under ``paths`` in a stable order; a missing path is a usage error."""
    from fnmatch import fnmatch

    patterns = list(exclude)

    def excluded(p: str) -> bool:
        name = os.path.basename(p)
        return any(fnmatch(p, pat) or fnmatch(name, pat) for pat in patterns)

    seen: set[str] = set()
    for raw in paths:
        if raw == "-":
            yield "-"
            continue
        p = Path(raw)
        if not p.exists() and not p.is_symlink():
            raise UsageError(f"{raw}: no such file or directory")
        if p.is_dir():
            for root, dirs, files in os.walk(p, followlinks=False):
                dirs[:] = sorted(
                    d for d in dirs
                    if d not in SKIP_DIRS and not d.endswith(".egg-info")
                    and not _is_venv(Path(root) / d) and not excluded(os.path.join(root, d))
                )
                for f in sorted(files):
                    if f.endswith((".py", ".pyi")) and not f.endswith(".pyi"):
                        full = os.path.join(root, f)
                        if full not in seen and not excluded(full):
                            seen.add(full)
                            yield full
        elif str(p) not in seen and not excluded(str(p)):
            seen.add(str(p))
            yield str(p)
