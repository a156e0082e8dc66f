"""Joining values where control flow meets (after an ``if``, around a loop), and the truth of a
value as a condition.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .. import layers as L
from ..symbolic import Expr, cond, const
from ..values import (
    UNKNOWN,
    Choice,
    Const,
    Flag,
    Int,
    Record,
    Seq,
    Shape,
    Tensor,
    Value,
)
from .objects import Modules, Obj
from .regex import Match

#: branches remembered for one joined tensor (an if/elif chain)
MAX_ALTS = 4


def join_expr(a: Expr | None, b: Expr | None, flag: Flag | None) -> Expr | None:
    if a is None or b is None:
        return None
    if a == b:
        return a
    if flag is not None:
        t, f = (b, a) if flag.negated else (a, b)
        return cond(flag.name, t, f)
    return None


def join(a: Value, b: Value, flag: Flag | None = None) -> Value:
    """The value after an if/else whose branches produced ``a`` (true) and ``b`` (false)."""
    if a is b:
        return a
    if isinstance(a, Int) and isinstance(b, Int):
        return Int(join_expr(a.expr, b.expr, flag))
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a == b:
            return a
        if a.shape is None and b.shape is None and a.hole is not None and a.hole == b.hole:
            # both branches give a value shaped exactly like one unsolved input
            return Tensor(None, a.dtype if a.dtype == b.dtype else None, hole=a.hole)
        if flag is not None and (either := _either_width(a, b, flag)) is not None:
            return either
        if a.shape is None or b.shape is None or a.shape.star != b.shape.star \
                or len(a.shape.dims) != len(b.shape.dims):
            # the branches still count one by one where known (see the joined case below),
            # and a forward input still to be solved that one branch leaves as it came
            # (``if x.ndim == 4: x = x.reshape(...)``): its consumer may tell its shape
            known = () if flag is not None else tuple(
                t for t in (a.alts or (a,)) + (b.alts or (b,))
                if t.shape is not None or t.hole is not None)
            return Tensor(None, a.dtype if a.dtype == b.dtype else None, alts=known[:MAX_ALTS])
        dims = tuple(join_expr(x, y, flag) for x, y in zip(a.shape.dims, b.shape.dims, strict=True))
        # an unknown condition: the branches stay known one by one, for facts that hold on
        # every path whichever branch ran (a state with the batch on axis 0)
        alts = () if flag is not None else (a.alts or (a,)) + (b.alts or (b,))
        return Tensor(
            Shape(dims, a.shape.star), a.dtype if a.dtype == b.dtype else None,
            a.roles if a.roles == b.roles else None, a.rnn if a.rnn == b.rnn else None,
            a.what if a.what == b.what else None,
            a.width_note if a.width_note == b.width_note else None,
            a.head if a.head == b.head else None,
            alts=alts[:MAX_ALTS],
        )
    if isinstance(a, Seq) and isinstance(b, Seq) and len(a.items) == len(b.items) \
            and a.repeated is None and b.repeated is None:
        return Seq(tuple(join(x, y, flag) for x, y in zip(a.items, b.items, strict=True)), a.is_list)
    if isinstance(a, Const) and isinstance(b, Const) and a.value == b.value:
        return a
    if isinstance(a, Record) and isinstance(b, Record) \
            and [k for k, _ in a.fields] == [k for k, _ in b.fields]:
        return Record(tuple((k, join(x, y, flag))
                            for (k, x), (_k, y) in zip(a.fields, b.fields, strict=True)))
    if (oa := choices(a)) is not None and (ob := choices(b)) is not None:
        return one_of(oa + tuple(o for o in ob if o not in oa))
    if _number(a) and _number(b):
        return Int(None)  # a Python number either way (a dropout of 0.1 or 0): which one unknown
    if isinstance(a, L.Layer) and isinstance(b, L.Layer) and a.kind == b.kind:
        if a.cst is b.cst and a.params == b.params:
            return a
        # layers of one kind built in different places (the first cell of a stack and the
        # rest): what they agree on is known, the rest unknown
        params = {k: join(a.p(k), b.p(k), flag) for k in {*a.params, *b.params}}
        others: list[Any] = []
        for c in (*a.also_built, b.cst, *b.also_built):
            if c is not None and c is not a.cst and not any(c is o for o in others):
                others.append(c)
        return L.Layer(a.kind, params, a.cst, a.name if a.name == b.name else None,
                       node=a.node, also_built=tuple(others))
    if type(a) is type(b) and a == b:
        return a
    if isinstance(a, L.Layer) and is_none(b) or isinstance(b, L.Layer) and is_none(a):
        # a layer built on one path and None on the other (built for one mode only)
        layer = a if isinstance(a, L.Layer) else b
        assert isinstance(layer, L.Layer)
        return layer if layer.or_none else replace(layer, or_none=True)
    if isinstance(a, Obj | Modules) and isinstance(b, Obj | Modules):
        return _modules(a, b, flag)
    return UNKNOWN


def _modules(a: Obj | Modules, b: Obj | Modules, flag: Flag | None) -> Value:
    """Two user modules (or choices of them) where branches meet: one of them, which one the
    caller's configuration decides (at most MAX_ALTS; more, unknown)."""
    opts: list[Obj] = []
    for v in (a, b):
        for o in (v.options if isinstance(v, Modules) else (v,)):
            if not any(o is x for x in opts):
                opts.append(o)
    if len(opts) == 1:
        return opts[0]
    if len(opts) > MAX_ALTS:
        return UNKNOWN
    two = isinstance(a, Obj) and isinstance(b, Obj)
    return Modules(tuple(opts), flag if two else None)


