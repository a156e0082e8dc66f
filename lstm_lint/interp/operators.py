"""Operators: arithmetic on sizes and tensors (broadcasting, ``@``) and comparisons.
"""

from __future__ import annotations

import libcst as cst

from .. import layers as L
from .. import ops
from ..symbolic import Expr, cond, const, sym
from ..values import (
    UNKNOWN,
    Choice,
    Const,
    Flag,
    Int,
    Packed,
    Quotient,
    Record,
    Seq,
    Tensor,
    Value,
    int_of,
)
from .core import Core
from .joins import choices, is_none, join
from .module_defaults import literal_default
from .objects import Builtin, Env, Obj, Ref
from .regex import Match


class Operators(Core):
    """Binary operators and comparisons."""

    def binop(self, op: str, a: Value, b: Value, e: cst.CSTNode) -> Value:
        if isinstance(a, Ref) or isinstance(b, Ref):
            a, b = self._number_named(a), self._number_named(b)
        if op in _SIZE_ARITH and (_none_param(a) or _none_param(b)) \
                and isinstance(a, Int | Const) and isinstance(b, Int | Const):
            # ``(num_layers * channels) // 2`` with ``num_layers=None`` as the default: None in
            # arithmetic raises, so where it runs the caller gave a number (the size it names,
            # as the layers the parameter reaches take it)
            a, b = _opened_none(a), _opened_none(b)
        if isinstance(a, Int | Const | Flag) and isinstance(b, Int | Const | Flag):
            x, y = _as_int_expr(a), _as_int_expr(b)
            if x is None or y is None:
                if isinstance(a, Const) and isinstance(b, Const) and op == "Add" \
                        and isinstance(a.value, str) and isinstance(b.value, str):
                    return Const(a.value + b.value)
                return Int(None, deps=_deps(a, b)) if isinstance(a, Int) or isinstance(b, Int) \
                    else UNKNOWN
            if op == "Add":
                return Int(x + y)
            if op == "Subtract":
                return Int(x - y)
            if op == "Multiply":
                return Int(x * y)
            if op == "FloorDivide":
                return Int(x.floordiv(y))
            if op == "Power" and y.as_int() is not None and 0 <= (y.as_int() or 0) <= 8:
                return Int(x ** (y.as_int() or 0))
            if op == "Modulo" and x.as_int() is not None and y.as_int():
                return Int(const((x.as_int() or 0) % (y.as_int() or 1)))
            if op == "Divide":
                xc, yc = x.as_int(), y.as_int()
                if xc is not None and yc:
                    return Const(xc / yc)
                if yc is not None and yc <= 0:
                    return UNKNOWN
                return Quotient(x, y)
            if op == "Power" and y.as_int() is None:
                # 2 ** bits: an exponent the engine does not expand (a small one is enough)
                self.graph.exponents |= y.sizes()
            return Int(None, deps=_deps(a, b))
        if isinstance(a, Seq) and isinstance(b, Seq) and op == "Add" \
                and a.repeated is None and b.repeated is None:
            return Seq(a.items + b.items, a.is_list)
        if isinstance(a, Seq) and isinstance(b, Seq) and op == "Add":
            # a list of unknown length grown by another: as many elements as both, each one
            # of either's
            elems = [v for v in (a.repeated, b.repeated) if v is not None] + [*a.items, *b.items]
            one = elems[0]
            for v in elems[1:]:
                one = join(one, v)
            la = a.length if a.repeated is not None else const(len(a.items))
            lb = b.length if b.repeated is not None else const(len(b.items))
            if a.tail is not None and b.repeated is None and len(b.items) == 1 \
                    and la is not None:
                # a list known first, grown in a loop, and one more item: still that head
                return Seq((), a.is_list, one, la + 1, head=a.head, tail=join(a.tail, b.items[0]))
            return Seq((), a.is_list, one, la + lb if la is not None and lb is not None else None)
        if isinstance(b, Seq) and op == "Multiply" and isinstance(a, Int):
            a, b = b, a  # 2 * [x] is [x] * 2
        if isinstance(a, Seq) and op == "Multiply" and isinstance(b, Int) and b.expr is not None \
                and a.repeated is None and len(a.items) == 1:
            n = b.expr.as_int()
            if n is not None and 0 <= n <= 16:
                return Seq(a.items * n, a.is_list)  # [1] * 3: each item known, by position
            return Seq((), a.is_list, a.items[0], b.expr)
        if op == "MatrixMultiply" and isinstance(a, Tensor) and isinstance(b, Tensor):
            return self.record("matmul", e, [a, b], ops.matmul(a, b), label="@")
        if isinstance(a, Tensor) or isinstance(b, Tensor):
            out = ops.broadcast(a, b)
            if isinstance(out, Tensor) and op in ("Divide",) and out.dtype == "int":
                out = out.with_(dtype="float")
            if isinstance(out, Tensor) and not (isinstance(a, Tensor) and isinstance(b, Tensor)):
                return out  # scaling by a number: no node of its own
            return self.record("arith", e, [a, b], out, label=op)
        return UNKNOWN

    def _number_named(self, v: Value) -> Value:
        """A name another project file assigns a number literal at its top level (``δ = 1e-6``
        in util.py, imported): a Python number of a value not claimed (the program may set it
        again), enough for a tensor scaled by it to keep its shape.  Anything else as it is."""
        if not isinstance(v, Ref) or self.project is None \
                or not hasattr(self.project, "constant"):
            return v
        found = self.project.constant(v.qual, self.fm)
        if found is None:
            return v
        e = found[0]
        if isinstance(e, cst.UnaryOperation) and isinstance(e.operator, cst.Minus | cst.Plus):
            e = e.expression
        return Int(None) if isinstance(e, cst.Integer | cst.Float) else v

    def compare(self, e: cst.Comparison, env: Env) -> Value:
        left = self.eval(e.left, env)
        if len(e.comparisons) != 1:
            for c in e.comparisons:
                self.eval(c.comparator, env)
            return UNKNOWN
        c = e.comparisons[0]
        right = self.eval(c.comparator, env)
        op = type(c.operator).__name__
        if self.config_defaults and (isinstance(left, Ref) or isinstance(right, Ref)):
            # ``cfg.model_type == 'LSTM'``: config.py's literal, named (see module_defaults)
            left, right = literal_default(self, left), literal_default(self, right)
        if op in ("Is", "IsNot", "Equal", "NotEqual") and (
                is_none(right) or is_none(left)):
            other = left if is_none(right) else right
            known: bool | None = None
            if isinstance(other, Const):
                known = other.value is None
            elif isinstance(other, Tensor) and other.node in self.caller_tensors:
                known = None  # forward(x, hc) then `if hc is None:` the caller may pass None
            elif isinstance(other, L.Layer) and other.or_none:
                known = None  # built on some paths, None on the others
            elif isinstance(other, Tensor | L.Layer | Obj | Seq | Packed | Int | Choice | Match):
                known = False if not (isinstance(other, Int) and other.expr is None) else None
            if known is None:
                return UNKNOWN
            return Const(known if op in ("Is", "Equal") else not known)
        if op in ("Is", "IsNot", "Equal", "NotEqual") and _is_class(left) and _is_class(right):
            # ``type(x) == list``: two classes, the same or not
            same = _class_name(left) == _class_name(right)
            return Const(same == (op in ("Is", "Equal")))
        if op in ("Is", "IsNot") and isinstance(left, Const) and isinstance(right, Const) \
                and type(left.value) is bool and type(right.value) is bool:
            # ``if self.highway_mismatch is True:``: True and False are singletons
            return Const((left.value is right.value) == (op == "Is"))
        if isinstance(left, Tensor) or isinstance(right, Tensor):
            out = ops.broadcast(left, right)
            if isinstance(out, Tensor):
                return self.record("compare", e, [left, right], out.with_(dtype="bool"), label=op)
            return UNKNOWN
        x, y = int_of(left), int_of(right)
        if x is not None and y is not None:
            d = (x - y).as_int()
            if d is not None:
                table = {"Equal": d == 0, "NotEqual": d != 0, "LessThan": d < 0,
                         "LessThanEqual": d <= 0, "GreaterThan": d > 0, "GreaterThanEqual": d >= 0}
                if op in table:
                    return Const(table[op])
            elif op in ("LessThan", "LessThanEqual", "GreaterThan", "GreaterThanEqual",
                        "Equal", "NotEqual"):
                self.last_compare = (id(e), (x, op, y))  # for the branches (interp.facts)
        xf, yf = _number(left), _number(right)
        if xf is not None and yf is not None:
            # a float among them (``if dropout > 0:`` with dropout=0.5): compared as Python does
            ftable = {"Equal": xf == yf, "NotEqual": xf != yf, "LessThan": xf < yf,
                      "LessThanEqual": xf <= yf, "GreaterThan": xf > yf,
                      "GreaterThanEqual": xf >= yf}
            if op in ftable:
                return Const(ftable[op])
        if op in ("Equal", "NotEqual") and (isinstance(left, Choice) or isinstance(right, Choice)):
            # a string known to be one of several: equal when it can only be that one
            lo, ro = choices(left), choices(right)
            if lo is not None and ro is not None:
                if not set(lo) & set(ro):
                    return Const(op == "NotEqual")
                if len(lo) == len(ro) == 1:
                    return Const(op == "Equal")
            return UNKNOWN
        if isinstance(left, Choice) and op in ("In", "NotIn") and isinstance(right, Seq) \
                and right.repeated is None and all(choices(i) is not None for i in right.items):
            among = {o for i in right.items for o in (choices(i) or ())}
            if set(left.options) <= among:
                return Const(op == "In")
            if not set(left.options) & among:
                return Const(op == "NotIn")
            return UNKNOWN
        if isinstance(left, Const) and isinstance(right, Const) and op in ("Equal", "NotEqual"):
            if isinstance(left.value, str) and isinstance(right.value, str):
                return Const((left.value == right.value) == (op == "Equal"))
        if isinstance(left, Const) and isinstance(right, Const) and op in ("In", "NotIn") \
                and isinstance(left.value, str) and isinstance(right.value, str):
            return Const((left.value in right.value) == (op == "In"))
        if isinstance(left, Const) and isinstance(right, Record) and op in ("In", "NotIn") \
                and isinstance(left.value, str):
            return Const((right.get(left.value) is not None) == (op == "In"))
        if isinstance(left, Const) and isinstance(right, Seq) and op in ("In", "NotIn") \
                and right.repeated is None and all(isinstance(i, Const) for i in right.items):
            vals = [i.value for i in right.items if isinstance(i, Const)]
            return Const((left.value in vals) == (op == "In"))
        return UNKNOWN


