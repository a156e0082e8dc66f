"""The files of one run, so that a class can derive from a module class in another file.

Files are parsed on demand: only when a class names a base that lives in another file of the
run is that file loaded.  Every file consulted for a given file is remembered, so that a
cached result can be invalidated when one of them changes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:

    from .extract import ClassInfo, FileModel


def package_of(path: str, _cache: dict[str, str] = {}) -> str:  # noqa: B006 - a memo
    d = os.path.dirname(os.path.abspath(path))
    if d in _cache:
        return _cache[d]
    parts: list[str] = []
    cur = d
    while os.path.isfile(os.path.join(cur, "__init__.py")):
        parts.insert(0, os.path.basename(cur))
        cur = os.path.dirname(cur)
    _cache[d] = ".".join(parts)
    return _cache[d]


def module_name(path: str) -> str:
    base = os.path.splitext(os.path.basename(path))[0]
    pkg = package_of(path)
    if base == "__init__":
        return pkg or base
    return f"{pkg}.{base}" if pkg else base


class Project:
    def __init__(self, paths: Iterable[str] = (), loaded: Iterable[FileModel] = ()):
        self.paths: dict[str, str] = {}  # module name -> path
        self.files: dict[str, FileModel | None] = {}  # path -> model (None: not loadable)
        self.consulted: dict[str, set[str]] = {}  # path -> other paths read for it
        self._current: str | None = None
        self._resolved: set[str] = set()
        self._tails: dict[str, str | None] = {}  # module name -> path found by tail match
        for p in paths:
            if p != "-":
                self.paths.setdefault(module_name(p), p)
        for fm in loaded:
            self.add(fm)

    def add(self, fm: FileModel) -> None:
        self.files[fm.path] = fm
        if fm.path != "-":
            self.paths.setdefault(module_name(fm.path), fm.path)

    def begin(self, path: str) -> None:
        """Start recording which files are consulted for ``path``."""
        self._current = path
        self.consulted.setdefault(path, set())

    def _load(self, path: str) -> FileModel | None:
        if path not in self.files:
            from .findings import Finding
            from .lint import load

            loaded = load(path, prefilter=False)
            self.files[path] = None if loaded is None or isinstance(loaded, Finding) else loaded
            fm = self.files[path]
            if fm is not None:
                self.resolve(fm)
        if self._current is not None and path != self._current:
            self.consulted.setdefault(self._current, set()).add(path)
        return self.files[path]

    def _path_for(self, module: str) -> str | None:
        if module in self.paths:
            return self.paths[module]
        if module in self._tails:
            return self._tails[module]
        # a relative import resolved against a package-less layout: match the tail
        tail = "." + module
        found = None
        for name, p in self.paths.items():
            if name.endswith(tail) or module.endswith("." + name):
                found = p
                break
        self._tails[module] = found
        return found

    def find_class(self, qual: str) -> tuple[ClassInfo, FileModel] | None:
        mod, _, name = qual.rpartition(".")
        if not mod:
            return None
        path = self._path_for(mod)
        if path is None:
            return None
        fm = self._load(path)
        if fm is None or name not in fm.classes:
            return None
        return fm.classes[name], fm

    def resolve(self, fm: FileModel) -> None:
        """Mark classes whose base is a module class of another file of the run."""
        from .extract import KNOWN_MODULE_BASES, mark_modules

        if fm.path in self._resolved:
            return
        self._resolved.add(fm.path)
        outside: dict[str, ClassInfo] = {}
        for c in fm.classes.values():
            for b in c.bases:
                if b in KNOWN_MODULE_BASES or b in fm.classes or "." not in b:
                    continue
                found = self.find_class(b)
                if found is not None:
                    outside[b] = found[0]
        mark_modules(fm.classes.values(), outside, fallback=True)
