"""Shared by the real-code benchmark's scripts: where things are, and the drivers."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
DRIVERS = HERE / "drivers"
WORK = HERE / "work"
RESULTS = REPO_ROOT / "benchmarks" / "results"
TRUTH_DIR = RESULTS / "realcode_truth"  # one file per repository
MUTANTS = RESULTS / "realcode_mutants.json"
REPOS = HERE / "repos.json"

TENSOR_SPEC = re.compile(r"^\s*([a-z]+[0-9]*)\s*\[([^\]]*)\]\s*$")


def notebook_py(path: str) -> str:
    """``a/1 - Seq2Seq.ipynb`` -> ``a/nb_1_Seq2Seq.py``: where a notebook's code is extracted."""
    if not path.endswith(".ipynb"):
        return path
    p = Path(path)
    stem = re.sub(r"\W+", "_", p.stem).strip("_")
    return str(p.with_name(f"nb_{stem}.py"))


def mirror_dir() -> Path:
    env = os.environ.get("LSTM_LINT_MIRROR")
    if env:
        return Path(env)
    return REPO_ROOT.parent / ".mirror"


def slug(repo: str) -> str:
    return repo.replace("/", "__")


def git_dir(repo: str, mirror: Path | None = None) -> Path:
    base = (mirror or mirror_dir()) / repo.replace("/", "+")
    for cand in (base / "repo" / ".git", base / "repo", base / ".git", base):
        if (cand / "HEAD").is_file():
            return cand
    raise FileNotFoundError(f"no snapshot of {repo} under {base} (fetch github:{repo} first)")


@dataclass
class ClassDriver:
    repo: str
    commit: str
    path: str
    cls: str
    spec: dict[str, Any]
    root: str = ""
    domain: str = ""

    @property
    def id(self) -> str:
        return f"{self.repo}:{self.path}::{self.cls}"

    @property
    def workdir(self) -> Path:
        return WORK / slug(self.repo)

    @property
    def file(self) -> Path:
        """The analysed Python file (a notebook's extracted definitions for ``.ipynb``)."""
        return self.workdir / notebook_py(self.path)

    @property
    def sys_root(self) -> Path:
        return self.workdir / self.root if self.root else self.workdir

    @property
    def module(self) -> str:
        rel = Path(notebook_py(self.path))
        if self.root:
            rel = rel.relative_to(self.root)
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        return ".".join(parts)

    @property
    def runnable(self) -> bool:
        return not self.spec.get("not_runnable")


@dataclass
class RepoDriver:
    repo: str
    commit: str
    domain: str
    root: str = ""
    extra_files: list[str] = field(default_factory=list)
    empty_inits: list[str] = field(default_factory=list)
    classes: list[ClassDriver] = field(default_factory=list)
    source: Path | None = None

    @property
    def files(self) -> list[str]:
        seen: list[str] = []
        for c in self.classes:
            if c.path not in seen:
                seen.append(c.path)
        return seen


def load_drivers(directory: Path = DRIVERS) -> list[RepoDriver]:
    out = []
    for p in sorted(directory.glob("*.json")):
        raw = json.loads(p.read_text())
        rd = RepoDriver(raw["repo"], raw["commit"], raw.get("domain", ""), raw.get("root", ""),
                        list(raw.get("extra_files", [])), list(raw.get("empty_inits", [])),
                        source=p)
        for c in raw.get("classes", []):
            rd.classes.append(ClassDriver(rd.repo, rd.commit, c["path"], c["class"], c,
                                          c.get("root", rd.root), rd.domain))
        out.append(rd)
    return out


def all_classes(directory: Path = DRIVERS) -> list[ClassDriver]:
    return [c for rd in load_drivers(directory) for c in rd.classes]


def truth_path(repo: str) -> Path:
    return TRUTH_DIR / f"{slug(repo)}.json"


def load_truth() -> dict[str, Any]:
    """Every class's stored ground truth, by class id."""
    out: dict[str, Any] = {}
    for p in sorted(TRUTH_DIR.glob("*.json")):
        out.update(json.loads(p.read_text())["classes"])
    return out


def load_json(path: Path, default: Any) -> Any:
    if path.is_file():
        return json.loads(path.read_text())
    return default


def dump_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    tmp.replace(path)
