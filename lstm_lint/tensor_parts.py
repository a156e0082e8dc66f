"""Tensor-method handlers that cut a tensor into pieces or reorder it (``split``/``chunk``,
``sort``/``topk``, selecting along an axis), and the layout steps kept on a forward input of
unknown shape.  :data:`lstm_lint.tensor_methods.METHODS` maps method names to them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from . import ops
from .symbolic import Expr, const
from .torchargs import arg_value
from .values import UNKNOWN, Const, Int, Seq, Shape, Tensor, Value, int_of

if TYPE_CHECKING:
    from .interp.core import Core


def layout_step(name: str, args: list[Value], kwargs: dict[str, Value]
                ) -> tuple[str, object] | None:
    """A layout op on a forward input of unknown shape, kept to be undone when it is solved."""
    ints = [int_of(a) for a in args]
    vals = [i.as_int() if i is not None else None for i in ints]
    if name in ("transpose", "swapaxes", "swapdims") and len(vals) == 2 and None not in vals:
        return ("transpose", (vals[0], vals[1]))
    if name == "t" and not args:
        return ("transpose", (0, 1))
    if name == "narrow" and len(vals) == 3 and vals[0] is not None and not kwargs:
        return ("piece", vals[0])  # a piece of that axis: its length there the caller's
    if name == "permute":
        order = args[0].items if len(args) == 1 and isinstance(args[0], Seq) else args
        ov = [int_of(o) for o in order]
        pv = [o.as_int() if o is not None else None for o in ov]
        if pv and None not in pv:
            return ("permute", tuple(pv))
        return None
    if name in ("unsqueeze", "squeeze") and len(vals) == 1 and vals[0] is not None:
        return (name, vals[0])
    if name in ("unsqueeze", "squeeze") and not args and "dim" in kwargs:
        d = int_of(kwargs["dim"])
        return (name, d.as_int()) if d is not None and d.as_int() is not None else None
    return None


def sort(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
         e: cst.Call) -> Value:
    """``sort``/``argsort`` keep the shape; ``topk(k, dim)`` sets that axis to k."""
    if x.hole is not None and x.shape is None and name in ("sort", "argsort"):
        # of a forward input not solved yet: values and indices shaped like it, solved with it
        # (``lengths.sort(0)``, the lengths then handed to pack_padded_sequence)
        idx = x.with_(dtype="int", rnn=None, what=None, head=None, width_note=None)
        if name == "argsort":
            return it.record("sort", e, [x], idx, label=name)
        return Seq((it.record("sort", e, [x], x.with_(rnn=None, what=None, head=None,
                                                      width_note=None), label=name),
                    idx))
    out: Tensor = x.with_(hole=None, rnn=None, what=None, head=None, width_note=None)
    if name == "topk":
        k = int_of(arg_value(args, kwargs, 0, "k"))
        dim = int_of(arg_value(args, kwargs, 1, "dim", Int(const(-1))))
        if k is None or dim is None or dim.as_int() is None or x.shape is None \
                or x.shape.star:
            out = ops.unknown_like(x)
        else:
            d = dim.as_int()
            assert d is not None
            if not -len(x.shape.dims) <= d < len(x.shape.dims):
                out = ops.unknown_like(x)
            else:
                dims = list(x.shape.dims)
                dims[d] = k
                out = out.with_(shape=Shape(tuple(dims)))
    values = it.record("sort", e, [x], out, label=name)
    assert isinstance(values, Tensor)
    if name == "argsort":
        return values.with_(dtype="int")
    return Seq((values, values.with_(dtype="int")))


def select_items(x: Tensor, dim: Expr | None, idx: Value) -> list[Value]:
    d = dim.as_int() if dim is not None else None
    if d is None or x.shape is None or x.shape.star:
        return [idx]
    if d < 0:
        d += len(x.shape.dims)
    return [ops.SliceVal(Const(None), Const(None), Const(None))] * d + [idx]


def set_axis(it: Core, x: Tensor, dim: Expr | None, n: Expr | None, e: cst.Call,
             label: str) -> Value:
    if x.shape is None or x.shape.star or dim is None or dim.as_int() is None:
        return it.record("reshape", e, [x], ops.unknown_like(x), label=label)
    d = dim.as_int()
    assert d is not None
    rank = len(x.shape.dims)
    if d < 0:
        d += rank
    if not 0 <= d < rank:
        return ops.unknown_like(x)
    dims = list(x.shape.dims)
    dims[d] = n
    return it.record("reshape", e, [x], x.with_(shape=Shape(tuple(dims))), label=label)


def split(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
          e: cst.Call) -> Value:
    if name == "unbind":
        dim = int_of(arg_value(args, kwargs, 0, "dim", Int(const(0))))
        if x.shape is None or x.shape.star or dim is None or dim.as_int() is None:
            return Seq((), False, Tensor(None), None)
        d = dim.as_int()
        assert d is not None
        items = [ops.SliceVal(Const(None), Const(None), Const(None))] * (
            d if d >= 0 else d + len(x.shape.dims)) + [Int(None)]
        one = it.index_value(x, list(items), e)
        return Seq((), False, one, x.shape.dims[d] if -len(x.shape.dims) <= d < len(
            x.shape.dims) else None)
    if name == "chunk" and args:
        n = int_of(args[0])
        dim = int_of(arg_value(args, kwargs, 1, "dim", Int(const(0))))
        if n is None or n.as_int() is None or x.shape is None or x.shape.star or dim is None \
                or dim.as_int() is None:
            return Seq((), False, Tensor(None), None)
        k = n.as_int()
        d = dim.as_int()
        assert k is not None and d is not None
        if not -len(x.shape.dims) <= d < len(x.shape.dims) or k <= 0 or k > 16:
            return Seq((), False, Tensor(None), None)
        size = x.shape.dims[d]
        part = size.floordiv(k) if size is not None and size.floordiv(k) * k == size else None
        dims = list(x.shape.dims)
        dims[d] = part
        t = it.record("split", e, [x], x.with_(shape=Shape(tuple(dims)), width_note=None),
                      label="chunk")
        if part is None:
            # not a multiple of k: torch may give fewer than k chunks (4 rows in 3 chunks
            # are 2 + 2), so neither their number nor their sizes are known
            return Seq((), False, t, None)
        return Seq(tuple(t for _ in range(k)))
    if name in ("split", "split_with_sizes") and (args or kwargs):
        sizes_v = args[0] if args else kwargs.get(
            "split_size_or_sections", kwargs.get("split_size", kwargs.get("split_sizes", UNKNOWN)))
        dim = int_of(arg_value(args, kwargs, 1, "dim", Int(const(0))))
        if x.shape is None or x.shape.star or dim is None or dim.as_int() is None:
            return Seq((), False, Tensor(None), None)
        d = dim.as_int()
        assert d is not None
        if not -len(x.shape.dims) <= d < len(x.shape.dims):
            return Seq((), False, Tensor(None), None)
        return _split_sizes(it, x, d, sizes_v, e)
    return Seq((), False, Tensor(None), None)


def _split_sizes(it: Core, x: Tensor, d: int, sizes_v: Value, e: cst.Call) -> Value:
    """``x.split(s, dim)`` (pieces of s, the last one shorter) or ``x.split([a, b], dim)``."""
    assert x.shape is not None
    axis = x.shape.dims[d]

    def piece(n: Expr | None) -> Tensor:
        dims = list(x.shape.dims)  # type: ignore[union-attr]
        dims[d] = n
        return x.with_(shape=Shape(tuple(dims)), width_note=None, hole=None)

    if isinstance(sizes_v, Seq) and sizes_v.repeated is None:
        parts = [int_of(v) for v in sizes_v.items]
        if len(parts) > 16:
            return Seq((), False, piece(None), const(len(parts)))
        out = tuple(it.record("split", e, [x], piece(n), label="split") for n in parts)
        return Seq(out)
    s = int_of(sizes_v)
    sc = s.as_int() if s is not None else None
    if s is None or sc is not None and sc <= 0:
        return Seq((), False, piece(None), None)
    if sc == 1:
        one = it.record("split", e, [x], piece(const(1)), label="split")
        return Seq((), False, one, axis)
    if axis is not None:
        n = axis.floordiv(s)
        if n * s == axis:  # a multiple: equal pieces
            one = it.record("split", e, [x], piece(s), label="split")
            return Seq((), False, one, n)
        ac = axis.as_int()
        if ac is not None and sc is not None and ac // sc < 16:
            full = it.record("split", e, [x], piece(s), label="split")
            last = piece(const(ac % sc))
            return Seq(tuple(full for _ in range(ac // sc)) + (last,))
    return Seq((), False, piece(None), None)


def pad_op(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
           e: cst.Call, functional: bool) -> Value | None:
    """``F.pad(x, (left, right, top, bottom, ...))``: the pairs pad the last axes, the last
    one first, each axis growing by its two amounts (a negative amount crops); every mode
    (constant, reflect, replicate, circular) keeps the rank.  An amount not known leaves its
    axis unknown; a pad whose number of amounts is not known (or odd, or more pairs than the
    axes known) leaves the whole shape unknown."""
    if not functional or x.shape is None:
        return None
    pad = arg_value(args, kwargs, 0, "pad")
    if not isinstance(pad, Seq) or pad.repeated is not None or pad.tail is not None:
        return None
    amounts = [int_of(p) for p in pad.items]
    pairs = len(amounts) // 2
    dims = list(x.shape.dims)
    if not amounts or len(amounts) % 2 or pairs > len(dims):
        return None
    for i in range(pairs):
        lo, hi, ax = amounts[2 * i], amounts[2 * i + 1], len(dims) - 1 - i
        d = dims[ax]
        dims[ax] = None if d is None or lo is None or hi is None else d + lo + hi
    out = Tensor(Shape(tuple(dims), x.shape.star), x.dtype, x.roles)
    return it.record("call", e, [x], out, label=name)
