"""Every Python file of the 49 repositories at their pinned commits, for a false-positive crawl.

    python benchmarks/realcode/whole.py [--mirror DIR] [--dest DIR]
    python benchmarks/crawl.py DIR/* --json benchmarks/results/crawl_realcode_whole.json

The real-code benchmark cuts out only the driven files and what they import; the crawl
lints everything else the repositories hold too (data loaders, training scripts, other
models), where no finding is expected but a real bug.  Files land in ``--dest`` (default
``benchmarks/realcode/whole/``, git-ignored); nothing of them is committed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from rc_common import git_dir, load_drivers, slug

HERE = Path(__file__).resolve().parent


def _git(gd: Path, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(gd), *args], check=True,
                          capture_output=True).stdout


def extract(repo: str, commit: str, dest: Path, mirror: Path | None) -> int:
    """Write the repository's ``.py`` files at ``commit`` under ``dest``; how many."""
    gd = git_dir(repo, mirror)
    n = 0
    for line in _git(gd, "ls-tree", "-r", commit).decode().splitlines():
        meta, p = line.split("\t", 1)
        if not p.endswith(".py") or meta.split()[0] == "120000":
            continue  # not Python, or a link (git stores its target as the blob)
        try:
            data = _git(gd, "show", f"{commit}:{p}")
        except subprocess.CalledProcessError:
            continue  # a file the snapshot lists but does not hold (a large one)
        out = dest / p
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        n += 1
    return n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirror", type=Path, default=None)
    ap.add_argument("--dest", type=Path, default=HERE / "whole")
    a = ap.parse_args()
    errors = 0
    repos = {rd.repo: rd.commit for rd in load_drivers()}
    for repo, commit in sorted(repos.items()):
        dest = a.dest / slug(repo)
        shutil.rmtree(dest, ignore_errors=True)
        try:
            n = extract(repo, commit, dest, a.mirror)
        except (FileNotFoundError, subprocess.CalledProcessError) as exc:
            print(f"{repo}: {exc}", file=sys.stderr)
            errors += 1
            continue
        print(f"{repo}: {n} files")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
