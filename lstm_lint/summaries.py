"""Per-file summaries read with Python's ``ast``: a file's classes and their bases, its
functions, imports, star imports and ``__all__``, about ten times cheaper than libcst.
Summaries are cached by content hash for the life of the process; the project index
(:mod:`lstm_lint.index`) answers from them without parsing with libcst.
"""

from __future__ import annotations

import ast
import functools
import os
import re
from dataclasses import dataclass, field

from .module_paths import absolute, canonical, package_of

#: the source of a function worth following when it is called from another file (a factory,
#: or a helper that lays a tensor out: ``x.permute(3, 0, 1, 2).view(w, n, h * c)``, packing)
BUILDS = re.compile(r"torch|\bnn\b|\bF\.\w|getattr\(|lstm|gru|rnn|module|\.permute\(|"
                    r"\.view\(|\.reshape\(|\.transpose\(|pack_padded", re.IGNORECASE)
#: what a text that :data:`BUILDS` matches holds, case folded: one of its words (``nn`` and
#: ``f.`` without the word boundaries)
_BUILDS_WORDS = ("torch", "nn", "f.", "getattr(", "lstm", "gru", "rnn", "module", ".permute(",
                 ".view(", ".reshape(", ".transpose(", "pack_padded")


def may_build(src: str) -> bool:
    """A plain-text test that :data:`BUILDS` may match (case folded: what the pattern's
    ignored case matches, ``ſ`` for ``s`` included): three in four top-level functions fail
    it, and the pattern, a choice tried at each place of the text, costs five times more."""
    folded = src.casefold()
    return any(w in folded for w in _BUILDS_WORDS)


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
            s.functions[st.name] = may_build(src) and BUILDS.search(src) is not None
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
