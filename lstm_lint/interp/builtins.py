"""Python's builtins as the interpreter models them (``range``, ``len``, ``int``, ``zip``,
``getattr``, ``setattr``, ``super``, ``dict``...) and methods of strings.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from ..symbolic import cond, const, sym
from ..values import (
    UNKNOWN,
    Const,
    Flag,
    Int,
    Record,
    Seq,
    Tensor,
    Value,
    int_of,
)
from .config import namespace_record
from .core import Core
from .joins import truth, truth_value
from .objects import Env, RangeVal


class Builtins(Core):
    """Calls of Python builtins."""

    def call_builtin(self, name: str, args: list[Value], kwargs: dict[str, Value], e: cst.Call,
                     env: Env) -> Value:
        if name == "range":
            ints = [int_of(a) for a in args]
            if len(ints) == 1:
                return RangeVal(ints[0])
            if len(ints) >= 2 and ints[0] is not None and ints[1] is not None and (
                    len(ints) == 2 or (ints[2] is not None and ints[2].as_int() == 1)):
                return RangeVal(ints[1] - ints[0])
            return RangeVal(None)
        if name == "len" and args:
            a = args[0]
            if isinstance(a, Seq):
                return Int(const(len(a.items)) if a.repeated is None else a.length)
            if isinstance(a, Tensor):
                return self.size_of(a, Int(const(0)))
            if isinstance(a, Int) and a.param is not None and a.expr is not None \
                    and a.expr.as_int() is None:
                name = f"len({a.param})"
                return Int(sym(name), param=name)
            return Int(None)
        if name in ("int", "abs", "round") and args:
            a = args[0]
            if isinstance(a, Int):
                return a
            if isinstance(a, Const) and isinstance(a.value, bool):
                return Int(const(int(a.value)))
            if isinstance(a, Flag):
                return Int(cond(a.name, 0 if a.negated else 1, 1 if a.negated else 0))
            return Int(None)
        if name == "bool" and args:
            t = truth(args[0])
            return truth_value(t)
        if name in ("list", "tuple") and args:
            a = args[0]
            if isinstance(a, Seq):
                return Seq(a.items, name == "list", a.repeated, a.length)
            if isinstance(a, RangeVal):
                return Seq((), name == "list", Int(None), a.length)
            return UNKNOWN
        if name in ("list", "tuple"):
            return Seq((), name == "list")
        if name == "super":
            return self.super_value(args)
        if name == "enumerate" and args:
            a = args[0]
            if isinstance(a, Seq):
                if a.repeated is None:
                    return Seq(tuple(Seq((Int(const(i)), it)) for i, it in enumerate(a.items)))
                return Seq((), False, Seq((Int(None), a.repeated)), a.length)
            return UNKNOWN
        if name == "zip" and args and all(isinstance(a, Seq) and a.repeated is None for a in args):
            seqs = [a for a in args if isinstance(a, Seq)]
            n = min(len(s.items) for s in seqs)
            return Seq(tuple(Seq(tuple(s.items[i] for s in seqs)) for i in range(n)))
        if name == "reversed" and args and isinstance(args[0], Seq):
            a = args[0]
            return Seq(tuple(reversed(a.items)), a.is_list, a.repeated, a.length)
        if name in ("min", "max") and len(args) == 2:
            x, y = int_of(args[0]), int_of(args[1])
            if x is not None and y is not None and x.as_int() is not None and y.as_int() is not None:
                xv, yv = x.as_int(), y.as_int()
                assert xv is not None and yv is not None
                return Int(const(min(xv, yv) if name == "min" else max(xv, yv)))
            if x is not None and x == y:
                return Int(x)
            return Int(None)
        if name == "getattr" and len(args) >= 2 and isinstance(args[1], Const) \
                and isinstance(args[1].value, str):
            v = self.attribute(args[0], args[1].value, e)
            if v is UNKNOWN and len(args) == 3:
                return args[2]
            return v
        if name == "print":
            return Const(None)
        if name == "setattr" and len(args) == 3 and isinstance(args[1], Const) \
                and isinstance(args[1].value, str) and args[1].value.isidentifier() and e.args:
            # setattr(cfg, "batch_first", True) is cfg.batch_first = True
            self.assign(cst.Attribute(value=e.args[0].value, attr=cst.Name(args[1].value)),
                        args[2], env)
            return Const(None)
        if name in ("setattr", "vars", "delattr") and e.args:
            # vars(cfg) can change cfg through its __dict__: cfg is no longer known
            if isinstance(args[0], Record):
                self.rebind(e.args[0].value, UNKNOWN, env)
            return UNKNOWN
        if name == "dict":
            return namespace_record(args, kwargs)
        return UNKNOWN


_STR_METHODS: dict[str, Callable[[str], str]] = {"lower": str.lower, "upper": str.upper, "strip": str.strip,
                "capitalize": str.capitalize, "title": str.title, "casefold": str.casefold}


def str_method(text: str, name: str, args: list[Value]) -> Value:
    if name in _STR_METHODS and not args:
        return Const(_STR_METHODS[name](text))
    if name in ("startswith", "endswith") and len(args) == 1 and isinstance(args[0], Const) \
            and isinstance(args[0].value, str):
        return Const(getattr(text, name)(args[0].value))
    return UNKNOWN
