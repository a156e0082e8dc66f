"""Which lines of another file libcst must read when the analysis needs a few of its names.

A base class, an instantiated module class or a factory found in another file of the project
needs its own definition, the top-level definitions that definition names (followed until
none is added), and the file's module-level code (imports, constants, whatever that code
names).  Every other top-level class and function is blanked line for line before libcst
parses the file, so that line numbers stay the file's own.  Shared modules are big (a
framework's base model, a package's ``nn/util.py``) and a model needs a few definitions of
them: a third of the bytes libcst parsed over a corpus of real packages was such files.

Names are read from the text of the kept definitions (any word, strings and comments
included: a name kept needlessly only costs parse time), and from Python's ``ast`` for the
module-level code.  A name defined twice at the top level is kept with the module-level code,
never blanked.  A later question about a name left out parses the file again with it
(:class:`~lstm_lint.project.Project` decides when).
"""

from __future__ import annotations

import ast
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from .summaries import parse_ast

#: a file this small is parsed whole: the saving would not pay for the second parse that a
#: later question about another of its names costs
MIN_CHARS = 8_000
#: parse the whole file when the kept part is most of it
MAX_SHARE = 0.7
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Layout:
    """A file's top-level definitions (1-based first and last line, decorators included)
    and the names its module-level code reads."""

    spans: dict[str, tuple[int, int]]
    used: frozenset[str]


@functools.lru_cache(maxsize=16)
def layout(text: str) -> Layout | None:
    if "\r" in text:  # (lines counted as ast counts them only with plain newlines)
        return None
    tree = parse_ast(text)
    if tree is None:
        return None
    lines = text.split("\n")
    defs: dict[str, list[tuple[int, int]]] = {}
    rest: list[ast.stmt] = []
    after = 1  # the first line after the previous top-level statement
    for st in tree.body:
        if isinstance(st, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([st.lineno, *(d.lineno for d in st.decorator_list)])
            if st.decorator_list:
                # a decorator's expression may start below its '@' (``@(`` or ``@\``)
                while first > after and not lines[first - 1].lstrip().startswith("@"):
                    first -= 1
            defs.setdefault(st.name, []).append((first, st.end_lineno or st.lineno))
        else:
            rest.append(st)
        after = (st.end_lineno or st.lineno) + 1
    spans = {n: s[0] for n, s in defs.items() if len(s) == 1}
    for st in tree.body:  # a name defined twice is module-level code: kept, and read
        if isinstance(st, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) \
                and st.name not in spans:
            rest.append(st)
    used = {n.id for st in rest for n in ast.walk(st) if isinstance(n, ast.Name)}
    return Layout(spans, frozenset(used))


def keep_for(text: str, need: Iterable[str], also: Iterable[str] = ()) -> frozenset[str] | None:
    """The top-level definitions to keep so that ``need`` (names of the file), those of
    ``also`` that are top-level definitions, and everything they and the module-level code
    name are there; None: parse the whole file (a small file, a needed name that is no
    single top-level definition, or a kept part that is most of the file)."""
    if len(text) < MIN_CHARS:
        return None
    lay = layout(text)
    if lay is None:
        return None
    need = set(need)
    if any(n not in lay.spans for n in need):
        return None
    lines = text.split("\n")
    keep = need | ((lay.used | set(also)) & lay.spans.keys())
    todo = list(keep)
    while todo:
        first, last = lay.spans[todo.pop()]
        for word in set(_WORD.findall("\n".join(lines[first - 1:last]))):
            if not word.isascii():  # (Python reads identifiers in NFKC form: ﬁx is fix)
                word = unicodedata.normalize("NFKC", word)
            if word in lay.spans and word not in keep:
                keep.add(word)
                todo.append(word)
    left = sum(sum(len(x) + 1 for x in lines[a - 1:b])
               for n, (a, b) in lay.spans.items() if n not in keep)
    if left < (1 - MAX_SHARE) * len(text):
        return None
    return frozenset(keep)


def blank(text: str, keep: frozenset[str]) -> str:
    """The text with every top-level definition not in ``keep`` replaced by empty lines."""
    lay = layout(text)
    if lay is None:
        return text
    lines = text.split("\n")
    for name, (first, last) in lay.spans.items():
        if name not in keep:
            for i in range(first - 1, last):
                lines[i] = ""
    return "\n".join(lines)
