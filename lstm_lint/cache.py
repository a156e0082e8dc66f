"""Results cached by file content, lstm-lint's version and the effective configuration.

Entries live in ``.lstm_lint_cache/`` at the project root (the folder holding
``pyproject.toml``, else the current directory), one JSON file per key, written atomically
(temporary file and rename) so that concurrent runs never read half an entry.  An entry also
records the content hashes of the other files that were consulted (base classes in other
files); a change to any of them invalidates it.
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


def _digest(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def project_root(paths: Sequence[str]) -> str:
    start = os.path.abspath(next((p for p in paths if p != "-"), "."))
    d = start if os.path.isdir(start) else os.path.dirname(start)
    while True:
        if os.path.isfile(os.path.join(d, "pyproject.toml")) or os.path.isdir(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return os.getcwd()
        d = parent


class Cache:
    def __init__(self, root: str, signature: str):
        self.dir = os.path.join(root, CACHE_DIR)
        self.signature = signature
        self.hits = 0
        self.misses = 0
        self._digests: dict[str, str | None] = {}

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
        raw = f"{__version__}\0{self.signature}\0{os.path.abspath(path)}\0{d}"
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
