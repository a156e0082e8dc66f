"""Calls that map numbers to a number: ``math.sqrt(d_k)`` and its kin, ``np.prod(shape)`` /
``math.prod(shape)`` of sizes."""

from __future__ import annotations

import math

from .. import ops
from ..symbolic import const
from ..values import UNKNOWN, Const, Int, Seq, Value, int_of

#: functions of the math module that map numbers to a number
MATH_FUNCTIONS = frozenset({"sqrt", "log", "log2", "log10", "exp", "pow", "fabs", "floor", "ceil",
                   "trunc"})


def math_call(name: str, args: list[Value]) -> Value:
    """``math.sqrt(d_k)`` and friends: a number (which one, when the engine can tell)."""
    if not all(ops.is_scalar(a) for a in args):
        return UNKNOWN
    if name in ("floor", "ceil", "trunc") and len(args) == 1:
        a = args[0]
        if isinstance(a, Int):
            return a
        if isinstance(a, Const) and isinstance(a.value, int | float) \
                and not isinstance(a.value, bool):
            return Int(const(int(getattr(math, name)(a.value))))
    return Int(None)  # a number, its value not followed


def product(v: Value) -> Value:
    """``np.prod(shape)`` / ``math.prod(shape)`` of sizes: their product (unknown otherwise)."""
    if isinstance(v, Int):
        return v
    if isinstance(v, Const) and isinstance(v.value, int) and not isinstance(v.value, bool):
        return Int(const(v.value))
    if isinstance(v, Seq) and v.repeated is None:
        total = const(1)
        for item in v.items:
            if isinstance(item, Const) and isinstance(item.value, bool):
                return Int(None)
            n = int_of(item)
            if n is None:
                return Int(None)
            total = total * n
        return Int(total)
    return UNKNOWN
