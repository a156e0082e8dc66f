"""Subscripts: ``x[...]`` of a tensor (recorded as an index op), a sequence, a record, a
mapping or a caller's value, and of a forward input nothing has solved yet (a part of a tuple,
a dict batch's key, rows or cuts of a tensor the consumer that solves it undoes).
"""

from __future__ import annotations

import libcst as cst

from .. import ops
from ..symbolic import Expr, const, sym
from ..values import UNKNOWN, Const, Int, Mapping, Record, Seq, Tensor, Value, int_of
from .caller_stores import caller_item, stored_key
from .core import Core
from .joins import is_none, join
from .objects import Env


class Subscripts(Core):
    """``base[items]``."""

    def subscript_item(self, s: cst.BaseSlice, env: Env) -> Value:
        """One item of a subscript: a slice (its bounds evaluated) or an index's value."""
        if type(s) is cst.Slice:
            return ops.SliceVal(
                self.eval(s.lower, env) if s.lower is not None else Const(None),
                self.eval(s.upper, env) if s.upper is not None else Const(None),
                self.eval(s.step, env) if s.step is not None else Const(None),
            )
        return self.eval(s.value, env) if isinstance(s, cst.Index) else UNKNOWN

    def subscript(self, e: cst.Subscript, env: Env) -> Value:
        if type(e.value) is cst.Attribute and e.value.attr.value == "shape" \
                and len(e.slice) == 1 and isinstance(e.slice[0].slice, cst.Index):
            # x.shape[k] of an input nothing has solved yet: as x.size(k)
            owner = self.eval(e.value.value, env)
            if isinstance(owner, Tensor) and owner.shape is None:
                k = int_of(self.eval(e.slice[0].slice.value, env))
                kc = k.as_int() if k is not None else None
                if kc is not None and (held := self.hole_axis(owner, kc)) is not None:
                    return held
            base = self.attribute(owner, "shape", e.value)
        else:
            base = self.eval(e.value, env)
        items = [self.subscript_item(el.slice, env) for el in e.slice]
        if isinstance(base, Tensor) and base.hole is not None and base.shape is None \
                and not base.hole[1] and len(items) == 1 and isinstance(items[0], Const) \
                and isinstance(items[0].value, str):
            # a dict batch: each key is an input of its own, solved from its consumers (or
            # what the code stored into it)
            stored = stored_key(self.stored_items, base.hole[0], items[0].value)
            if stored is not None:
                return stored
            return Tensor(None, hole=(f"{base.hole[0]}[{items[0].value!r}]", ()))
        if isinstance(base, Tensor) and base.hole is not None and base.shape is None \
                and len(items) == 1:
            part = self.hole_index(base, items[0])
            if part is not None:
                return part
        if isinstance(base, Tensor) and base.hole is not None and base.shape is None \
                and len(items) > 1:
            cut = hole_cuts(base, items)
            if cut is not None:
                return cut
        if isinstance(base, Tensor):
            return self.index_value(base, items, e)
        if isinstance(base, Seq) and base.sizes_of is not None and len(items) == 1 \
                and isinstance(items[0], Int | Const):
            # ``x.size()[k]`` of an input nothing has solved yet: as ``x.size(k)``
            k = int_of(items[0])
            kc = k.as_int() if k is not None else None
            if kc is not None and (held := self.hole_axis(base.sizes_of, kc)) is not None:
                return held
        if isinstance(base, Seq):
            if len(items) == 1:
                i = int_of(items[0])
                ic = i.as_int() if i is not None else None
                if base.repeated is not None:
                    if isinstance(items[0], ops.SliceVal):
                        return Seq((), base.is_list, base.repeated, slice_count(base.length,
                                                                                 items[0]))
                    return base.repeated
                if ic is not None and -len(base.items) <= ic < len(base.items):
                    return base.items[ic]
                if isinstance(items[0], Int) and ic is None and base.items:
                    # an index known only at run time: one of the elements
                    one = base.items[0]
                    for x in base.items[1:]:
                        one = join(one, x)
                    return one
                if isinstance(items[0], ops.SliceVal):
                    sv = items[0]
                    lo, hi = int_of(sv.start), int_of(sv.stop)
                    lo_c = 0 if is_none(sv.start) else (lo.as_int() if lo is not None else None)
                    hi_c = len(base.items) if is_none(sv.stop) else (
                        hi.as_int() if hi is not None else None)
                    if lo_c is not None and hi_c is not None and is_none(sv.step):
                        return Seq(base.items[lo_c:hi_c], base.is_list)
            return UNKNOWN
        if isinstance(base, Record) and len(items) == 1 and isinstance(items[0], Const) \
                and isinstance(items[0].value, str):
            got = base.get(items[0].value)
            return got if got is not None else UNKNOWN
        if isinstance(base, Mapping) and len(items) == 1 \
                and not isinstance(items[0], ops.SliceVal):
            return base.value  # any key it holds gives the one value (a missing one raises)
        if isinstance(base, Int) and base.param and len(items) == 1 \
                and isinstance(items[0], Const) and isinstance(items[0].value, str):
            return caller_item(self.stored_items, f"{base.param}.{items[0].value}")
        if isinstance(base, Int) and base.param and base.expr == sym(base.param) \
                and len(items) == 1 and (item := _small_index(items[0])) is not None:
            # ``output_dim[0]``: an item of a caller's argument, a caller's value of its own
            # (the name ``a, b = output_dim`` gives it too)
            return caller_item(self.stored_items, f"{base.param}[{item}]")
        if isinstance(base, Int) and base.expr is None:
            return UNKNOWN
        return UNKNOWN

    def hole_index(self, x: Tensor, item: Value) -> Tensor | None:
        """``x[k]``, ``x[a:b]`` or ``x[idx]`` (a 1-d index tensor) of a forward input not solved.

        An argument no op has touched, read at a literal ``k >= 0``, may be a tuple: its part
        ``k`` is an input of its own (``hidden[0]``, see :meth:`Core.hole_part`).  Anything
        else indexed there is a tensor (a part of a tuple, a dict's value, or an input a
        layout op ran on): an integer takes one row of axis 0, a slice a piece of it, and the
        consumer that solves the result solves the input with axis 0 a free size (never the
        slice's length).  Other indices, or an argument read at ``-1`` or a run-time index
        (a tuple's last part or a tensor's row?), stay unknown, unless the code read the
        argument's sizes before (see :meth:`read_as_tensor`): then a row or a piece."""
        assert x.hole is not None
        if isinstance(item, Tensor) and item.shape is not None and not item.shape.star \
                and len(item.shape.dims) == 1 and item.dtype != "float":
            # ``x[perm]``, ``x[mask]`` by a 1-d index or mask: some rows of axis 0, as a slice
            return x.with_(hole=(x.hole[0], x.hole[1] + (("rows", None),)))
        whole = self.tuple_hole(x)
        is_int = isinstance(item, Int) or (isinstance(item, Const) and type(item.value) is int)
        if whole is not None:
            k = int_of(item) if is_int else None
            kc = k.as_int() if k is not None else None
            if kc is not None and kc >= 0 and kc < 64:
                return self.hole_part(whole, kc)
            if not self.read_as_tensor(whole):
                return None
        if is_int:
            return x.with_(hole=(x.hole[0], x.hole[1] + (("row", None),)))
        if isinstance(item, ops.SliceVal):
            return x.with_(hole=(x.hole[0], x.hole[1] + (("rows", None),)))
        return None

    def read_as_tensor(self, name: str) -> bool:
        """Whether the code has read a forward input's sizes (``x.size(1)``, ``x.shape[0]``,
        ``a, b, c = x.shape``): only a tensor has them, so it is no tuple (an index of it is
        a row, a slice a piece of its first axis)."""
        return name in self.unpacked or any(h == name for h, _k in self.hole_axes.values())

    def index_value(self, t: Tensor, items: list[Value], e: cst.CSTNode) -> Value:
        out, events = ops.index(t, items)
        label = _index_label(items)
        return self.record("index", e, [t], out, label=label, events=events, source=t)


