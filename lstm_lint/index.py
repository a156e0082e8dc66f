"""The project index: which file a dotted name lives in, read cheaply with Python's ``ast``.

A single-file run (``lstm-lint model.py``, flake8, pre-commit with one staged file, the
language server) must answer exactly as a whole-tree run does, so names are resolved from the
file system, never from the set of files on the command line:

* a dotted module name is a file under the importer's import roots
  (:mod:`lstm_lint.module_paths`): a few ``stat`` calls, no scan of the tree;
* every file consulted is summarised with ``ast`` (:mod:`lstm_lint.summaries`: its classes
  and their bases, functions, imports, star imports, ``__all__``), about ten times cheaper
  than libcst, cached by content hash for the life of the process;
* a name is followed through re-exports (``from .model import Encoder`` in ``__init__.py``)
  and star imports (``from ..imports import *``), and a class is known to be an
  ``nn.Module`` by walking its bases through the summaries.

libcst then parses only the files that hold a module class or something one needs (a base
class, a factory function that is called): :class:`~lstm_lint.project.Project` decides that
from the answers here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .module_paths import OUTSIDE, canonical, module_name, module_path
from .summaries import Summary, summary_of

MAX_CHAIN = 8
_BUILTINS = frozenset(dir(__import__("builtins")))
_STDLIB = frozenset(getattr(__import__("sys"), "stdlib_module_names", ())) - {"torch"}


#: what a star import of an outside package brings in, for the packages that re-export torch
_FASTAI_STAR = {"torch": "torch", "nn": "torch.nn", "F": "torch.nn.functional",
                "Module": "fastai.torch_core.Module", "Tensor": "torch.Tensor"}


def outside_star(module: str) -> dict[str, str]:
    """Names of ``from <module> import *`` for a module outside the project that we know:
    ``torch.nn`` (its layer classes) and fastai's star-import entry points."""
    if module in ("torch.nn", "torch.nn.modules"):
        from .layers import SIGNATURES

        names = [*SIGNATURES, "Module", "ModuleList", "ModuleDict", "Sequential", "Parameter",
                 "ParameterList"]
        return {n: f"torch.nn.{n}" for n in names if n[:1].isupper()}
    if module == "fastai" or module.startswith("fastai."):
        return dict(_FASTAI_STAR)
    return {}


@dataclass(frozen=True)
class Located:
    path: str
    name: str
    kind: str  # "class" | "function"


