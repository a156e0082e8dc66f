"""Results cached by file content, lstm-lint's version and the effective configuration.

Where the cache lives (see :func:`cache_dir`): ``--cache-dir`` or ``$LSTM_LINT_CACHE_DIR`` when
given; else ``.lstm_lint_cache/`` at the project root (the nearest folder above the first
linted path holding ``pyproject.toml``, ``setup.cfg``, ``setup.py`` or ``.git``); else, when
there is no project, the user cache folder ``$XDG_CACHE_HOME/lstm-lint`` (by default
``~/.cache/lstm-lint``), never the linted folder itself.  Entries are keyed by the file's
absolute path and content, one JSON file per key, written atomically (temporary file and
rename) so that concurrent runs never read half an entry.  An entry also records the content
hashes of the other files that were consulted (base classes in other files); a change to any
of them invalidates it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from typing import Any

from . import __version__
from .findings import Finding

CACHE_DIR = ".lstm_lint_cache"


def engine_stamp() -> str:
    """lstm-lint's version and the size and modification time of each of its own source files:
    an engine changed in place (an editable install, a checkout under development) never reads
    results the old code cached.  One ``stat`` per file, no reading."""
    from importlib.util import find_spec

    here = os.path.dirname(os.path.abspath(__file__))
    spec = find_spec("lstm_lint.rules")  # the rule pack: rules/ in a checkout
    rules = os.path.dirname(spec.origin) if spec is not None and spec.origin else here
    parts = [__version__]
    for folder in (here, os.path.join(here, "interp"), rules):
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for e in entries:
            if e.name.endswith(".py"):
                try:
                    st = e.stat()
                except OSError:
                    continue
                parts.append(f"{e.name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _digest(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


def find_project_root(paths: Sequence[str]) -> str | None:
    """The nearest folder above the first path that holds a project marker, or None."""
    start = os.path.abspath(next((p for p in paths if p != "-"), "."))
    d = start if os.path.isdir(start) else os.path.dirname(start)
    while True:
        if any(os.path.exists(os.path.join(d, m)) for m in ROOT_MARKERS):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def project_root(paths: Sequence[str]) -> str:
    """The project root, else the current directory (kept for the benchmarks' callers)."""
    return find_project_root(paths) or os.getcwd()


def user_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "lstm-lint")


def cache_dir(paths: Sequence[str], explicit: str | None = None) -> str:
    """Where results are cached: ``explicit`` (``--cache-dir``), ``$LSTM_LINT_CACHE_DIR``, the
    project root's ``.lstm_lint_cache/``, else the user cache folder."""
    chosen = explicit or os.environ.get("LSTM_LINT_CACHE_DIR")
    if chosen:
        return os.path.abspath(os.path.expanduser(chosen))
    root = find_project_root(paths)
    return os.path.join(root, CACHE_DIR) if root is not None else user_cache_dir()


class Cache:
    def __init__(self, root: str | None, signature: str, directory: str | None = None):
        """Entries under ``directory``, or under ``root``'s ``.lstm_lint_cache/``."""
        if directory is None:
            assert root is not None, "a cache needs a root or a directory"
            directory = os.path.join(root, CACHE_DIR)
        self.dir = directory
        self.signature = signature
        self.hits = 0
        self.misses = 0
        self._digests: dict[str, str | None] = {}
        self._stamp: str | None = None

    def _ensure(self) -> bool:
        try:
            os.makedirs(self.dir, exist_ok=True)
            ignore = os.path.join(self.dir, ".gitignore")
            if not os.path.exists(ignore):
                with open(ignore, "w") as fh:
                    fh.write("# created by lstm-lint\n*\n")
            return True
        except OSError:
            return False

    def digest(self, path: str) -> str | None:
        if path not in self._digests:
            self._digests[path] = _digest(path)
        return self._digests[path]

    def _key(self, path: str) -> str | None:
        d = self.digest(path)
        if d is None:
            return None
        if self._stamp is None:
            self._stamp = engine_stamp()
        raw = f"{self._stamp}\0{self.signature}\0{os.path.abspath(path)}\0{d}"
        return hashlib.sha256(raw.encode()).hexdigest()

    def _entry(self, key: str) -> str:
        return os.path.join(self.dir, key[:2], key + ".json")

    def get(self, path: str) -> list[Finding] | None:
        key = self._key(path)
        if key is None:
            return None
        try:
            with open(self._entry(key), encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            self.misses += 1
            return None
        for dep, dig in data.get("deps", {}).items():
            if self.digest(dep) != dig:
                self.misses += 1
                return None
        self.hits += 1
        return [Finding.from_dict(f) for f in data.get("findings", [])]

    def put(self, path: str, findings: Sequence[Finding], deps: Sequence[str]) -> None:
        key = self._key(path)
        if key is None or any(f.code in ("LST000",) for f in findings) or not self._ensure():
            return
        entry: dict[str, Any] = {
            "path": path, "findings": [f.to_dict() for f in findings],
            "deps": {d: self.digest(d) for d in deps},
        }
        target = self._entry(key)
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(entry, fh)
            os.replace(tmp, target)
        except OSError:
            pass