def _either_width(a: Tensor, b: Tensor, flag: Flag) -> Tensor | None:
    """One unsolved input after an ``if flag:`` whose branches differ only in a last layer
    that sets its width (``x = self.fc(x)`` on one branch, ``x`` as it came on the other): the
    input carried on with that width under the flag, for the consumer to solve."""
    if a.shape is not None or b.shape is not None or a.hole is None or b.hole is None \
            or a.hole[0] != b.hole[0]:
        return None

    def split(steps: tuple[Any, ...]) -> tuple[tuple[Any, ...], Expr | None]:
        if len(steps) >= 2 and steps[-1][0] == "out_width" and steps[-2][0] == "replace_last":
            return steps[:-2], steps[-2][1]
        return steps, None

    sa, sb = split(a.hole[1]), split(b.hole[1])
    if sa[0] != sb[0] or len(sa[0]) == len(a.hole[1]) and len(sb[0]) == len(b.hole[1]):
        return None  # not one width set on a branch
    if any(len(s[0]) < len(h) and s[1] is None for s, h in ((sa, a.hole[1]), (sb, b.hole[1]))):
        return None  # a layer whose width is unknown
    t, f = (sb[1], sa[1]) if flag.negated else (sa[1], sb[1])
    step = ("replace_last_if", (flag.name, t, f))
    return Tensor(None, a.dtype if a.dtype == b.dtype else None,
                  hole=(a.hole[0], sa[0] + (step,)))


def choices(v: Value) -> tuple[str, ...] | None:
    """The strings ``v`` may be: a known string's own, a :class:`Choice`'s options."""
    if isinstance(v, Const) and isinstance(v.value, str):
        return (v.value,)
    if isinstance(v, Choice):
        return v.options
    return None


def one_of(options: tuple[str, ...]) -> Value:
    return Const(options[0]) if len(options) == 1 else Choice(options)


def _number(v: Value) -> bool:
    return isinstance(v, Int) or (isinstance(v, Const) and isinstance(v.value, int | float)
                                  and not isinstance(v.value, bool))


def join_dicts(a: dict[str, Value], b: dict[str, Value], flag: Flag | None) -> dict[str, Value]:
    """Names after an if/else, in a fixed order (``a``'s, then those ``b`` alone set); most
    are the same object on both branches (set before the if), kept without a join."""
    out: dict[str, Value] = {}
    for k, x in a.items():
        y = b.get(k, _MISSING)
        if y is x:
            out[k] = x
        elif y is _MISSING:  # set on one branch only: keep layers and modules, forget the rest
            out[k] = x if isinstance(x, _KEPT) else UNKNOWN
        else:
            out[k] = join(x, y, flag)  # type: ignore[arg-type]
    for k, y in b.items():
        if k not in a:
            out[k] = y if isinstance(y, _KEPT) else UNKNOWN
    return out


_MISSING = object()
_KEPT = (L.Layer, Obj, Modules)


