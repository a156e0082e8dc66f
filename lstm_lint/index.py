"""The project index: which file a dotted name lives in, read cheaply with Python's ``ast``.

A single-file run (``lstm-lint model.py``, flake8, pre-commit with one staged file, the
language server) must answer exactly as a whole-tree run does, so names are resolved from the
file system, never from the set of files on the command line:

* **import roots** of a file: the folder above its top package (found from ``__init__.py``
  files), the project root (the nearest folder with ``pyproject.toml``, ``setup.py``,
  ``setup.cfg`` or ``.git``), its ``src/`` and the package folders its packaging names
  (``package-dir``, ``where``), and last the file's own folder (a script importing its
  neighbour: ``from model import Encoder`` beside ``model.py``);
* a dotted module name is a file under the first root that holds it (``a/b.py`` or
  ``a/b/__init__.py``): a few ``stat`` calls, no scan of the tree;
* every file consulted is summarised with ``ast`` (its classes and their bases, functions,
  imports, star imports, ``__all__``), about ten times cheaper than libcst; summaries are
  cached by content hash for the life of the process;
* a name is followed through re-exports (``from .model import Encoder`` in ``__init__.py``)
  and star imports (``from ..imports import *``), and a class is known to be an
  ``nn.Module`` by walking its bases through the summaries.

libcst then parses only the files that hold a module class or something one needs (a base
class, a factory function that is called): :class:`~lstm_lint.project.Project` decides that
from the answers here.
"""

from __future__ import annotations

import ast
import functools
import os
import re
from dataclasses import dataclass, field

#: the folder markers of a project root (as :mod:`lstm_lint.cache` has them)
ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
#: modules never looked for in the project
OUTSIDE = frozenset({"torch", "numpy", "typing", "collections", "os", "sys", "math",
                     "functools", "itertools", "dataclasses", "abc", "enum", "re", "json"})
#: the source of a function worth following when it is called from another file (a factory)
_BUILDS = re.compile(r"torch|\bnn\b|\bF\.\w|getattr\(|lstm|gru|rnn|module", re.IGNORECASE)
MAX_CHAIN = 8
_BUILTINS = frozenset(dir(__import__("builtins")))
_STDLIB = frozenset(getattr(__import__("sys"), "stdlib_module_names", ())) - {"torch"}


def canonical(qual: str) -> str:
    """``torch.nn.modules.rnn.LSTM`` -> ``torch.nn.LSTM``; ``torch.nn.utils.rnn.x`` kept."""
    if qual.startswith("torch.nn.modules."):
        return "torch.nn." + qual.rsplit(".", 1)[-1]
    if qual.startswith("torch.functional."):
        return "torch." + qual.rsplit(".", 1)[-1]
    return qual


# ---- module names and roots ----------------------------------------------------------------

_PKG: dict[str, str] = {}
_TOP: dict[str, str] = {}


def package_of(path: str) -> str:
    """The dotted package of a file, from the ``__init__.py`` files above it."""
    d = os.path.dirname(os.path.abspath(path))
    if d not in _PKG:
        parts: list[str] = []
        cur = d
        while os.path.isfile(os.path.join(cur, "__init__.py")):
            parts.insert(0, os.path.basename(cur))
            parent = os.path.dirname(cur)
            if parent == cur:
                break
            cur = parent
        _PKG[d] = ".".join(parts)
        _TOP[d] = cur
    return _PKG[d]


def package_root(path: str) -> str:
    """The folder above the file's top package (the file's own folder outside a package)."""
    package_of(path)
    return _TOP[os.path.dirname(os.path.abspath(path))]


def module_name(path: str) -> str:
    base = os.path.splitext(os.path.basename(path))[0]
    pkg = package_of(path)
    if base == "__init__":
        return pkg or base
    return f"{pkg}.{base}" if pkg else base


_PROJECT_ROOT: dict[str, str | None] = {}


def project_root(path: str) -> str | None:
    """The nearest folder above ``path`` holding a project marker."""
    start = os.path.abspath(path)
    d = start if os.path.isdir(start) else os.path.dirname(start)
    seen: list[str] = []
    found: str | None = None
    while True:
        if d in _PROJECT_ROOT:
            found = _PROJECT_ROOT[d]
            break
        seen.append(d)
        if any(os.path.exists(os.path.join(d, m)) for m in ROOT_MARKERS):
            found = d
            break
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    for s in seen:
        _PROJECT_ROOT[s] = found
    return found