#: builtins that are classes (``type(x) == list``)
_PY_CLASS_NAMES = frozenset({"list", "tuple", "int", "float", "bool", "str", "dict", "set"})


def _is_class(v: Value) -> bool:
    return isinstance(v, Builtin) and v.name in _PY_CLASS_NAMES \
        or isinstance(v, Ref) and v.qual == "torch.Tensor"


def _class_name(v: Value) -> str:
    return v.name if isinstance(v, Builtin) else v.qual if isinstance(v, Ref) else ""


def _number(v: Value) -> float | None:
    """A Python number known exactly (an int, a float or a bool), else None."""
    if isinstance(v, Const) and type(v.value) in (int, float, bool):
        return float(v.value)
    e = int_of(v) if isinstance(v, Int) else None
    k = e.as_int() if e is not None else None
    return float(k) if k is not None else None


def _deps(*vs: Value) -> frozenset[str]:
    """The symbols an int whose form is lost was computed from."""
    out: set[str] = set()
    for v in vs:
        if isinstance(v, Int):
            out |= v.deps
            if v.expr is not None:
                out |= v.expr.sizes()
    return frozenset(out)


def _as_int_expr(v: Value) -> Expr | None:
    if isinstance(v, Flag):
        return cond(v.name, 0 if v.negated else 1, 1 if v.negated else 0)
    return int_of(v)


#: arithmetic that raises on None (``None * 2``), so that its operands were numbers
_SIZE_ARITH = frozenset({"Add", "Subtract", "Multiply", "FloorDivide"})


def _none_param(v: Value) -> bool:
    """A constructor parameter whose default ``None`` the symbolic run took as written."""
    return isinstance(v, Const) and v.value is None and v.param is not None


def _opened_none(v: Value) -> Value:
    if isinstance(v, Const) and v.value is None and v.param is not None:
        return Int(sym(v.param), param=v.param)
    return v
