"""What ``forward``'s text tells before it runs: the ``None`` defaults its body tests
(:func:`tested_none_defaults`) and the ``torch.stack``/``torch.cat`` calls every run makes
(:func:`unconditional_joins`, a list they join is not empty)."""

from __future__ import annotations

import libcst as cst

from .extract import ClassInfo
from .node_memo import NodeMemo
from .walk import descendants, descendants_outside


def tested_none_defaults(fn: cst.FunctionDef) -> frozenset[str]:
    """The parameters of ``fn`` whose default is None and that its body compares with None
    (``x is None``, ``x is not None``)."""
    known = _TESTED.get(fn)
    if known is not None:
        return known
    names = {p.name.value for p in list(fn.params.params)[1:]
             if isinstance(p.default, cst.Name) and p.default.value == "None"}
    tested: set[str] = set()
    if names:
        for n in descendants(fn.body):
            if type(n) is cst.Comparison and len(n.comparisons) == 1 \
                    and isinstance(n.comparisons[0].operator, cst.Is | cst.IsNot):
                left, right = n.left, n.comparisons[0].comparator
                for x, y in ((left, right), (right, left)):
                    if isinstance(x, cst.Name) and x.value in names \
                            and isinstance(y, cst.Name) and y.value == "None":
                        tested.add(x.value)
    return _TESTED.put(fn, frozenset(tested))


#: the answer per function node
_TESTED: NodeMemo[cst.FunctionDef, frozenset[str]] = NodeMemo()


_NOT_ALWAYS_RUN = frozenset({cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp,
                             cst.GeneratorExp, cst.IfExp, cst.BooleanOperation, cst.FunctionDef,
                             cst.ClassDef})


def unconditional_joins(fn: cst.FunctionDef) -> set[int]:
    """The ``torch.stack``/``torch.cat`` calls (by id) that every run of ``fn`` reaching its
    end makes: in its top-level statements (no ``if``, loop, ``try`` or ``with`` around them,
    no lambda, comprehension, conditional expression or ``and``/``or`` inside), before any
    statement that holds a ``return`` (the first top-level ``return`` counts; it runs).
    PyTorch raises on an empty list there, so a list such a call joins is not empty."""
    out: set[int] = set()

    def calls(node: cst.CSTNode) -> None:
        for n in descendants_outside(node, _NOT_ALWAYS_RUN):
            if type(n) is cst.Call:
                f = n.func
                name = f.attr.value if isinstance(f, cst.Attribute) else \
                    f.value if isinstance(f, cst.Name) else None
                if name in ("stack", "cat", "concat", "concatenate"):
                    out.add(id(n))

    body = fn.body.body if isinstance(fn.body, cst.IndentedBlock) else ()
    for stmt in body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            if any(type(n) is cst.Return for n in descendants(stmt)):
                break
            continue
        for small in stmt.body:
            calls(small)
            if isinstance(small, cst.Return):
                return out
    return out


def unconditional_joins_of(cls: ClassInfo, fn: cst.FunctionDef) -> set[int]:
    """:func:`unconditional_joins` of a class's forward, worked out once per class."""
    memo = cls.__dict__.get("_unconditional_joins")
    if memo is not None and memo[0] is fn:
        return memo[1]
    out = unconditional_joins(fn)
    cls.__dict__["_unconditional_joins"] = (fn, out)
    return out