def hole_cuts(x: Tensor, items: list[Value]) -> Tensor | None:
    """``x[:, :, 0]``, ``x[..., :k]``, ``x[:, t:t + 1]`` of a forward input not solved yet.

    An index of several items is a tensor's (a tuple takes one index), so each item becomes a
    step the consumer that solves the result undoes: a slice cuts a piece of its axis (the
    input's length there is a free size, never the slice's), an integer takes one slice of
    it, ``None`` adds an axis, a full ``:`` keeps it.  Items after ``...`` count from the last
    axis.  Anything else (a tensor or a bool index, two ``...``) stays unknown."""
    assert x.hole is not None
    kinds: list[str] = []
    for it in items:
        if isinstance(it, Const) and it.value is Ellipsis:
            kinds.append("...")
        elif isinstance(it, Const) and it.value is None:
            kinds.append("new")
        elif isinstance(it, ops.SliceVal):
            full = is_none(it.start) and is_none(it.stop) and is_none(it.step)
            kinds.append("all" if full else "cut")
        elif isinstance(it, Int) or (isinstance(it, Const) and type(it.value) is int):
            kinds.append("int")
        else:
            return None
    if kinds.count("...") > 1:
        return None
    split = kinds.index("...") if "..." in kinds else len(kinds)
    steps: list[tuple[str, int]] = []
    pos = 0  # axis of the next item in the value the steps so far made
    for k in kinds[:split]:
        if k == "cut":
            steps.append(("piece", pos))
        elif k == "int":
            steps.append(("slice_of", pos))
            continue  # the axis is gone: the next item reads the same position
        elif k == "new":
            steps.append(("unsqueeze", pos))
        pos += 1
    back = 1  # after ``...``: the next item (from the right) is axis -back
    for k in reversed(kinds[split + 1:]):
        if k == "cut":
            steps.append(("piece", -back))
        elif k == "int":
            steps.append(("slice_of", -back))
            continue
        elif k == "new":
            steps.append(("unsqueeze", -back))
        back += 1
    return x.with_(hole=(x.hole[0], x.hole[1] + tuple(steps)))