_PACKAGE_DIR = (
    re.compile(r"""\bwhere\s*=\s*\[\s*["']([^"']+)["']"""),  # [tool.setuptools.packages.find]
    re.compile(r"""["']{2}\s*[:=]\s*["']([^"']+)["']"""),  # package-dir = {"" = "src"}
    re.compile(r"""\bpackage_dir\s*=\s*\n?\s*=\s*(\S+)"""),  # setup.cfg: package_dir = =src
)


def _packaging_dirs(root: str) -> list[str]:
    """Package folders named by the project's packaging files, then ``src/``."""
    out: list[str] = []
    for name in ("pyproject.toml", "setup.cfg", "setup.py"):
        try:
            with open(os.path.join(root, name), encoding="utf-8", errors="replace") as fh:
                text = fh.read(200_000)
        except OSError:
            continue
        for rx in _PACKAGE_DIR:
            for m in rx.finditer(text):
                sub = m.group(1).strip().strip("/")
                if sub and sub != "." and ".." not in sub:
                    out.append(os.path.join(root, sub))
    out.append(os.path.join(root, "src"))
    return [d for d in dict.fromkeys(out) if os.path.isdir(d)]


_ROOTS: dict[str, tuple[str, ...]] = {}


def roots(path: str) -> tuple[str, ...]:
    """Where absolute imports of ``path`` are looked for, in order."""
    d = os.path.dirname(os.path.abspath(path))
    if d not in _ROOTS:
        out = [package_root(path)]
        proj = project_root(d)
        if proj is not None:
            out.append(proj)
            out.extend(_packaging_dirs(proj))
        out.append(d)
        _ROOTS[d] = tuple(dict.fromkeys(out))
    return _ROOTS[d]


def absolute(package: str, depth: int, module: str, path: str = "") -> str:
    """The absolute name of ``from <depth dots><module> import ...`` in ``package``.

    Above the top package (relative imports in folders without ``__init__.py``) the name is
    taken from the folders, relative to the project root.
    """
    if depth == 0:
        return module
    parts = package.split(".") if package else []
    if depth - 1 <= len(parts):
        base = parts[: len(parts) - (depth - 1)]
        return ".".join([p for p in base if p] + ([module] if module else []))
    if path and path != "-":
        target = os.path.dirname(os.path.abspath(path))
        for _ in range(depth - 1):
            target = os.path.dirname(target)
        root = project_root(path)
        if root is not None and (target == root or target.startswith(root + os.sep)):
            rel = os.path.relpath(target, root)
            base = [] if rel == "." else rel.split(os.sep)
            return ".".join([*base, *([module] if module else [])])
    return module


# ---- per-file summaries --------------------------------------------------------------------


@dataclass
class ClassSummary:
    name: str
    bases: list[str]  # dotted text as written
    forward: bool = False
    builds: bool = False  # __init__ assigns a constructed object to an attribute


@dataclass
class Summary:
    """What one file defines and imports, read with ``ast``."""

    path: str
    package: str
    classes: dict[str, ClassSummary] = field(default_factory=dict)
    functions: dict[str, bool] = field(default_factory=dict)  # name -> worth following
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    stars: list[str] = field(default_factory=list)  # modules star-imported
    names: set[str] = field(default_factory=set)  # other top-level assignments
    all: list[str] | None = None


def _dotted(e: ast.expr) -> str | None:
    if isinstance(e, ast.Name):
        return e.id
    if isinstance(e, ast.Attribute):
        head = _dotted(e.value)
        return None if head is None else f"{head}.{e.attr}"
    if isinstance(e, ast.Subscript):  # Generic[T], nn.Module[...]: the class subscripted
        return _dotted(e.value)
    if isinstance(e, ast.Call):  # with_metaclass(Meta, Base) and friends: not followed
        return None
    return None


