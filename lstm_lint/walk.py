"""Walking a libcst tree without rebuilding it.

libcst's ``node.visit(visitor)`` and ``node.children`` both go through
``_visit_and_replace_children``, which constructs (and validates) a new copy of every node it
passes, even for a read-only visitor: a whole class costs as much as parsing it again.  The
questions rules ask of a subtree (is this node inside that one, is a name mentioned) need no
copies, so they read the nodes' dataclass fields directly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import libcst as cst

_FIELDS: dict[type, tuple[str, ...]] = {}


#: fields that hold only layout (whitespace, comments, brackets, commas, dots, colons): more
#: than half of a tree's nodes, and no question asked of a subtree is about them (the test
#: suite checks against libcst's type hints that each of these holds layout only)
FORMAT_FIELDS = frozenset({
    "colon", "comma", "comment", "dot", "empty_lines", "equal", "first_colon", "first_line",
    "footer", "header", "last_line", "lbrace", "lbracket", "leading_lines", "lines_after_decorators",
    "lpar", "newline", "rbrace", "rbracket", "relative", "rpar", "second_colon", "semicolon",
    "trailing_comma", "trailing_whitespace"})


def field_names(t: type) -> tuple[str, ...]:
    names = _FIELDS.get(t)
    if names is None:
        names = _FIELDS[t] = tuple(
            f.name for f in dataclasses.fields(t)
            if f.name not in FORMAT_FIELDS and not f.name.startswith(("whitespace", "leading_")))
    return names


#: type -> is it a libcst node class?  (``isinstance`` against libcst's ABCs is slow)
_IS_NODE: dict[type, bool] = {}


def _is_node(t: type) -> bool:
    known = _IS_NODE.get(t)
    if known is None:
        known = _IS_NODE[t] = issubclass(t, cst.CSTNode)
    return known


def descendants(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``root`` and every code node under it (depth first, in no promised order; layout nodes
    such as whitespace, comments, brackets and commas are not visited)."""
    stack: list[cst.CSTNode] = [root]
    while stack:
        n = stack.pop()
        yield n
        for name in field_names(type(n)):
            v = getattr(n, name)
            t = type(v)
            if t is tuple or t is list:
                stack.extend(x for x in v if _is_node(type(x)))
            elif v is not None and t is not str and _is_node(t):
                stack.append(v)


def descendants_outside(root: cst.CSTNode, skip: frozenset[type]) -> Iterator[cst.CSTNode]:
    """``root`` and every node under it that is not of a ``skip`` type nor under one (node
    classes as libcst builds them, compared exactly: ``isinstance`` against libcst's abstract
    classes costs a Python call per node)."""
    stack: list[cst.CSTNode] = [root]
    while stack:
        n = stack.pop()
        if type(n) in skip:
            continue
        yield n
        for name in field_names(type(n)):
            v = getattr(n, name)
            t = type(v)
            if t is tuple or t is list:
                stack.extend(x for x in v if _is_node(type(x)))
            elif v is not None and t is not str and _is_node(t):
                stack.append(v)


def contains(root: cst.CSTNode, node: cst.CSTNode) -> bool:
    """Is ``node`` ``root`` or inside it?"""
    return any(n is node for n in descendants(root))


def mentions(root: cst.CSTNode, names: frozenset[str] | set[str]) -> bool:
    """Does a ``Name`` under ``root`` (an attribute's name too) spell one of ``names``?"""
    return any(isinstance(n, cst.Name) and n.value in names for n in descendants(root))