def _small_index(v: Value) -> int | None:
    """A non-negative constant index below 16, else None."""
    k = v.value if isinstance(v, Const) and type(v.value) is int else \
        v.expr.as_int() if isinstance(v, Int) and v.expr is not None else None
    return k if k is not None and 0 <= k < 16 else None


def slice_count(length: Expr | None, sv: ops.SliceVal) -> Expr | None:
    """How many elements ``seq[a:b]`` has, for a sequence of ``length`` elements."""
    if length is None or not is_none(sv.step):
        return None
    lo, hi = int_of(sv.start), int_of(sv.stop)
    lo_c = 0 if is_none(sv.start) else (lo.as_int() if lo is not None else None)
    hi_c = None if is_none(sv.stop) else (hi.as_int() if hi is not None else None)
    n = length.as_int()
    if lo_c is None or (hi_c is None and not is_none(sv.stop)):
        return None
    if n is not None:
        return const(len(range(n)[lo_c:hi_c]))
    if hi_c is None and lo_c >= 0 and ops.nonneg(length - lo_c):
        return length - lo_c  # seq[k:] of a sequence at least k long
    return None


def _index_label(items: list[Value]) -> str:
    parts = []
    for it in items:
        if isinstance(it, ops.SliceVal):
            lo = "" if is_none(it.start) else _short(it.start)
            hi = "" if is_none(it.stop) else _short(it.stop)
            parts.append(f"{lo}:{hi}")
        elif isinstance(it, Const) and it.value is Ellipsis:
            parts.append("...")
        elif isinstance(it, Const) and it.value is None:
            parts.append("None")
        else:
            parts.append(_short(it))
    return "[" + ", ".join(parts) + "]"


def _short(v: Value) -> str:
    if isinstance(v, Int) and v.expr is not None:
        return str(v.expr)
    if isinstance(v, Tensor):
        return "tensor"
    return "?"
