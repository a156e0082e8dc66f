"""Calls of ``torch.*``, ``torch.nn.functional.*``, ``torch.nn.utils.rnn.*`` and tensor methods.

The interpreter hands every such call here; this module maps it to the shape operations in
:mod:`lstm_lint.ops` and records it in the dataflow graph.

Tensor methods are modelled in :mod:`lstm_lint.tensor_methods`; the shared vocabulary is in
:mod:`lstm_lint.torchargs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import libcst as cst

from . import layers as L
from . import numpy_arrays, ops
from .symbolic import Expr, const, tie
from .tensor_methods import method
from .torchargs import (
    COMMON_KWARGS,
    FACTORIES,
    KEYWORDS,
    LIKE,
    arg_value,
    dtype_kwarg,
    flag_of,
    keywords_ok,
    normalise_keywords,
)
from .values import (
    BATCH,
    TIME,
    UNKNOWN,
    Const,
    Int,
    Packed,
    Seq,
    Shape,
    Tensor,
    Value,
    int_of,
    size_args,
)

if TYPE_CHECKING:
    from .interp.core import Core


def call(it: Core, qual: str, args: list[Value], kwargs: dict[str, Value],
         e: cst.Call) -> Value:
    """``torch.cat(...)``, ``F.relu(...)``, ``pack_padded_sequence(...)`` and friends."""
    name = qual.rsplit(".", 1)[-1]
    if "**" in kwargs:  # keywords of unknown content
        return Tensor(None) if qual.startswith("torch") else UNKNOWN
    if qual.startswith("torch.nn.utils.rnn."):
        if name == "pack_padded_sequence":
            bf = flag_of(arg_value(args, kwargs, 2, "batch_first", Const(False)))
            x = args[0] if args else UNKNOWN
            lengths = arg_value(args, kwargs, 1, "lengths", UNKNOWN)
            if isinstance(lengths, Tensor) and lengths.hole is not None and lengths.shape is None:
                # one length per sequence of the batch (a 1-d tensor, on the CPU)
                it.bind_hole(lengths, Shape((it.batch_symbol(),)), (BATCH,), "int")
            return it.record("pack", e, [x], ops.pack(x, bf), label="pack_padded_sequence")
        if name == "pack_sequence":
            # pad_sequence (time-major) packed: steps of one sequence after another, of a batch
            # and lengths the list tells at run time
            return it.record("pack", e, [], Packed(Tensor(None, "float"), False),
                             label="pack_sequence")
        if name == "PackedSequence":
            # built from packed data (steps of all sequences, then features): a batch layout
            # is what pad_packed_sequence is asked for, nothing the data says
            return it.record("pack", e, [], Packed(Tensor(None, "float"), None),
                             label="PackedSequence")
        if name == "pad_packed_sequence":
            bf = flag_of(arg_value(args, kwargs, 1, "batch_first", Const(False)))
            p = args[0] if args else UNKNOWN
            out = ops.pad_packed(p, bf)
            total = arg_value(args, kwargs, 3, "total_length", Const(None))
            out = _padded_length(it, out, bf, total)
            return it.record("unpack", e, [p], out, label="pad_packed_sequence")
        if name == "pad_sequence":
            return Tensor(None)
        return UNKNOWN
    functional = qual.startswith("torch.nn.functional.")
    if not (qual.startswith("torch.") or functional):
        # an unknown library: whatever it returns is unknown
        return UNKNOWN
    kwargs = normalise_keywords(kwargs)
    if name in ("cat", "concat", "concatenate", "stack") and "tensors" in kwargs and not args:
        args = [kwargs["tensors"]]
    if name in KEYWORDS and not keywords_ok(name, kwargs):
        return Tensor(None)
    if name in ("cat", "concat", "concatenate", "stack") and args:
        seq = args[0]
        dim = int_of(arg_value(args, kwargs, 1, "dim", Int(const(0))))
        if isinstance(seq, Seq) and seq.repeated is not None and seq.length is not None \
                and not seq.head and id(e) in it.unconditional_joins \
                and seq.length.as_int() is None:
            it.nonempty.add(seq.length)  # PyTorch raises on an empty list: it has an item
        if isinstance(seq, Seq) and seq.repeated is not None:
            if name == "stack" and seq.length is not None and isinstance(seq.repeated, Tensor):
                one = seq.repeated
                out = ops.cat([one], dim, stack=True)
                if out.shape is not None and not out.shape.star and dim is not None:
                    a = dim.as_int()
                    if a is not None:
                        a = a if a >= 0 else a + len(out.shape.dims)
                        dims = list(out.shape.dims)
                        if 0 <= a < len(dims):
                            dims[a] = seq.length
                            roles = list(out.roles) if out.roles else None
                            if roles is not None and one.roles is not None:
                                roles[a] = "time" if it.loop_iters == [] and "time" not in \
                                    one.roles else None
                            out = out.with_(shape=Shape(tuple(dims)),
                                            roles=tuple(roles) if roles else None)
                return it.record("stack", e, [one], out, label=name)
            if name != "stack" and seq.length is not None and isinstance(seq.repeated, Tensor):
                # n equal parts joined along an axis: that axis is n times as long
                one = seq.repeated
                out = ops.cat([one], dim)
                if out.shape is not None and not out.shape.star and dim is not None \
                        and dim.as_int() is not None:
                    a = dim.as_int()
                    assert a is not None
                    a = a if a >= 0 else a + len(out.shape.dims)
                    dims = list(out.shape.dims)
                    if 0 <= a < len(dims):
                        part = dims[a]
                        dims[a] = None if part is None else part * seq.length
                        out = out.with_(shape=Shape(tuple(dims)), width_note=None)
                        return it.record("cat", e, [one], out, label=name)
            if isinstance(seq.repeated, Tensor) and seq.length is None:
                # a list grown in a loop of unknown count: every axis but the joined one is
                # each element's; the joined one is unknown
                one = seq.repeated
                out = ops.cat([one], dim, stack=(name == "stack"))
                axis = dim.as_int() if dim is not None else None
                oshape = out.shape
                if oshape is not None and axis is not None:
                    rank = len(oshape.dims)
                    if oshape.star and axis >= 0 or not -rank <= axis < rank:
                        out = ops.unknown_like(out)
                    else:
                        joined: list[Expr | None] = list(oshape.dims)
                        joined[axis] = None
                        out = out.with_(shape=Shape(tuple(joined), oshape.star), width_note=None)
                return it.record("stack" if name == "stack" else "cat", e, [one], out, label=name)
            return it.record(name, e, [], Tensor(None), label=name)
        items = list(seq.items) if isinstance(seq, Seq) else []
        out = ops.cat(items, dim, stack=(name == "stack")) if items else Tensor(None)
        carried = None if name == "stack" else _joined_hole(items, dim)
        if carried is None and name != "stack":
            carried = _joined_holes(it, items, dim)
            if carried is not None:
                rec = it.record("cat", e, items, carried, label=name)
                _tie_parts(it, items, dim, name, rec)  # the known parts still agree
                return rec
        if carried is not None:
            # the consumer solves the input (its width less the other parts'); the binding
            # from the other parts alone stands only where none does
            it.fallbacks.append(lambda: _solve_parts(it, items, out, dim, False))
            rec = it.record("cat", e, items, carried, label=name)
            _tie_parts(it, items, dim, name, rec)  # the known parts still agree
            return rec
        _solve_parts(it, items, out, dim, name == "stack")
        rec = it.record("cat" if name != "stack" else "stack", e, items, out, label=name)
        _tie_parts(it, items, dim, name, rec)
        if name != "stack":
            _per_step_beside_per_sequence(it, items, rec)
        return rec
    if name in FACTORIES:
        if any(k not in COMMON_KWARGS and k not in ("size", "fill_value", "low", "high", "mean", "std")
               for k in kwargs):
            return Tensor(None)
        sizes = args
        if "size" in kwargs and name != "randint":
            sizes = [kwargs["size"]]
        if name == "full":
            sizes = args[:1] or ([kwargs["size"]] if "size" in kwargs else [])
        if name == "randint":
            size_v = kwargs.get("size", args[-1] if args else UNKNOWN)
            sizes = [size_v]
            t = ops.factory(sizes, "int")
        elif name == "normal":
            return Tensor(None)
        else:
            t = ops.factory(sizes, dtype_kwarg(kwargs, "float"))
        rec = it.record("factory", e, [], t, label=f"torch.{name}")
        # the size values themselves: which of the code's variables sized an axis
        it.note_sizes(rec, size_args(sizes) if name != "randint" else None)
        return rec
    if name in LIKE and args:
        x = args[0]
        if isinstance(x, Tensor):
            return it.record("factory", e, [x], x.with_(hole=None, head=None), label=name)
        return Tensor(None)
    if name == "arange":
        return it.record("factory", e, [], Tensor(Shape((_arange_len(args, kwargs),)), "int"),
                         label="torch.arange")
    if name in ("Tensor", "FloatTensor", "LongTensor", "DoubleTensor", "ByteTensor",
                "BoolTensor", "IntTensor") and len(args) >= 2 and not kwargs \
            and all(isinstance(a, Int) or a is UNKNOWN for a in args):
        # two or more positional arguments can only be sizes (data is a single argument)
        args = [a if isinstance(a, Int) else Int(None) for a in args]
    if name in ("Tensor", "FloatTensor", "LongTensor", "DoubleTensor", "ByteTensor",
                "BoolTensor", "IntTensor") and len(args) == 1 and not kwargs \
            and isinstance(args[0], Seq) and args[0].torch_size and args[0].repeated is None \
            and all(isinstance(a, Int) for a in args[0].items):
        # torch.Tensor(x.size()): a torch.Size is read as sizes (a tuple of numbers is data)
        args = list(args[0].items)
    if name in ("Tensor", "FloatTensor", "LongTensor", "DoubleTensor", "ByteTensor",
                "BoolTensor", "IntTensor") and args and not kwargs \
            and all(isinstance(a, Int) for a in args):
        # the legacy constructors with sizes: torch.Tensor(layers, hidden) is uninitialised
        dt = "int" if name in ("LongTensor", "ByteTensor", "IntTensor") else (
            "bool" if name == "BoolTensor" else "float")
        return it.record("factory", e, [], ops.factory(args, dt), label=f"torch.{name}")
    if name in _FROM_DATA and len(args) == 1 and isinstance(args[0], Seq) \
            and (name in ("tensor", "as_tensor") and all(k in COMMON_KWARGS for k in kwargs)
                 or not kwargs and args[0].is_list):
        # (a legacy constructor reads a tuple, torch.Tensor(x.size()), as sizes: lists only)
        made = _from_numbers(args[0], name, kwargs)
        if made is not None:
            return it.record("factory", e, [], made, label=f"torch.{name}")
    if name in ("tensor", "as_tensor") and len(args) == 1 and all(k in COMMON_KWARGS for k in kwargs) \
            and (isinstance(args[0], Int) or isinstance(args[0], Const)
                 and type(args[0].value) in (bool, int, float)):
        # torch.tensor(1.0), torch.tensor(forget_bias, dtype=...): one number, a 0-d tensor
        v = args[0]
        kind = "int" if isinstance(v, Int) else {bool: "bool", int: "int", float: "float"}[
            type(v.value)]
        return it.record("factory", e, [], Tensor(Shape(()), dtype_kwarg(kwargs, kind)),
                         label=f"torch.{name}")
    if name in ("tensor", "as_tensor") and len(args) == 1 and isinstance(args[0], Tensor) \
            and all(k in COMMON_KWARGS for k in kwargs):
        # a tensor made from a tensor: the same shape (a copy for torch.tensor)
        x = args[0]
        return x.with_(dtype=dtype_kwarg(kwargs, x.dtype or "float") if "dtype" in kwargs else x.dtype,
                       hole=None) if x.hole is None else x
    if name == "eye":
        n_v = arg_value(args, kwargs, 0, "n")
        m_v = arg_value(args, kwargs, 1, "m", Const(None))
        rows = int_of(n_v)
        cols = rows if isinstance(m_v, Const) and m_v.value is None else int_of(m_v)
        return it.record("factory", e, [], Tensor(Shape((rows, cols)), dtype_kwarg(kwargs, "float")),
                         label="torch.eye")
    if name in ("tensor", "as_tensor", "from_numpy", "LongTensor", "FloatTensor", "Tensor",
                "DoubleTensor", "ByteTensor", "BoolTensor", "IntTensor"):
        array = numpy_arrays.to_tensor(it, name, args, kwargs, e)  # of a NumPy array
        return array if array is not None else Tensor(None)
    if qual == "torch.autograd.Variable" or (name == "Variable" and qual.startswith("torch.")):
        return args[0] if args and isinstance(args[0], Tensor) else UNKNOWN
    if name in ("matmul", "bmm", "mm") and len(args) >= 2:
        lhs, rhs = args[0], args[1]
        if isinstance(lhs, Tensor) and isinstance(rhs, Tensor):
            return it.record("matmul", e, [lhs, rhs], ops.matmul(lhs, rhs, name), label=name)
        if lhs is UNKNOWN or rhs is UNKNOWN:
            # both are tensors if the call runs: what the known one fixes is known
            left = lhs if isinstance(lhs, Tensor) else Tensor(None)
            right = rhs if isinstance(rhs, Tensor) else Tensor(None)
            return it.record("matmul", e, [t for t in (lhs, rhs) if isinstance(t, Tensor)],
                             ops.matmul(left, right, name), label=name)
        return Tensor(None)
    if name in ("cross_entropy", "nll_loss") and len(args) >= 2:
        kind = "CrossEntropyLoss" if name == "cross_entropy" else "NLLLoss"
        layer = L.Layer(kind, {}, e, f"F.{name}")
        return it.apply_layer(layer, args[:2], e)
    if name in _REGRESSION and len(args) >= 2:
        layer = L.Layer(_REGRESSION[name], {}, e, f"F.{name}")
        return it.apply_layer(layer, args[:2], e)
    pools = {"max_pool1d": "MaxPool1d", "max_pool2d": "MaxPool2d", "avg_pool1d": "AvgPool1d",
             "avg_pool2d": "AvgPool2d", "adaptive_avg_pool1d": "AdaptiveAvgPool1d",
             "adaptive_max_pool1d": "AdaptiveMaxPool1d"}
    if functional and name in pools and args and isinstance(args[0], Tensor) \
            and not kwargs.get("return_indices") and pools[name] in L.SIGNATURES \
            and all(k in {p for p, _d in L.SIGNATURES[pools[name]]} | {"ceil_mode",
                                                                         "count_include_pad"}
                    for k in kwargs):
        ceil = kwargs.get("ceil_mode", Const(False))
        if not (isinstance(ceil, Const) and not ceil.value):
            return Tensor(None)
        layer = L.Layer(pools[name], L.bind_arguments(pools[name], args[1:], kwargs), e,
                        f"F.{name}")
        return it.apply_layer(layer, args[:1], e)
    if name in ("mse_loss", "l1_loss", "binary_cross_entropy",
                "binary_cross_entropy_with_logits", "smooth_l1_loss", "kl_div"):
        return Tensor(Shape(()), "float", (), what="loss")
    if args and isinstance(args[0], Tensor):
        return method(it, args[0], name, list(args[1:]), kwargs, e, functional=True)
    return UNKNOWN


_FROM_DATA = frozenset({"tensor", "as_tensor", "LongTensor", "FloatTensor", "Tensor",
                        "DoubleTensor", "IntTensor"})


def _from_numbers(seq: Seq, name: str, kwargs: dict[str, Value]) -> Tensor | None:
    """``torch.tensor([a, b, c])`` / ``torch.LongTensor([start] * batch_size)``: a list of
    Python numbers makes a 1-d tensor as long as the list (None when an element may be
    anything else: a list, a tensor, an unknown value)."""
    elems = [seq.repeated] if seq.repeated is not None else list(seq.items)
    length = seq.length if seq.repeated is not None else const(len(seq.items))
    if length is None or not elems and seq.repeated is not None:
        return None
    kinds: set[str] = set()
    for v in elems:
        if isinstance(v, Int):
            kinds.add("int")
        elif isinstance(v, Const) and isinstance(v.value, bool):
            kinds.add("bool")
        elif isinstance(v, Const) and isinstance(v.value, int | float):
            kinds.add("int" if isinstance(v.value, int) else "float")
        else:
            return None
    if name in ("tensor", "as_tensor"):
        dtype = "float" if "float" in kinds else ("bool" if kinds == {"bool"} else "int")
        if not elems:
            dtype = "float"  # torch.tensor([]) is float32
        dtype = dtype_kwarg(kwargs, dtype)
    else:
        dtype = "int" if name in ("LongTensor", "IntTensor") else "float"
    return Tensor(Shape((length,)), dtype)


def _padded_length(it: Core, out: Value, batch_first: bool | None, total: Value) -> Value:
    """pad_packed_sequence pads to ``total_length`` when given, else to the longest length:
    the packed input's time axis only when the batch was padded to its longest sequence (a
    constraint the model needs, shown by ``shapes``)."""
    if not (isinstance(out, Seq) and out.items and isinstance(out.items[0], Tensor)):
        return out
    data = out.items[0]
    if data.shape is None or data.shape.star or len(data.shape.dims) != 3 or batch_first is None:
        return out
    t_ax = 1 if batch_first else 0
    dims = list(data.shape.dims)
    n = int_of(total) if not (isinstance(total, Const) and total.value is None) else None
    if n is not None:
        dims[t_ax] = n
    else:
        t = dims[t_ax]
        if t is None:
            return out
        from .symbolic import sym

        it.constraint(t, sym("max(lengths)"), "pad_packed_sequence pads to the longest")
    return Seq((data.with_(shape=Shape(tuple(dims))), *out.items[1:]), out.is_list)


#: functional regression losses, checked like their modules (per-step predictions vs one
#: target per sequence)
_REGRESSION = {"mse_loss": "MSELoss", "l1_loss": "L1Loss", "smooth_l1_loss": "SmoothL1Loss",
               "huber_loss": "HuberLoss"}


__all__ = ["call", "method"]


def _tie_parts(it: Core, items: Sequence[Value], dim: Expr | None, name: str,
               out: Value) -> None:
    """The parts of a cat/stack agree on every axis but the joined one: where two parts give
    an axis sizes that agree only for some values (``32`` and the batch ``B``), the model
    needs them equal, a constraint recorded at the join (``torch.cat parts, axis 0``)."""
    node = getattr(out, "node", None)
    a = dim.as_int() if dim is not None else None
    shapes = [t.shape for t in items if isinstance(t, Tensor) and t.shape is not None
              and not t.shape.star]
    if node is None or a is None or len(shapes) < 2 or len({len(s.dims) for s in shapes}) != 1:
        return
    rank = len(shapes[0].dims)
    joined = a + (rank + 1 if name == "stack" else rank) if a < 0 else a
    for k in range(rank):
        if name != "stack" and k == joined:
            continue
        known = [d for s in shapes if (d := s.dims[k]) is not None]
        for other in known[1:]:
            t = tie(known[0], other)
            if t is not None:
                it.graph.add_constraint(t[0], t[1], f"torch.{name} parts, axis {k}", node)


def _joined_hole(items: Sequence[Value], dim: Expr | None) -> Tensor | None:
    """``torch.cat((x, known), dim=-1)`` with ``x`` a forward input not solved yet and every
    other part of a known rank and last axis: ``x`` carried on as the join (a step the consumer
    that solves it undoes), else None."""
    holes = [p for p in items if isinstance(p, Tensor) and p.hole is not None and p.shape is None]
    others = [p for p in items if not any(p is h for h in holes)]
    if len(holes) != 1 or not others or dim is None or dim.as_int() is None:
        return None
    hole = holes[0]
    assert hole.hole is not None
    rank: int | None = None
    width: Expr = const(0)
    for p in others:
        if not isinstance(p, Tensor) or p.shape is None or p.shape.star or not p.shape.dims:
            return None
        if rank is not None and len(p.shape.dims) != rank:
            return None
        rank = len(p.shape.dims)
        last = p.shape.dims[-1]
        if last is None:
            return None
        width = width + last
    assert rank is not None
    a = dim.as_int()
    assert a is not None
    if (a if a >= 0 else a + rank) != rank - 1:
        return None
    return hole.with_(hole=(hole.hole[0], hole.hole[1] + (("join_last", (width, rank)),)),
                      width_note=None)


def _joined_holes(it: Core, items: Sequence[Value], dim: Expr | None) -> Tensor | None:
    """``torch.cat([a, b], dim=-1)`` with two or more forward inputs not solved yet (and any
    known parts): the join is carried on as an input of its own, and once a consumer solves it
    (an RNN: ``(T, B, a_w + b_w)``), each input is that shape with a free width of its own on
    the joined axis: PyTorch needs every other axis equal, and the widths are the caller's
    (the consumer then ties their sum to its width), never guessed apart."""
    if dim is None or dim.as_int() != -1:
        return None
    holes = [p for p in items if isinstance(p, Tensor) and p.hole is not None and p.shape is None]
    if len(holes) < 2 or any(h.hole is None or h.hole[1] for h in holes) \
            or len({h.hole for h in holes}) != len(holes):
        return None
    width: Expr = const(0)
    rank: int | None = None
    for p in items:
        if any(p is h for h in holes):
            continue
        if not isinstance(p, Tensor) or p.shape is None or p.shape.star or not p.shape.dims \
                or p.shape.dims[-1] is None or rank not in (None, len(p.shape.dims)):
            return None
        rank = len(p.shape.dims)
        last = p.shape.dims[-1]
        assert last is not None
        width = width + last
    names = [h.hole[0] for h in holes if h.hole is not None]
    joined = "+".join(names)

    def split() -> None:
        bound = it.hole_bindings.get(joined)
        if bound is None:
            return
        shape, roles, dtype = bound
        if shape is None or shape.star or not shape.dims \
                or any(d is None for d in shape.dims[:-1]) or rank not in (None, len(shape.dims)):
            return
        for h in holes:
            assert h.hole is not None
            if h.hole[0] in it.hole_bindings:
                continue
            free = it.free_axis(h.hole[0], list(shape.dims))
            it.bind_hole(h, Shape(shape.dims[:-1] + (free,)),
                         roles[:-1] + (None,) if roles is not None else None, dtype)

    it.fallbacks.append(split)
    steps: tuple[tuple[str, object], ...] = () if rank is None else \
        (("join_last", (width, rank)),)
    return holes[0].with_(hole=(joined, steps), width_note=None)


def _solve_parts(it: Core, items: Sequence[Value], out: Tensor, dim: Expr | None,
                 stack: bool) -> None:
    """A forward input not solved yet, joined with parts whose shape is known: PyTorch needs
    every axis but the joined one equal, so the input is solved from the others (its joined
    axis a free size, a stacked one absent)."""
    if out.shape is None or out.shape.star or dim is None or dim.as_int() is None:
        return
    dims = list(out.shape.dims)
    a = dim.as_int()
    assert a is not None
    a = a if a >= 0 else a + len(dims)
    if not 0 <= a < len(dims):
        return
    for part in items:
        if not (isinstance(part, Tensor) and part.hole is not None and part.shape is None):
            continue
        mine = dims[:a] + dims[a + 1:] if stack else \
            dims[:a] + [it.free_axis(part.hole[0], dims)] + dims[a + 1:]
        if any(d is None for i, d in enumerate(mine) if stack or i != a):
            continue
        roles: tuple[str | None, ...] | None = None
        if out.roles is not None and len(out.roles) == len(dims):
            rl = list(out.roles)
            if stack:
                del rl[a]
            else:
                rl[a] = None
            roles = tuple(rl)
        it.bind_hole(part, Shape(tuple(mine)), roles, None)


def _arange_len(args: list[Value], kwargs: dict[str, Value]) -> Expr | None:
    """How many values ``torch.arange`` gives: ``end - start`` for a step of 1, ``start - end``
    for -1 (``arange(T - 1, -1, -1)``, the time axis reversed), any known step when both bounds
    are numbers; else unknown (a step given by keyword counts)."""
    parts: list[Value | None] = [Int(const(0)), None, Int(const(1))]
    if len(args) == 1:
        parts[1] = args[0]
    elif 2 <= len(args) <= 3:
        parts[:len(args)] = args
    elif args:
        return None
    for i, key in enumerate(("start", "end", "step")):
        if key in kwargs:
            parts[i] = kwargs[key]
    start, end, step = (int_of(v) if v is not None else None for v in parts)
    k = step.as_int() if step is not None else None
    if start is None or end is None or not k:
        return None
    if k == 1:
        return end - start
    if k == -1:
        return start - end
    a, b = start.as_int(), end.as_int()
    return const(len(range(a, b, k))) if a is not None and b is not None else None


def _per_step_beside_per_sequence(it: Core, items: Sequence[Value], rec: Value) -> None:
    """``torch.cat((rnn_out, pooled), dim=1)`` with ``rnn_out`` a sequence at every step
    ``(B, T, H)`` and ``pooled`` one row per sequence ``(B, H)``: torch.cat needs parts of one
    rank and raises.  Where the per-step part was meant to be one step per sequence, the step
    that summarises it is missing (LST401)."""
    node = getattr(rec, "node", None)
    shapes = [v.shape for v in items if isinstance(v, Tensor) and v.shape is not None
              and not v.shape.star]
    if node is None or len(shapes) != len(items):
        return
    parts = [(v, sh.dims) for v, sh in zip(items, shapes, strict=True)
             if isinstance(v, Tensor)]
    step = next((p for p, dims in parts
                 if len(dims) == 3 and {p.role(0), p.role(1)} == {BATCH, TIME}), None)
    if step is None or step.shape is None:
        return
    batch = step.shape.dims[0 if step.role(0) == BATCH else 1]
    for other, dims in parts:
        if len(dims) != 2 or other.shape is None:
            continue
        if other.role(0) != BATCH and (dims[0] is None or dims[0] != batch):
            continue
        it.graph.add_conflict(node, L.Conflict(
            "per_sequence_target", None, f"{other.shape.render()} parts",
            step.shape.render(), tensor=step, target=other, loss="cat"))
        return
