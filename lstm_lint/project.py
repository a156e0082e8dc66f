"""The project around the files of a run: bases, factories and imported names in other files.

Names are resolved from the file system by the project index (:mod:`lstm_lint.index`), never
from the files on the command line, so that ``lstm-lint model.py`` answers as ``lstm-lint .``
does.  A file is parsed with libcst only when something the analysis needs lives in it: a
base class, an imported module class that is instantiated, a factory function that is called.
Every file consulted for a given file is remembered, so that a cached result can be
invalidated when one of them changes.
"""

from __future__ import annotations

import os
import re
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .index import Index, module_name, package_of  # noqa: F401 - re-exported

if TYPE_CHECKING:
    import libcst as cst

    from .extract import ClassInfo, FileModel


class Project:
    def __init__(self, paths: Iterable[str] = (), loaded: Iterable[FileModel] = ()):
        #: the files of the run (kept for callers; resolution never depends on them)
        self.paths: dict[str, str] = {}
        self.files: dict[str, FileModel | None] = {}  # path -> model (None: not loadable)
        self.consulted: dict[str, set[str]] = {}  # path -> other paths read for it
        self.index = Index()
        self._current: str | None = None
        self._resolved: set[str] = set()
        self._folders: dict[str, list[tuple[str, str]]] = {}
        #: builder scripts analysed this run: path -> (what they instantiate, files read)
        self.script_builds: dict[str, tuple[list[Any], set[str]]] = {}
        #: answers of :meth:`lookup`, with the files each read (replayed as dependencies)
        self._lookups: dict[tuple[str, str, tuple[str, ...], bool],
                            tuple[tuple[str, Any, FileModel] | None, set[str]]] = {}
        for p in paths:
            if p != "-":
                self.paths.setdefault(module_name(p), p)
        for fm in loaded:
            self.add(fm)

    def add(self, fm: FileModel) -> None:
        if self.files.get(fm.path, fm) is not fm:
            self._lookups.clear()  # a file read again (an editor's buffer): answers may change
        self.files[fm.path] = fm
        if fm.path != "-":
            self.paths.setdefault(module_name(fm.path), fm.path)
            if fm.text:
                self.index.set_text(fm.path, fm.text)  # an editor's unsaved buffer wins

    def begin(self, path: str) -> None:
        """Start recording which files are consulted for ``path``."""
        self._flush()
        self._current = path
        self.consulted.setdefault(path, set())
        self.index.touched = set()

    def _flush(self) -> None:
        if self._current is not None:
            self.consulted.setdefault(self._current, set()).update(
                p for p in self.index.touched if p != self._current)
        self.index.touched = set()

    def deps(self, path: str) -> list[str]:
        """The other files read for ``path`` (for the cache)."""
        if path == self._current:
            self._flush()
        return sorted(self.consulted.get(path, ()))

    def _load(self, path: str) -> FileModel | None:
        if path not in self.files:
            self.files[path] = fm = _parse_dependency(path, self.index.texts.get(path))
            if fm is not None:
                self.resolve(fm)
        if self._current is not None and path != self._current:
            self.index.touched.add(path)
        return self.files[path]

    def builders(self, fm: FileModel, names: list[str], limit: int = 4) -> list[FileModel]:
        """Scripts near ``fm`` that build one of its classes (``model = Net(...)`` in a
        ``train.py`` beside it or at the top of its package): parsed only when their text
        calls one of ``names`` and names ``fm``'s module.  A bounded look, no tree walk."""
        if fm.path == "-" or not names:
            return []
        here = os.path.dirname(os.path.abspath(fm.path))
        folders = [here]
        cur = here
        while os.path.isfile(os.path.join(cur, "__init__.py")) and len(folders) < 4:
            cur = os.path.dirname(cur)
            folders.append(cur)
        mod = os.path.splitext(os.path.basename(fm.path))[0]
        alts = "|".join(re.escape(n) for n in names)
        calls = re.compile(rf"\b(?:{alts})\s*\(")
        out: list[FileModel] = []
        me = os.path.abspath(fm.path)
        for folder in folders:
            for path, text in self._scripts_in(folder):
                if path == me or mod not in text or not any(n in text for n in names) \
                        or not calls.search(text):
                    continue
                other = self._load(path)
                if other is not None:
                    out.append(other)
                if len(out) >= limit:
                    return out
        return out

    def _scripts_in(self, folder: str) -> list[tuple[str, str]]:
        """The ``.py`` files of a folder with their text (the first 200 kB), read once per run:
        every file of a package looks at the same few folders for its builders."""
        found = self._folders.get(folder)
        if found is None:
            found = []
            try:
                entries = sorted(os.listdir(folder))
            except OSError:
                entries = []
            for name in entries:
                path = os.path.join(folder, name)
                if not name.endswith(".py") or not os.path.isfile(path):
                    continue
                try:
                    with open(path, encoding="utf-8", errors="replace") as fh:
                        found.append((os.path.abspath(path), fh.read(200_000)))
                except OSError:
                    continue
            self._folders[folder] = found
        return found

    # ---- lookups for the interpreter --------------------------------------------------------
    def find_class(self, qual: str, fm: FileModel | None = None
                   ) -> tuple[ClassInfo, FileModel] | None:
        """The class a dotted name denotes, in whatever project file holds it (parsed now)."""
        found = self.lookup(qual, fm, kinds=("class",))
        if found is None:
            return None
        return found[1], found[2]  # type: ignore[return-value]

    def lookup(self, qual: str, fm: FileModel | None = None,
               kinds: tuple[str, ...] = ("class", "function"), modules_only: bool = False
               ) -> tuple[str, ClassInfo | cst.FunctionDef, FileModel] | None:
        """A class or function of another project file: ("class" | "function", it, its file).

        ``modules_only``: a class only when it is an ``nn.Module`` (or may be one), a function
        only when it may build one (its text mentions torch, ``nn``, a recurrent layer or
        ``getattr``); the index decides without parsing, so nothing else is parsed.
        """
        importer = fm.path if fm is not None else (self._current or ".")
        key = (qual, importer, kinds, modules_only)
        hit = self._lookups.get(key)
        if hit is not None:
            self.index.touched |= hit[1]  # what it read counts as read for this file too
            return hit[0]
        outer, self.index.touched = self.index.touched, set()
        try:
            found = self._lookup(qual, importer, kinds, modules_only)
        finally:
            deps, self.index.touched = self.index.touched, outer | self.index.touched
        self._lookups[key] = (found, deps)
        return found

    def _lookup(self, qual: str, importer: str, kinds: tuple[str, ...], modules_only: bool
                ) -> tuple[str, ClassInfo | cst.FunctionDef, FileModel] | None:
        loc = self.index.locate(qual, importer)
        if loc is None or loc.kind not in kinds:
            return None
        if modules_only:
            if loc.kind == "class" and self.index.is_module(loc.path, loc.name) is False:
                return None  # a plain class: instantiating it gives nothing to follow
            if loc.kind == "function":
                s = self.index.summary(loc.path)
                if s is None or not s.functions.get(loc.name):
                    return None
        target = self._load(loc.path)
        if target is None:
            return None
        if loc.kind == "class" and loc.name in target.classes:
            return "class", target.classes[loc.name], target
        if loc.kind == "function" and loc.name in target.functions:
            return "function", target.functions[loc.name], target
        return None

    def constant(self, qual: str, fm: FileModel | None = None
                 ) -> tuple[cst.BaseExpression, FileModel] | None:
        """The expression a top-level name of another project file is assigned
        (``config.start_letter`` -> ``1`` in config.py), with that file; None when the name is
        no such assignment (a class, a function, a name not found)."""
        mod, _, name = qual.rpartition(".")
        if not mod:
            return None
        importer = fm.path if fm is not None else (self._current or ".")
        path = self.index.module_path(mod, importer)
        if path is None:
            return None
        s = self.index.summary(path)
        if s is None or name not in s.names:
            return None
        target = self._load(path)
        if target is None or name not in target.constants:
            return None
        return target.constants[name], target

    # ---- a file's names and module classes --------------------------------------------------
    def resolve(self, fm: FileModel) -> None:
        """Bring in star-imported names, then mark the classes whose bases are modules."""
        from .extract import mark_modules, resolve_name

        if fm.path in self._resolved:
            return
        self._resolved.add(fm.path)
        if fm.path != "-" and fm.text and fm.path not in self.index.texts:
            self.index.set_text(fm.path, fm.text)
        if fm.stars and fm.path != "-":
            local = set(fm.classes) | set(fm.functions) | set(fm.constants)
            for name, q in self.index.star_names(fm.stars, fm.path).items():
                if name not in local:
                    fm.imports.setdefault(name, q)
            for c in fm.classes.values():
                if c.raw_bases:
                    c.bases = [resolve_name(fm, r) for r in c.raw_bases]
        mark_modules(fm.classes.values(), {}, fallback=False)
        outside: dict[str, ClassInfo] = {}
        plain: set[str] = set()
        for c in fm.classes.values():
            if c.is_module:
                continue
            for b in c.bases:
                if b in fm.classes or b in outside or b in plain or "." not in b:
                    continue
                kind = self.index.qual_kind(b, fm.path) if fm.path != "-" else "unknown"
                if kind == "module":
                    outside[b] = _Marker(b)  # type: ignore[assignment]
                elif kind == "plain":
                    plain.add(b)
        mark_modules(fm.classes.values(), outside, fallback=True, plain=plain)


#: libcst trees of other files read for a file, by content: a process that checks many files
#: one Project at a time (flake8, the language server, ``--jobs`` workers) parses a shared base
#: once.  libcst trees are immutable; the FileModel around one is rebuilt for each Project.
_TREES: OrderedDict[tuple[str, str], cst.Module] = OrderedDict()
MAX_TREES = 48


def _parse_dependency(path: str, text: str | None) -> FileModel | None:
    import hashlib

    from . import parse as parse_step
    from .extract import extract

    src = parse_step.read(path, text)
    if isinstance(src, parse_step.ParseFailure):
        return None
    key = (path, hashlib.sha1(src.text.encode("utf-8", "surrogatepass")).hexdigest())
    module = _TREES.get(key)
    if module is None:
        parsed = parse_step.parse(src)
        if isinstance(parsed, parse_step.ParseFailure):
            return None
        module = _TREES[key] = parsed
        while len(_TREES) > MAX_TREES:
            _TREES.popitem(last=False)
    else:
        _TREES.move_to_end(key)
    return extract(path, module, package=package_of(path), text=src.text)


class _Marker:
    """A base found by the index to be a module class (its file is parsed only if needed)."""

    is_module = True

    def __init__(self, qual: str):
        self.name = qual
