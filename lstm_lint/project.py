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
from collections.abc import Callable, Container, Iterable
from typing import TYPE_CHECKING, Any

from . import parse as parse_step
from .index import Index
from .module_paths import module_name, package_of  # noqa: F401 - re-exported

#: the top-level names of another file wanted (None: the whole file), or a function of its
#: text that says which
Need = tuple[str, ...] | Callable[[str], tuple[str, ...] | None] | None

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
        #: the files this process checks (absolute; None: the run's): a file of the run that
        #: another process checks is read in part here, like any file outside the run
        self.checking: Container[str] | None = None
        #: the run's ``--script`` setting, for the test of what libcst must parse
        self.script: bool | None = None
        self._run_files: set[str] = set()  # every file of the run, absolute
        #: every tree this project parsed, by file (absolute), content and part kept: the
        #: models in ``files`` hold them anyway, and the process-wide cache is small
        self.trees: dict[tuple[str, str, frozenset[str] | None], cst.Module] = {}
        for p in paths:
            if p != "-":
                self.paths.setdefault(module_name(p), p)
                self._run_files.add(os.path.abspath(p))
        for fm in loaded:
            self.add(fm)

    def add(self, fm: FileModel) -> None:
        if self.files.get(fm.path, fm) is not fm:
            # a file read again (an editor's buffer, a file read in part before and checked
            # now): answers may change, and the new model is resolved afresh
            self._lookups.clear()
            self._resolved.discard(fm.path)
        self.files[fm.path] = fm
        if fm.path != "-":
            self.paths.setdefault(module_name(fm.path), fm.path)
            self._run_files.add(os.path.abspath(fm.path))
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

    def _load(self, path: str, need: Need = None,
              also: tuple[str, ...] = ()) -> FileModel | None:
        """Another file's model; ``need``: the top-level names wanted of it (only those, what
        they name and the module-level code are parsed; or a function of the file's text that
        says which, asked only when the file may be read in part), None: the whole file; ``also``:
        names likely wanted next, kept when they are top-level definitions of the file.  A
        file read in part and asked for another name is read whole."""
        had = self.files.get(path, _UNREAD)
        if had is not _UNREAD and had is not None and had.partial is not None \
                and callable(need):
            need = need(self.index.texts.get(path) or had.text)
        if had is _UNREAD or (had is not None and had.partial is not None and (
                need is None or not had.partial.issuperset(need))):
            old = None if had is _UNREAD or had is None else had.partial
            fm = _parse_dependency(path, self.index.texts.get(path),
                                   lambda text: self._keep(path, text, need, also, old),
                                   self.trees)
            self.files[path] = fm
            if had is not _UNREAD:  # read again, whole: earlier answers held the part
                self._lookups.clear()
            if fm is not None:
                self._resolved.discard(path)
                self.resolve(fm)
        if self._current is not None and path != self._current:
            self.index.touched.add(path)
        return self.files[path]

    def _keep(self, path: str, text: str, need: Need,
              also: tuple[str, ...], had: frozenset[str] | None) -> frozenset[str] | None:
        """What of ``path`` to parse (:func:`lstm_lint.partial.keep_for`); the whole file
        when it is a file of the run that is checked for itself (its tree is reused then)."""
        from .index import needs_parse
        from .partial import keep_for

        if need is None or had is not None:
            return None
        mine = self.checking if self.checking is not None else self._run_files
        if os.path.abspath(path) in mine:
            # (what needs_parse reads is not a dependency of the file being checked)
            outer, self.index.touched = self.index.touched, set()
            try:
                whole = needs_parse(self.index, path, text, self.script)
            finally:
                self.index.touched = outer
            if whole:
                return None
        if callable(need):
            need = need(text)
            if need is None:
                return None
        return keep_for(text, need, also)

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
                other = self._load(path, lambda t: _calling(t, calls))
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
            found = self._lookup(qual, importer, kinds, modules_only,
                                 fm.imports if fm is not None else {})
        finally:
            deps, self.index.touched = self.index.touched, outer | self.index.touched
        self._lookups[key] = (found, deps)
        return found

    def _lookup(self, qual: str, importer: str, kinds: tuple[str, ...], modules_only: bool,
                imports: dict[str, str]
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
        # the other names the importer takes from the same module are likely asked next
        mod = qual.rpartition(".")[0]
        also = tuple(q.rpartition(".")[2] for q in imports.values()
                     if q.rpartition(".")[0] == mod)
        target = self._load(loc.path, (loc.name,), also)
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
        target = self._load(path, ())
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


#: libcst trees by file (absolute path), content and the part kept: a process that checks
#: many files one Project at a time (flake8, the language server, ``--jobs`` workers) parses a
#: shared base once, and a file of the run that another needs is parsed once whether it is
#: checked first or read first (``lstm-lint .`` names it ``./a.py``, the index
#: ``/abs/a.py``).  libcst trees are immutable; the FileModel around one is rebuilt each time.
_TREES: OrderedDict[tuple[str, str, frozenset[str] | None], cst.Module] = OrderedDict()
MAX_TREES = 48


def tree(path: str, text: str, kept: frozenset[str] | None = None,
         mine: dict[tuple[str, str, frozenset[str] | None], cst.Module] | None = None
         ) -> cst.Module | parse_step.ParseFailure:
    """The libcst tree of a file's text (``kept``: only those top-level definitions, the
    others blanked, :mod:`lstm_lint.partial`), parsed once per content; ``mine``: a
    project's own trees (:attr:`Project.trees`), looked in first and kept up to date."""
    import hashlib

    from .partial import blank

    key = (os.path.abspath(path) if path != "-" else path,
           hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest(), kept)
    module = mine.get(key) if mine is not None else None
    if module is None:
        module = _TREES.get(key)
    if module is not None:
        if key in _TREES:
            _TREES.move_to_end(key)
        if mine is not None and path != "-":
            mine[key] = module
        return module
    parsed = parse_step.parse(parse_step.Source(path, text if kept is None else
                                                blank(text, kept)))
    if isinstance(parsed, parse_step.ParseFailure) or path == "-":
        return parsed
    if mine is not None:
        mine[key] = parsed
    _TREES[key] = parsed
    while len(_TREES) > MAX_TREES:
        _TREES.popitem(last=False)
    return parsed


def _parse_dependency(path: str, text: str | None,
                      keep: Callable[[str], frozenset[str] | None] = lambda _t: None,
                      mine: dict[tuple[str, str, frozenset[str] | None], cst.Module] | None
                      = None) -> FileModel | None:
    """``keep``: given the file's text, the top-level definitions to parse (None: all);
    ``mine``: the project's trees (:func:`tree`)."""
    from .extract import extract

    src = parse_step.read(path, text)
    if isinstance(src, parse_step.ParseFailure):
        return None
    kept = keep(src.text)
    module = tree(path, src.text, kept, mine)
    if isinstance(module, parse_step.ParseFailure):
        return None
    fm = extract(path, module, package=package_of(path), text=src.text)
    fm.partial = kept  # (its text stays the whole file's: text tests may only over-match)
    return fm


def _calling(text: str, calls: re.Pattern[str]) -> tuple[str, ...] | None:
    """The top-level definitions of a builder script that the search for instantiations
    reads: those whose text calls one of the classes, and every function without parameters
    (:func:`lstm_lint.script_analysis.analyze_script` runs each, an entry point nothing names
    included); the module-level code is always kept.  None: the whole script (its layout
    unknown)."""
    import ast

    from .partial import layout
    from .summaries import parse_ast

    lay = layout(text)
    tree = parse_ast(text)
    if lay is None or tree is None:
        return None
    lines = text.split("\n")
    run = {st.name for st in tree.body if isinstance(st, ast.FunctionDef | ast.AsyncFunctionDef)
           and not (st.args.posonlyargs or st.args.args or st.args.kwonlyargs)}
    return tuple(n for n, (a, b) in lay.spans.items()
                 if n in run or calls.search("\n".join(lines[a - 1:b])))


#: a file not read yet (None in :attr:`Project.files` is a file that cannot be read)
_UNREAD: Any = object()


class _Marker:
    """A base found by the index to be a module class (its file is parsed only if needed)."""

    is_module = True

    def __init__(self, qual: str):
        self.name = qual