def _seq_len(v: Seq) -> Expr | None:
    return const(len(v.items)) if v.repeated is None else v.length


def _seq_elems(v: Seq) -> list[Value]:
    return list(v.items) if v.repeated is None else [v.repeated]


def join_loop(before: dict[str, Value], start: dict[str, Value], after: dict[str, Value],
               count: Expr | None) -> dict[str, Value]:
    """State after a loop: ``before`` it, and one iteration from ``start`` to ``after``."""
    out: dict[str, Value] = {}
    for k in set(before) | set(after):
        if k not in before:
            out[k] = after[k]
            continue
        if k not in after:
            out[k] = before[k]
            continue
        b, s, a = before[k], start.get(k, before[k]), after[k]
        if isinstance(b, Seq) and isinstance(s, Seq) and isinstance(a, Seq):
            la, ls, lb = _seq_len(a), _seq_len(s), _seq_len(b)
            per = (la - ls) if la is not None and ls is not None else None
            elems = _seq_elems(b) + _seq_elems(a)
            # a list, or a tuple grown by one item a pass (pooled = pooled + (h,)); a tuple
            # that keeps its length (a state (h, c)) is joined item by item below
            grows = b.is_list or (per is not None and per.as_int() == 1 and count is not None)
            if elems and grows:
                elem = elems[0]
                for x in elems[1:]:
                    elem = join(elem, x)
                length = None
                if per is not None and per.as_int() == 1 and count is not None and lb is not None:
                    length = lb + count
                elif per is not None and per.as_int() == 0:
                    out[k] = a if a == b else Seq((), True, elem, lb)
                    continue
                tail = _grown_by(b, a) if length is not None else None
                if tail is not None:
                    out[k] = Seq((), b.is_list, elem, length, head=b.items, tail=tail)
                    continue
                out[k] = Seq((), b.is_list, elem, length)
                continue
        if isinstance(b, Record) and isinstance(s, Record) and isinstance(a, Record) \
                and [f for f, _ in b.fields] == [f for f, _ in a.fields] \
                and {f for f, _ in s.fields} == {f for f, _ in b.fields}:
            # a dict of lists grown in the loop (attns["std"].append(p)): key by key
            inner = join_loop(dict(b.fields), dict(s.fields), dict(a.fields), count)
            out[k] = Record(tuple((f, inner[f]) for f, _ in b.fields))
            continue
        out[k] = join(b, a)
    return out


def _grown_by(before: Seq, after: Seq) -> Value | None:
    """The item one loop pass appends to a list whose items before the loop are known: the
    list after the pass is those items and one more (the first pass), or keeps them as its
    head and grows its tail (a later pass)."""
    if before.repeated is not None:
        return None
    n = len(before.items)
    if after.repeated is None:
        if len(after.items) == n + 1 and after.items[:n] == before.items:
            return after.items[n]
        return None
    if after.tail is not None and after.head == before.items:
        return after.tail
    return None


def truth(v: Value) -> bool | Flag | None:
    if isinstance(v, Const):
        if isinstance(v.value, bool | int | float | str) or v.value is None:
            return bool(v.value)
        return None
    if isinstance(v, Flag):
        return v
    if isinstance(v, Int):
        if v.expr is not None and v.expr.as_int() is not None:
            return bool(v.expr.as_int())
        p = getattr(v, "param", None)
        if p is not None:
            return Flag(p)
        return None
    if isinstance(v, L.Layer) and v.or_none:
        return None
    if isinstance(v, L.Layer | Obj | Modules):
        return True
    if isinstance(v, Seq) and v.repeated is None:
        return bool(v.items)
    if isinstance(v, Record | Match):
        return True
    if isinstance(v, Choice):
        return True if all(v.options) else None
    return None


def boolish(v: Value) -> bool:
    return isinstance(v, Flag) or (isinstance(v, Const) and isinstance(v.value, bool))


def truth_value(t: bool | Flag | None) -> Value:
    if isinstance(t, bool):
        return Const(t)
    if isinstance(t, Flag):
        return t
    return UNKNOWN


def is_none(v: Value) -> bool:
    return isinstance(v, Const) and v.value is None


def uniq(vs: list[Value]) -> list[Value]:
    out: list[Value] = []
    for v in vs:
        if not any(v is o for o in out):
            out.append(v)
    return out
