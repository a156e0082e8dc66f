"""Tensor methods (``x.view(...)``, ``x.transpose(...)``, ...; also ``torch.f(x, ...)``
forwarded with x first): :func:`method` and the handler of each method in :data:`METHODS`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from . import ops
from .squeeze_sizes import squeeze_free_sizes
from .symbolic import Expr, const
from .tensor_parts import layout_step, pad_op, select_items, set_axis, sort, split
from .torchargs import (
    COMMON_KWARGS,
    ELEMENTWISE,
    REDUCTIONS,
    arg_value,
    dtype_of,
    flag_of,
    keywords_ok,
    normalise_keywords,
)
from .values import (
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
    from .torchargs import MethodHandler


def method(it: Core, recv: Value, name: str, args: list[Value], kwargs: dict[str, Value],
           e: cst.Call, functional: bool = False) -> Value:
    """Tensor methods: ``x.view(...)``; also ``torch.f(x, ...)`` forwarded with x first.

    Each method has its handler in :data:`METHODS`; a method without one, or one its handler
    does not model (the handler answers None), gives a tensor of unknown shape.
    """
    if isinstance(recv, Packed):
        if name in ("to", "cuda", "cpu"):
            return recv
        return UNKNOWN
    if recv is UNKNOWN and name in _NEW_SIZED:
        # weight.new_zeros(L, B, H), weight from next(self.parameters()): the sizes given
        # make the tensor whatever the receiver (only tensors have these methods)
        recv = Tensor(None)
    elif recv is UNKNOWN and name == "permute":
        recv = Tensor(None)  # only tensors have it: its rank is the number of axes given
    if not isinstance(recv, Tensor):
        return UNKNOWN
    x = recv
    kwargs = normalise_keywords(kwargs)
    if not keywords_ok(name, kwargs):
        return it.record("call", e, [x], ops.unknown_like(x), label=name)
    if x.hole is not None and x.shape is None:
        step = layout_step(name, args, kwargs)
        if step is not None:  # the input's layout is solved later from its consumer
            return x.with_(hole=(x.hole[0], x.hole[1] + (step,)))
        cut = _cut_step(name, args, kwargs)
        if cut is not None:  # pieces of an input to be solved: solved from a piece's consumer
            return Seq((), False, x.with_(hole=(x.hole[0], x.hole[1] + (cut,))), None)
    handler = METHODS.get(name)
    out = handler(it, x, name, args, kwargs, e, functional) if handler is not None else None
    if out is not None:
        return out
    return it.record("call", e, [x], ops.unknown_like(x), label=name)


_NEW_SIZED = frozenset(("new_zeros", "new_ones", "new_empty", "new_full"))


# ---- tensor method handlers: (it, x, name, args, kwargs, e, functional) -> Value | None ------


def _size(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
          e: cst.Call, functional: bool) -> Value | None:
    if not args and "dim" not in kwargs:
        return it.size_of(x, None)
    return it.size_of(x, arg_value(args, kwargs, 0, "dim"))


def _rank(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
          e: cst.Call, functional: bool) -> Value | None:
    r = x.shape.rank if x.shape is not None else None
    return Int(const(r) if r is not None else None)


def _count(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
           e: cst.Call, functional: bool) -> Value | None:
    if x.shape is None or x.shape.star:
        return Int(None)
    return Int(ops.product(x.shape.dims))


def _glu_method(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
                e: cst.Call, functional: bool) -> Value | None:
    if not functional:
        return None  # F.glu only: a tensor has no glu method
    dim = int_of(arg_value(args, kwargs, 0, "dim", Int(const(-1))))
    return it.record("call", e, [x], ops.glu(x, dim), label="glu")


def _python_value(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
                  e: cst.Call, functional: bool) -> Value | None:
    return UNKNOWN


def _view(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
          e: cst.Call, functional: bool) -> Value | None:
    rec = it.record
    sizes = size_args(args)
    if sizes is None:  # x.view(size) of an unknown size: any number of axes
        return rec("reshape", e, [x], ops.unknown_like(x), label=name)
    if len(args) == 1 and isinstance(args[0], Int) and args[0].expr is None:
        return rec("reshape", e, [x], ops.unknown_like(x), label=name)
    dims = [int_of(s) for s in sizes]
    if any(dtype_of(s) is not None for s in sizes):
        return rec("reshape", e, [x], ops.unknown_like(x), label=name)
    out = ops.reshape(x, dims)
    if x.shape is None and out.shape is not None and (held := it.numel_of_hole(x)) is not None:
        # an input nothing has solved, reshaped with one -1: that axis holds what the other
        # sizes leave of its element count (x.view(-1, 28, 28): x_numel // 784)
        minus = [i for i, d in enumerate(dims) if d is not None and d.as_int() == -1]
        rest = [d for i, d in enumerate(dims) if i not in minus]
        if len(minus) == 1 and all(d is not None and d.as_int() != 0 for d in rest):
            per = ops.product(rest)
            q = held.floordiv(per) if per is not None else None
            dl = list(out.shape.dims)
            dl[minus[0]] = q
            out = out.with_(shape=Shape(tuple(dl)))
    return rec("reshape", e, [x], out, label=f"{name}", sizes=dims)


def _like_other(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
                e: cst.Call, functional: bool) -> Value | None:
    if not args:
        return None
    other = args[0]
    if isinstance(other, Tensor) and other.shape is None and other.hole is not None:
        # shaped like an input not solved yet: exactly its shape, so whatever solves this
        # value solves that input (mask.expand_as(x) * x)
        return it.record("reshape", e, [x], x.with_(shape=None, roles=None, hole=other.hole),
                         label=name)
    if isinstance(other, Tensor):
        return it.record("reshape", e, [x], x.with_(shape=other.shape, roles=other.roles,
                                                    hole=None), label=name)
    return ops.unknown_like(x)


def _type_as(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
             e: cst.Call, functional: bool) -> Value | None:
    """``x.type_as(other)``: ``x`` in ``other``'s dtype (and device); its shape stays ``x``'s
    (review rv27: it had taken ``other``'s shape, as ``expand_as`` does)."""
    other = args[0] if args else kwargs.get("other")
    return x.with_(dtype=other.dtype) if isinstance(other, Tensor) else x


def _permute(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
             e: cst.Call, functional: bool) -> Value | None:
    order = args[0].items if len(args) == 1 and isinstance(args[0], Seq) else args
    return it.record("permute", e, [x], ops.permute(x, [int_of(o) for o in order]),
                     label="permute", order=[int_of(o) for o in order])


def _transpose(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
               e: cst.Call, functional: bool) -> Value | None:
    if len(args) < 2:
        return None
    a, b = int_of(args[0]), int_of(args[1])
    label = name if name.endswith("_") else "transpose"
    return it.record("transpose", e, [x], ops.transpose(x, a, b), label=label, axes=(a, b))


def _t(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
       e: cst.Call, functional: bool) -> Value | None:
    return it.record("transpose", e, [x], ops.transpose(x, const(0), const(1)), label="t")


def _in_place(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
              e: cst.Call, functional: bool) -> Value | None:
    """``x.unsqueeze_(d)`` is ``x.unsqueeze(d)`` (the caller rebinds ``x``)."""
    return method(it, x, name[:-1], args, kwargs, e)


def _new(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
         e: cst.Call, functional: bool) -> Value | None:
    if not (args and all(isinstance(a, Int) for a in args)):
        return None
    return it.record("factory", e, [x], ops.factory(args, x.dtype), label="new")


def _squeeze(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
             e: cst.Call, functional: bool) -> Value | None:
    has = bool(args) or "dim" in kwargs
    d = int_of(arg_value(args, kwargs, 0, "dim")) if has else None
    out = ops.squeeze(x, d, has)
    assumed: list[Expr] = []
    dropped: list[Expr] = []
    if out.shape is None and (not has or d is not None):
        out, assumed, dropped = squeeze_free_sizes(it, x, out, d)
    res = it.record("squeeze", e, [x], out, label="squeeze")
    node = res.node if isinstance(res, Tensor) else None
    call = f"x.squeeze({d})" if d is not None else "x.squeeze()"
    for a in assumed:
        it.graph.add_constraint(a, const(1), f"{call} would drop it too", node, op="!=")
    for a in dropped:
        it.graph.add_constraint(a, const(1), f"{call} drops it", node)
    return res


def _unsqueeze(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
               e: cst.Call, functional: bool) -> Value | None:
    d = int_of(arg_value(args, kwargs, 0, "dim"))
    return it.record("unsqueeze", e, [x], ops.unsqueeze(x, d), label="unsqueeze")


def _flatten(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
             e: cst.Call, functional: bool) -> Value | None:
    s = int_of(arg_value(args, kwargs, 0, "start_dim", Int(const(0))))
    en = int_of(arg_value(args, kwargs, 1, "end_dim", Int(const(-1))))
    return it.record("flatten", e, [x], ops.flatten_shape(x, s, en), label="flatten")


def _int_dtype(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
               e: cst.Call, functional: bool) -> Value | None:
    return x.with_(dtype="int" if name != "bool" else "bool")


def _to(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
        e: cst.Call, functional: bool) -> Value | None:
    for cand in [*args, kwargs.get("dtype")]:
        kind = dtype_of(cand)
        if kind is not None:
            return x.with_(dtype=kind, floor=x.floor)
    return x


def _float_dtype(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
                 e: cst.Call, functional: bool) -> Value | None:
    return x.with_(dtype="float", floor=x.floor)


_BINARY = frozenset({"masked_fill", "masked_fill_", "where", "maximum", "minimum", "lerp", "fmod",
                     "remainder", "pow", "mul", "add", "sub", "div", "mul_", "add_", "sub_",
                     "div_"})


def _elementwise(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
                 e: cst.Call, functional: bool) -> Value | None:
    if name == "where":
        return _where(it, x, args, kwargs, e, functional)
    binary = name in _BINARY
    operand = args[0] if args else kwargs.get("other")
    if binary and isinstance(operand, Tensor):
        out: Value = ops.broadcast(x, operand)
        if name in ("masked_fill", "masked_fill_"):
            out = x
        elif name.endswith("_") and not functional:
            out = ops.inplace(x, out)  # x.add_(y) is x, updated: its shape stays x's
        return it.record("arith", e, [x, operand], out, label=name)
    if binary and operand is not None and not ops.is_scalar(operand):
        out = ops.unknown_like(x)
        if name.endswith("_") and not functional:
            out = ops.inplace(x, out)
        return it.record("arith", e, [x], out, label=name)
    if x.hole is not None:
        return x
    return x.with_(floor=x.floor)  # every axis as it came: a width floor stays


def _where(it: Core, x: Tensor, args: list[Value], kwargs: dict[str, Value], e: cst.Call,
           functional: bool) -> Value:
    """``torch.where(cond, a, b)`` / ``a.where(cond, b)``: the three broadcast together."""
    if len(args) != 2 or kwargs.keys() - COMMON_KWARGS:
        return UNKNOWN if functional else ops.unknown_like(x)
    parts = [x, *args]
    if not all(isinstance(p, Tensor) or ops.is_scalar(p) for p in parts):
        return ops.unknown_like(x)
    out: Value = parts[0]
    for p in parts[1:]:
        out = ops.broadcast(out, p)
    if not isinstance(out, Tensor):
        return ops.unknown_like(x)
    values = [p for p in (args if functional else [x, args[1]]) if isinstance(p, Tensor)]
    dtype = values[0].dtype if values and all(v.dtype == values[0].dtype for v in values) \
        else None
    return it.record("arith", e, [p for p in parts if isinstance(p, Tensor)],
                     out.with_(dtype=dtype), label="where")


#: elementwise tests: the shape of the input, as booleans
PREDICATES = frozenset({"isnan", "isinf", "isfinite", "isneginf", "isposinf", "isreal",
                        "signbit", "logical_not"})


def _predicate(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
               e: cst.Call, functional: bool) -> Value | None:
    if args or kwargs.keys() - COMMON_KWARGS:
        return None
    return it.record("call", e, [x], x.with_(dtype="bool", hole=None, rnn=None, what=None,
                                             width_note=None, head=None), label=name)


def _reduce(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
            e: cst.Call, functional: bool) -> Value | None:
    dim = arg_value(args, kwargs, 0, "dim", Const(None))
    keep = flag_of(arg_value(args, kwargs, 1, "keepdim", Const(False))) or False
    if name in ("max", "min", "median") and isinstance(dim, Tensor):
        return it.record("arith", e, [x, dim], ops.broadcast(x, dim), label=name)
    out = ops.reduce(x, dim, keep)
    if name in ("argmax", "argmin"):
        out = out.with_(dtype="int")
    if name in ("all", "any"):
        out = out.with_(dtype="bool")
    node = it.record("reduce", e, [x], out, label=name)
    if name in ("max", "min", "median") and not (isinstance(dim, Const) and dim.value is None):
        assert isinstance(node, Tensor)
        return Seq((node, node.with_(dtype="int")))  # (values, indices)
    return node


def _sized(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
           e: cst.Call, functional: bool) -> Value | None:
    """``expand``, ``repeat`` and ``new_zeros``/``new_full``...: the sizes given."""
    if name == "new_tensor":
        return Tensor(None)
    given = size_args(args[:1] if name == "new_full" else args)
    if given is None or name == "new_full" and not args:
        # x.new_zeros(size), x.expand(size) of an unknown size: any number of axes
        if name.startswith("new_"):
            return it.record("factory", e, [x], Tensor(None, x.dtype), label=name)
        return it.record("reshape", e, [x], ops.unknown_like(x), label=name)
    sizes = given
    dims = [int_of(s) for s in sizes]
    if name == "expand" and x.shape is not None and not x.shape.star:
        ex = x.shape.dims
        off = len(dims) - len(ex)
        dims = [ex[i - off] if d is not None and d.as_int() == -1 and i >= off else d
                for i, d in enumerate(dims)]
    if name == "expand":  # -1 keeps an axis whose size is not known here
        dims = [None if d is not None and d.as_int() == -1 else d for d in dims]
    if name == "repeat":
        if x.shape is None or x.shape.star or len(dims) < len(x.shape.dims):
            return it.record("reshape", e, [x], ops.unknown_like(x), label=name)
        ex = x.shape.dims
        off = len(dims) - len(ex)
        dims = [d if i < off else (None if d is None or ex[i - off] is None
                                   else d * ex[i - off])  # type: ignore[operator]
                for i, d in enumerate(dims)]
    op = "factory" if name.startswith("new_") else "reshape"
    roles = [getattr(v, "role", None) for v in sizes] if op == "factory" else []
    rec = it.record(op, e, [x], x.with_(shape=Shape(tuple(dims)),
                                        roles=tuple(roles) if any(roles) else None, hole=None,
                                        rnn=None, what=None, head=None, width_note=None),
                    label=name)
    if name != "repeat":  # the size values themselves: which variable sized an axis
        it.note_sizes(rec, sizes)
    return rec


def _split_method(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
                  e: cst.Call, functional: bool) -> Value | None:
    return split(it, x, name, args, kwargs, e)


def _narrow(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
            e: cst.Call, functional: bool) -> Value | None:
    # x.narrow(dim, start, length), any of them by keyword: the axis keeps ``length``
    dim, length = arg_value(args, kwargs, 0, "dim", UNKNOWN), arg_value(args, kwargs, 2, "length", UNKNOWN)
    if dim is UNKNOWN or length is UNKNOWN:
        return None
    return set_axis(it, x, int_of(dim), int_of(length), e, "narrow")


def _one_hot(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
             e: cst.Call, functional: bool) -> Value | None:
    """``F.one_hot(x, num_classes)``: one more axis, of ``num_classes`` (the data's largest
    value plus one when it is -1 or not given: unknown); int64 whatever came in."""
    k = int_of(arg_value(args, kwargs, 0, "num_classes", Int(const(-1))))
    if k is not None and k.as_int() is not None and k.as_int() < 0:  # type: ignore[operator]
        k = None
    if x.shape is None and x.hole is not None and k is not None:
        # an input still to be solved: its axes, then the classes (as an embedding's)
        return x.with_(hole=(x.hole[0], x.hole[1] + (("drop_last", k),)), dtype="int")
    if x.shape is None:
        return None
    return it.record("reshape", e, [x], x.with_(
        shape=Shape(x.shape.dims + (k,), x.shape.star), dtype="int",
        roles=x.roles + (None,) if x.roles is not None else None, hole=None, rnn=None,
        what=None, head=None, width_note=None), label=name)


def _masked_select(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
                   e: cst.Call, functional: bool) -> Value | None:
    """``torch.masked_select(x, mask)``: the selected elements in one axis, as many as the
    mask (broadcast) holds True values: the data's count, unknown."""
    return it.record("index", e, [x], x.with_(shape=Shape((None,)), roles=None, hole=None,
                                              rnn=None, what=None, head=None, width_note=None),
                     label=name)


def _select(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
            e: cst.Call, functional: bool) -> Value | None:
    if len(args) < 2:
        return None
    return it.index_value(x, select_items(x, int_of(args[0]), args[1]), e)


def _dim_index(args: list[Value], kwargs: dict[str, Value]) -> list[Value]:
    """``(dim, index)`` given positionally or both by keyword."""
    if not args and "dim" in kwargs and "index" in kwargs:
        return [kwargs["dim"], kwargs["index"]]
    return args


def _index_select(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
                  e: cst.Call, functional: bool) -> Value | None:
    args = _dim_index(args, kwargs)
    if len(args) < 2:
        return None
    idx = args[1]
    n = idx.shape.dims[0] if isinstance(idx, Tensor) and idx.shape and not idx.shape.star \
        and len(idx.shape.dims) == 1 else None
    return set_axis(it, x, int_of(args[0]), n, e, "index_select")


def _gather(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
            e: cst.Call, functional: bool) -> Value | None:
    args = _dim_index(args, kwargs)
    if not (len(args) >= 2 and isinstance(args[1], Tensor)):
        return None
    return it.record("gather", e, [x, args[1]], args[1].with_(dtype=x.dtype), label="gather")


def _sort_method(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
                 e: cst.Call, functional: bool) -> Value | None:
    return sort(it, x, name, args, kwargs, e)


def _matmul(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
            e: cst.Call, functional: bool) -> Value | None:
    if not (args and isinstance(args[0], Tensor)):
        return None
    return it.record("matmul", e, [x, args[0]], ops.matmul(x, args[0], name), label=name)


def _compare(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
             e: cst.Call, functional: bool) -> Value | None:
    if not args:
        return None
    out = ops.broadcast(x, args[0])
    return out.with_(dtype="bool") if isinstance(out, Tensor) else UNKNOWN


def _embedding(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
               e: cst.Call, functional: bool) -> Value | None:
    """``F.embedding(input, weight)``: each index of ``input`` becomes a row of ``weight``."""
    weight = arg_value(args, kwargs, 0, "weight")
    if functional and x.hole is not None and x.shape is None and x.dtype != "float" \
            and isinstance(weight, Tensor) and weight.shape is not None \
            and not weight.shape.star and len(weight.shape.dims) == 2:
        # indices of an input not solved yet: what solves the embedding solves them, less
        # the last axis (as an nn.Embedding does)
        out = x.with_(hole=(x.hole[0], x.hole[1] + (("drop_last", weight.shape.dims[1]),)),
                      dtype="float")
        return it.record("call", e, [x, weight], out, label="embedding")
    if not functional or x.dtype == "float" or not isinstance(weight, Tensor) \
            or weight.shape is None or weight.shape.star or len(weight.shape.dims) != 2 \
            or x.shape is None:
        return Tensor(None)
    roles = None
    if not x.shape.star:
        roles = (x.roles or (None,) * len(x.shape.dims)) + ("feature",)
    out = Tensor(Shape(x.shape.dims + (weight.shape.dims[1],), x.shape.star), "float", roles)
    return it.record("call", e, [x, weight], out, label="embedding")


def _multinomial(it: Core, x: Tensor, name: str, args: list[Value],
                 kwargs: dict[str, Value], e: cst.Call, functional: bool) -> Value | None:
    """``probs.multinomial(n)``: n indices drawn from each row, ``(n,)`` from ``(V,)`` and
    ``(B, n)`` from ``(B, V)``."""
    if x.shape is None or x.shape.star or len(x.shape.dims) not in (1, 2):
        return None
    n = int_of(arg_value(args, kwargs, 0, "num_samples"))
    roles = (x.roles[0], None) if x.roles and len(x.shape.dims) == 2 else None
    out = Tensor(Shape(x.shape.dims[:-1] + (n,)), "int", roles)
    return it.record("call", e, [x], out, label=name)


def _opaque(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
            e: cst.Call, functional: bool) -> Value | None:
    """Known, but not modelled: a tensor of unknown shape."""
    return it.record("call", e, [x], ops.unknown_like(x), label=name)


def _first(*handlers: MethodHandler) -> MethodHandler:
    """The first of ``handlers`` that models the call."""
    def run(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
            e: cst.Call, functional: bool) -> Value | None:
        for h in handlers:
            out = h(it, x, name, args, kwargs, e, functional)
            if out is not None:
                return out
        return None
    return run


#: the handler of each tensor method; later entries win over the families spread first
METHODS: dict[str, MethodHandler] = {
    **dict.fromkeys(ELEMENTWISE | {"softmax", "log_softmax", "softmin"}, _elementwise),
    **dict.fromkeys(REDUCTIONS, _reduce),
    **dict.fromkeys(("interpolate", "unfold", "conv1d", "conv2d", "linear",
                     "max_pool1d", "avg_pool1d", "adaptive_max_pool1d", "adaptive_avg_pool1d",
                     "max_pool2d", "avg_pool2d"), _opaque),
    "pad": pad_op,
    **dict.fromkeys(("cumprod", "logcumsumexp"), _elementwise),  # every axis as it came
    "size": _size,
    **dict.fromkeys(("dim", "ndimension"), _rank),
    **dict.fromkeys(("numel", "nelement"), _count),
    **dict.fromkeys(("item", "tolist"), _python_value),
    **dict.fromkeys(("view", "reshape"), _view),
    **dict.fromkeys(("view_as", "reshape_as", "expand_as"), _like_other),
    "type_as": _type_as,
    "permute": _permute,
    **dict.fromkeys(("transpose", "swapaxes", "swapdims", "transpose_", "swapaxes_", "swapdims_"),
                    _transpose),
    **dict.fromkeys(("t", "t_"), _t),
    **dict.fromkeys(("unsqueeze_", "squeeze_"), _in_place),
    "new": _new,
    "squeeze": _squeeze,
    "unsqueeze": _unsqueeze,
    "flatten": _flatten,
    **dict.fromkeys(("long", "int", "bool", "byte"), _int_dtype),
    **dict.fromkeys(("to", "type"), _to),
    **dict.fromkeys(("float", "double", "half", "bfloat16"), _float_dtype),
    **dict.fromkeys(("expand", "repeat", "new_zeros", "new_ones", "new_empty", "new_full",
                     "new_tensor"), _sized),
    **dict.fromkeys(("chunk", "split", "unbind", "split_with_sizes", "tensor_split"),
                    _split_method),
    "narrow": _narrow,
    "one_hot": _one_hot,
    "masked_select": _masked_select,
    "select": _select,
    "index_select": _index_select,
    "gather": _gather,
    **dict.fromkeys(("sort", "argsort", "topk"), _sort_method),
    **dict.fromkeys(("bmm", "matmul", "mm"), _matmul),
    **dict.fromkeys(("eq", "ne", "lt", "gt", "le", "ge"), _compare),
    "embedding": _embedding,
    "multinomial": _multinomial,
    "glu": _glu_method,
    **dict.fromkeys(PREDICATES, _predicate),
}


def _cut_step(name: str, args: list[Value], kwargs: dict[str, Value]
              ) -> tuple[str, int] | None:
    """``x.split(s, dim)``/``x.chunk(k, dim)`` (pieces along ``dim``: "piece") or
    ``x.unbind(dim)`` (slices without it: "slice_of") of an input not solved yet; the axis
    must be a literal."""
    if name in ("split", "chunk"):
        if not args and "split_size" not in kwargs and "chunks" not in kwargs:
            return None
        dim = int_of(args[1] if len(args) > 1 else kwargs.get("dim", Int(const(0))))
        step = "piece"
    elif name == "unbind":
        dim = int_of(args[0] if args else kwargs.get("dim", Int(const(0))))
        step = "slice_of"
    else:
        return None
    d = dim.as_int() if dim is not None else None
    return (step, d) if d is not None else None