class Index:
    """Resolution over summaries; records every file it reads in :attr:`touched`."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}  # unsaved contents (the file being edited)
        self.touched: set[str] = set()
        self._exports: dict[tuple[str, str], dict[str, str]] = {}
        self._verdict: dict[tuple[str, str], bool | None] = {}
        #: the files a verdict (path, class) or an export list (path, module name) was read from
        self._deps: dict[tuple[str, str], set[str]] = {}
        self._paths: dict[tuple[str, tuple[str, ...]], str | None] = {}
        self._summaries: dict[str, Summary | None] = {}
        self._located: dict[tuple[str, str], tuple[Located | None, set[str]]] = {}

    def module_path(self, module: str, importer: str) -> str | None:
        return module_path(module, importer, self._paths)

    def summary(self, path: str) -> Summary | None:
        self.touched.add(path)
        if path not in self._summaries:
            self._summaries[path] = summary_of(path, self.texts.get(path))
        return self._summaries[path]

    def set_text(self, path: str, text: str) -> None:
        """``path``'s content for this run (an editor's unsaved buffer, a file already read)."""
        if self.texts.get(path) != text:
            self.texts[path] = text
            self._summaries.pop(path, None)

    def exports(self, path: str, modname: str | None = None,
                _seen: frozenset[str] = frozenset()) -> dict[str, str]:
        """Names a ``from <modname> import *`` of this file brings in: name -> qualified name
        (what the file defines is named through ``modname``, as the importer reaches it)."""
        key = (path, modname or module_name(path))
        if key in self._exports:
            self.touched |= self._deps.get((path, "*" + key[1]), {path})
            return self._exports[key]
        if path in _seen:
            return {}
        outer, self.touched = self.touched, set()
        try:
            out = self._compute_exports(path, key[1], _seen)
        finally:
            self._deps[(path, "*" + key[1])] = self.touched
            self.touched = outer | self.touched
        self._exports[key] = out
        return out

    def _compute_exports(self, path: str, mod: str, _seen: frozenset[str]) -> dict[str, str]:
        s = self.summary(path)
        out: dict[str, str] = {}
        if s is None:
            return out
        for star in s.stars:
            sp = self.module_path(star, path)
            if sp is not None:
                out.update(self.exports(sp, star, _seen | {path}))
        for local, q in s.imports.items():
            out[local] = q
        for name in [*s.names, *s.functions, *s.classes]:
            out[name] = f"{mod}.{name}"
        if s.all is not None:
            out = {k: v for k, v in out.items() if k in s.all}
        else:
            out = {k: v for k, v in out.items() if not k.startswith("_")}
        return out

    def star_names(self, stars: list[str], importer: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for star in stars:
            sp = self.module_path(star, importer)
            if sp is not None:
                out.update(self.exports(sp, star))
            else:
                out.update(outside_star(star))
        return out

    def locate(self, qual: str, importer: str, depth: int = 0) -> Located | None:
        """The class or function a dotted name denotes, through re-exports and star imports."""
        key = (qual, os.path.dirname(importer))
        if depth == 0 and key in self._located:
            found, deps = self._located[key]
            self.touched |= deps
            return found
        outer, self.touched = self.touched, set()
        try:
            found = self._locate(qual, importer, depth)
        finally:
            deps, self.touched = self.touched, outer | self.touched
        if depth == 0:
            self._located[key] = (found, deps)
        return found

    def _locate(self, qual: str, importer: str, depth: int) -> Located | None:
        mod, _, name = qual.rpartition(".")
        if not mod or depth > MAX_CHAIN:
            return None
        path = self.module_path(mod, importer)
        if path is None:
            return None
        s = self.summary(path)
        if s is None:
            return None
        if name in s.classes:
            return Located(path, name, "class")
        if name in s.functions:
            return Located(path, name, "function")
        nxt = s.imports.get(name)
        if nxt is None and s.stars:
            nxt = self.star_names(s.stars, path).get(name)
        if nxt is None or nxt == qual:
            return None
        return self.locate(nxt, path, depth + 1)

    def is_module(self, path: str, name: str, depth: int = 0) -> bool | None:
        """Is the class an ``nn.Module``?  None: a base could not be followed."""
        key = (path, name)
        if key in self._verdict:
            self.touched |= self._deps.get(key, {path})
            return self._verdict[key]
        self._verdict[key] = None  # guards cycles
        outer, self.touched = self.touched, set()
        try:
            verdict = self._is_module(path, name, depth)
        finally:
            self._deps[key] = self.touched
            self.touched = outer | self.touched
        self._verdict[key] = verdict
        return verdict

    def _is_module(self, path: str, name: str, depth: int) -> bool | None:
        """As :func:`lstm_lint.extract.mark_modules` decides, over summaries: a base that is a
        module makes a module; failing that, a class with a base outside the project (or not
        followed) that has a ``forward`` and builds layers in ``__init__`` is one."""
        s = self.summary(path)
        if s is None or name not in s.classes or depth > MAX_CHAIN:
            return None
        cs = s.classes[name]
        kinds = [self.base_kind(b, s, depth) for b in cs.bases]
        if "module" in kinds:
            return True
        if any(k in ("outside", "unknown") for k in kinds) and cs.forward and cs.builds:
            return True  # an outside base we cannot see
        return None if "unknown" in kinds else False

    def resolve_text(self, text: str, s: Summary) -> str | None:
        """A dotted name as written in the file, made absolute (None: not an import)."""
        head, _, rest = text.partition(".")
        q = s.imports.get(head)
        if q is None and s.stars and head not in s.classes:
            q = self.star_names(s.stars, s.path).get(head)
        if q is None:
            return None
        return canonical(f"{q}.{rest}" if rest else q)

    def base_kind(self, base: str, s: Summary, depth: int = 0) -> str:
        """"module", "plain" (a project class that is not one), "outside" (the standard
        library's, never a module) or "unknown"."""
        if base in s.classes:
            v = self.is_module(s.path, base, depth + 1)
            return "unknown" if v is None else ("module" if v else "plain")
        q = self.resolve_text(base, s)
        if q is None:
            from .extract import known_module_base

            if known_module_base(base):
                return "module"
            return "outside" if base in _BUILTINS else "unknown"
        return self.qual_kind(q, s.path, depth)

    def qual_kind(self, q: str, importer: str, depth: int = 0) -> str:
        from .extract import known_module_base

        if known_module_base(q):
            return "module"
        head = q.split(".", 1)[0]
        if head in OUTSIDE:
            return "outside" if head in _STDLIB else "unknown"
        if head in _STDLIB:
            return "outside"
        loc = self.locate(q, importer)
        if loc is None or loc.kind != "class":
            return "unknown"
        v = self.is_module(loc.path, loc.name, depth + 1)
        return "unknown" if v is None else ("module" if v else "plain")


# ---- what libcst must parse ----------------------------------------------------------------

LOSS_WORDS = ("Loss(", "cross_entropy", "nll_loss", "mse_loss")


def builds_a_model(text: str, module_classes: list[str], imports: dict[str, str]) -> bool:
    """Does the file's own code build one of its models (or, when it computes a loss, an
    imported one)?  The one test :func:`lstm_lint.analyze.analyze_file` runs script analysis
    on, shared so that the index skips exactly the files the analysis would find empty."""
    names = list(module_classes)
    if any(w in text for w in LOSS_WORDS):
        names += [local for local, q in imports.items()
                  if local[:1].isupper() and not q.startswith("torch")]
    return any(names_a_model(n, text) for n in names)


def names_a_model(name: str, text: str) -> bool:
    """The class ``name`` called (``Net(``) or assigned to a name that may be called
    (``model_cls = Net``): a cheap text test."""
    if f"{name}(" in text:
        return True
    at = text.find(f"= {name}")
    while at >= 0:
        end = at + 2 + len(name)
        if end >= len(text) or not (text[end].isalnum() or text[end] in "_.[("):
            return True
        at = text.find(f"= {name}", end)
    return False


def needs_parse(index: Index, path: str, text: str, script: bool | None = None) -> bool:
    """Must libcst parse this file?  Yes when a class of it is an ``nn.Module`` (its bases
    followed through the project), or its script code builds a model; the analysis of any
    other file is empty.  A file ``ast`` cannot read goes to libcst, for its diagnostic.

    A class whose verdict is None (a base not followed, and no ``forward`` with layers built
    in ``__init__``) is never marked a module by :func:`lstm_lint.extract.mark_modules`
    either: the extractor marks a class by a base the index also finds to be a module, or by
    its own ``forward`` and layers beside a base it cannot resolve, which the index counts
    as a module too.  Such a file (a dataset reader deriving from ``torch.utils.data``) is
    read as a dependency when a model needs it, not parsed for itself.
    """
    if path == "-":
        return True
    index.set_text(path, text)
    s = index.summary(path)
    if s is None or script:
        return True
    if any(index.is_module(path, c) is True for c in s.classes):
        return True
    if script is False:
        return False
    imports = dict(s.imports)
    if s.stars and any(w in text for w in LOSS_WORDS):
        for k, v in index.star_names(s.stars, path).items():
            imports.setdefault(k, v)
    return builds_a_model(text, [], imports)
