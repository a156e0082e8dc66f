"""What a path knows about sizes from the comparisons it passed.

``if x.size(-1) > self.out_channels: raise ...`` leaves ``x.size(-1) <= out_channels`` on
the rest of the function; the else branch of ``if x.size(-1) < self.out_channels:`` adds
``x.size(-1) >= out_channels``.  Together they prove the two sizes equal on that path, so
where the branches meet, a tensor padded to ``out_channels`` on one path and left as it came
on the other is ``out_channels`` wide either way.

A fact is an expression known to be ``>= 0`` on the path.  Facts only ever serve to prove two
sizes equal where branches join; nothing else reads them.
"""

from __future__ import annotations

from ..symbolic import Expr, const, nonnegative
from ..values import Shape, Tensor, Value

#: a comparison of two sizes: (left, operator name, right)
Compared = tuple[Expr, str, Expr]


def branch_facts(c: Compared | None) -> tuple[tuple[Expr, ...], tuple[Expr, ...]]:
    """The facts ``if left OP right:`` adds on its true branch and on its false one."""
    if c is None:
        return (), ()
    x, op, y = c
    one = const(1)
    if op == "LessThan":  # x < y, else x >= y
        return (y - x - one,), (x - y,)
    if op == "LessThanEqual":
        return (y - x,), (x - y - one,)
    if op == "GreaterThan":
        return (x - y - one,), (y - x,)
    if op == "GreaterThanEqual":
        return (x - y,), (y - x - one,)
    if op == "Equal":
        return (x - y, y - x), ()
    if op == "NotEqual":
        return (), (x - y, y - x)
    return (), ()


def at_least_zero(e: Expr, facts: tuple[Expr, ...]) -> bool:
    """``e >= 0`` on a path with these facts: for every size, or as a fact plus a
    non-negative constant."""
    if nonnegative(e):
        return True
    for f in facts:
        d = (e - f).as_int()
        if d is not None and d >= 0:
            return True
    return False


def equal_on(a: Expr, b: Expr, facts: tuple[Expr, ...]) -> bool:
    return bool(facts) and at_least_zero(a - b, facts) and at_least_zero(b - a, facts)


def align(a: dict[str, Value], b: dict[str, Value], a_facts: tuple[Expr, ...],
          b_facts: tuple[Expr, ...]) -> None:
    """Before branches join: a tensor's size that differs between them but that one branch's
    facts prove equal to the other branch's takes the other's expression there, so the join
    keeps it (the size is that expression on both paths).  Changes ``a`` and ``b``."""
    if not a_facts and not b_facts:
        return
    for name, x in a.items():
        y = b.get(name)
        if not (isinstance(x, Tensor) and isinstance(y, Tensor)) or x.shape is None \
                or y.shape is None or x.shape.star != y.shape.star \
                or len(x.shape.dims) != len(y.shape.dims) or x.shape == y.shape:
            continue
        xd, yd = list(x.shape.dims), list(y.shape.dims)
        changed_x = changed_y = False
        for i, (p, q) in enumerate(zip(xd, yd, strict=True)):
            if p is None or q is None or p == q:
                continue
            if equal_on(q, p, b_facts):
                yd[i], changed_y = p, True
            elif equal_on(p, q, a_facts):
                xd[i], changed_x = q, True
        if changed_x:
            a[name] = x.with_(shape=Shape(tuple(xd), x.shape.star))
        if changed_y:
            b[name] = y.with_(shape=Shape(tuple(yd), y.shape.star))