@functools.lru_cache(maxsize=8)
def parse_ast(text: str) -> ast.Module | None:
    """Python's ``ast`` of a file's text, None when it does not parse; the last few kept, so
    the index and the engine's cheap structural tests parse a file once between them."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def summarise(path: str, text: str) -> Summary | None:
    tree = parse_ast(text)
    if tree is None:
        return None
    s = Summary(path, package_of(path) if path != "-" else "")
    lines = text.splitlines()
    _walk(s, tree.body, lines)
    return s


def _walk(s: Summary, body: list[ast.stmt], lines: list[str]) -> None:
    for st in body:
        if isinstance(st, ast.Import):
            for a in st.names:
                if a.asname:
                    s.imports[a.asname] = a.name
                else:
                    first = a.name.split(".")[0]
                    s.imports.setdefault(first, first)
        elif isinstance(st, ast.ImportFrom):
            mod = absolute(s.package, st.level, st.module or "", s.path)
            for a in st.names:
                if a.name == "*":
                    s.stars.append(mod)
                else:
                    s.imports[a.asname or a.name] = canonical(f"{mod}.{a.name}" if mod
                                                              else a.name)
        elif isinstance(st, ast.ClassDef):
            bases = [d for d in (_dotted(b) for b in st.bases) if d is not None]
            cs = ClassSummary(st.name, bases)
            for item in st.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    if item.name == "forward":
                        cs.forward = True
                    elif item.name == "__init__":
                        cs.builds = any(
                            isinstance(x, ast.Assign) and isinstance(x.value, ast.Call)
                            and any(isinstance(t, ast.Attribute) for t in x.targets)
                            for x in item.body)
            s.classes[st.name] = cs
        elif isinstance(st, ast.FunctionDef | ast.AsyncFunctionDef):
            end = getattr(st, "end_lineno", None) or st.lineno
            src = "\n".join(lines[st.lineno - 1:end])
            s.functions[st.name] = _BUILDS.search(src) is not None
        elif isinstance(st, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = st.targets if isinstance(st, ast.Assign) else [st.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    s.names.add(t.id)
                    if t.id == "__all__" and isinstance(st, ast.Assign | ast.AnnAssign):
                        s.all = _all_list(st.value)
        elif isinstance(st, ast.If | ast.Try | ast.With):
            _walk(s, st.body, lines)
            if isinstance(st, ast.Try):  # as extract's walker: no else branches
                for h in st.handlers:
                    _walk(s, h.body, lines)


def _all_list(v: ast.expr | None) -> list[str] | None:
    if isinstance(v, ast.List | ast.Tuple) and all(
            isinstance(x, ast.Constant) and isinstance(x.value, str) for x in v.elts):
        return [x.value for x in v.elts]  # type: ignore[attr-defined]
    return None


#: content hash -> summary (per process: a run, or the language server's life)
_BY_HASH: dict[tuple[str, int], Summary | None] = {}
#: path -> (mtime_ns, size, hash)
_STAT: dict[str, tuple[int, int, int]] = {}


def summary_of(path: str, text: str | None = None) -> Summary | None:
    """The file's summary (``text``: its unsaved content), cached by content hash."""
    if text is None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        known = _STAT.get(path)
        if known is not None and known[:2] == (st.st_mtime_ns, st.st_size):
            key = (path, known[2])
            if key in _BY_HASH:
                return _BY_HASH[key]
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        digest = hash(data)  # an in-process memo key (the bytes' own hash, no hashlib import)
        _STAT[path] = (st.st_mtime_ns, st.st_size, digest)
        key = (path, digest)
        if key not in _BY_HASH:
            text = _decode(data)
            _BY_HASH[key] = summarise(path, text) if text is not None else None
        return _BY_HASH[key]
    key = (path, hash(text.encode("utf-8", "replace")))
    if key not in _BY_HASH:
        _BY_HASH[key] = summarise(path, text)
    return _BY_HASH[key]


def _decode(data: bytes) -> str | None:
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None
    return text[1:] if text.startswith("\ufeff") else text


# ---- resolution ----------------------------------------------------------------------------

def _ancestors(importer: str, rs: tuple[str, ...]) -> list[str]:
    """Last resort: the folders above the importer, nearest first, up to the project root (at
    most 4 without one): code run from a repository's top folder imports its namespace
    packages (``from models.generator import G`` in ``models/`` without ``__init__.py``)."""
    if importer == "-":
        return []
    d = os.path.dirname(os.path.abspath(importer))
    stop = project_root(d)
    out: list[str] = []
    for _ in range(8 if stop else 4):
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
        if d not in rs:
            out.append(d)
        if d == stop:
            break
    return out


def module_path(module: str, importer: str,
                memo: dict[tuple[str, tuple[str, ...]], str | None] | None = None) -> str | None:
    """The file of ``module`` as ``importer`` would import it, or None (not in the project).

    ``memo``: the caller's memo (an :class:`Index` keeps one per run, so that a long-lived
    process such as the language server sees files created since).
    """
    if not module or module.split(".", 1)[0] in OUTSIDE:
        return None
    rs = roots(importer) if importer != "-" else (os.getcwd(),)
    key = (module, rs)
    if memo is not None and key in memo:
        return memo[key]
    rel = module.replace(".", os.sep)
    found = None
    for r in (*rs, *_ancestors(importer, rs)):
        cand = os.path.join(r, rel)
        if os.path.isfile(cand + ".py"):
            found = cand + ".py"
            break
        if os.path.isfile(os.path.join(cand, "__init__.py")):
            found = os.path.join(cand, "__init__.py")
            break
    if memo is not None:
        memo[key] = found
    return found


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
    return any(f"{n}(" in text for n in names)


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
