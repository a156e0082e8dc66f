"""Calls of ``torch.*``, ``torch.nn.functional.*``, ``torch.nn.utils.rnn.*`` and tensor methods.

The interpreter hands every such call here; this module maps it to the shape operations in
:mod:`lstm_lint.ops` and records it in the dataflow graph.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import libcst as cst

from . import layers as L
from . import ops
from .symbolic import Expr, const
from .values import UNKNOWN, Const, Int, Packed, Seq, Shape, Tensor, Value, int_of

if TYPE_CHECKING:
    from .interp.core import Core

    #: a tensor method's handler: (interpreter, tensor, name, args, keywords, call, called as
    #: ``torch.f(x, ...)``) -> the result, or None when it does not model this call
    MethodHandler = Callable[[Core, Tensor, str, list[Value], dict[str, Value], cst.Call, bool],
                             Value | None]

ELEMENTWISE = frozenset("""abs neg exp log log1p sqrt rsqrt sin cos tanh sigmoid relu relu_ gelu
    silu elu selu leaky_relu softplus hardtanh relu6 mish logsigmoid dropout dropout_ alpha_dropout
    contiguous float double half bfloat16 long int bool byte cpu cuda to detach clone clamp clamp_
    clamp_min clamp_max type type_as masked_fill masked_fill_ fill_ zero_ normal_ uniform_ requires_grad_
    pow mul add sub div mul_ add_ sub_ div_ sign floor ceil round reciprocal square erf
    normalize sigmoid_ tanh_ exp_ abs_ detach_ pin_memory share_memory_ nan_to_num trunc frac
    expm1 tril triu dropout1d dropout2d feature_alpha_dropout instance_norm layer_norm
    softmax log_softmax softmin where lerp maximum minimum fmod remainder bernoulli_ bernoulli
    gumbel_softmax hardsigmoid hardswish sigmoid_ logit relu6_ elu_ selu_ celu celu_
    leaky_relu_ hardtanh_ softsign tanhshrink threshold threshold_ rrelu rrelu_ prelu""".split())
REDUCTIONS = frozenset("""mean sum max min amax amin argmax argmin logsumexp std var prod norm
    median nansum nanmean all any count_nonzero""".split())
FACTORIES = frozenset({"zeros", "ones", "randn", "rand", "empty", "full", "randint", "normal"})
LIKE = frozenset({"zeros_like", "ones_like", "randn_like", "rand_like", "empty_like", "full_like"})
INT_DTYPES = frozenset({"long", "int", "int64", "int32", "bool", "byte", "int16", "int8", "uint8"})
FLOAT_DTYPES = frozenset({"float32", "float", "float64", "float16", "bfloat16", "double", "half"})


#: keywords each handler understands; a call with any other keyword is not modelled (unknown)
_COMMON = frozenset({"out", "memory_format", "non_blocking", "device", "dtype", "copy",
                     "requires_grad", "layout", "pin_memory", "generator"})
_ELEMENTWISE_KW = frozenset("""inplace p training dim min max negative_slope alpha mask value
    tau hard lower upper
    eps beta threshold approximate other lambd weight bias normalized_shape diagonal nan posinf
    neginf exponent condition end decimals input min_val max_val rounding_mode""".split())
KEYWORDS: dict[str, frozenset[str]] = {
    "size": frozenset({"dim"}), "view": frozenset(), "reshape": frozenset({"shape"}),
    "permute": frozenset({"dims"}), "transpose": frozenset({"dim0", "dim1"}),
    "swapaxes": frozenset({"axis0", "axis1"}), "swapdims": frozenset({"dim0", "dim1"}),
    "squeeze": frozenset({"dim"}), "unsqueeze": frozenset({"dim"}),
    "flatten": frozenset({"start_dim", "end_dim"}),
    "chunk": frozenset({"chunks", "dim"}), "split": frozenset({"split_size_or_sections",
                                                               "split_size", "dim"}),
    "unbind": frozenset({"dim"}), "narrow": frozenset({"dim", "start", "length"}),
    "select": frozenset({"dim", "index"}), "index_select": frozenset({"dim", "index"}),
    "gather": frozenset({"dim", "index", "sparse_grad"}),
    "sort": frozenset({"dim", "descending", "stable"}),
    "topk": frozenset({"k", "dim", "largest", "sorted"}),
    "glu": frozenset({"dim", "input"}),
    "embedding": frozenset({"weight", "padding_idx", "max_norm", "norm_type",
                            "scale_grad_by_freq", "sparse"}), "eye": frozenset({"n", "m"}),
    "cat": frozenset({"dim", "tensors"}), "stack": frozenset({"dim", "tensors"}),
    "concat": frozenset({"dim", "tensors"}), "concatenate": frozenset({"dim", "tensors", "axis"}),
}
_REDUCTION_KW = frozenset({"dim", "keepdim", "unbiased", "correction", "p"})
_ALIASES = {"axis": "dim", "keepdims": "keepdim"}


def keywords_ok(name: str, kwargs: dict[str, Value]) -> bool:
    """Does the handler of ``name`` understand every keyword given? (aliases normalised)"""
    if name in KEYWORDS:
        allowed = KEYWORDS[name]
    elif name in REDUCTIONS:
        allowed = _REDUCTION_KW
    elif name in ELEMENTWISE or name in ("softmax", "log_softmax", "softmin"):
        allowed = _ELEMENTWISE_KW
    else:
        allowed = frozenset()
    return all(k in allowed or k in _COMMON for k in kwargs)


def normalise_keywords(kwargs: dict[str, Value]) -> dict[str, Value]:
    return {_ALIASES.get(k, k): v for k, v in kwargs.items()}


def _arg(args: Sequence[Value], kwargs: dict[str, Value], i: int, name: str,
         default: Value = UNKNOWN) -> Value:
    if i < len(args):
        return args[i]
    return kwargs.get(name, default)


def _flag(v: Value) -> bool | None:
    if isinstance(v, Const) and isinstance(v.value, bool | int):
        return bool(v.value)
    if isinstance(v, Int) and v.expr is not None and v.expr.as_int() is not None:
        return bool(v.expr.as_int())
    return None


def dtype_of(v: Value | None) -> str | None:
    """``torch.long`` -> "int", ``torch.float32`` -> "float" (None when not a dtype)."""
    qual = getattr(v, "qual", None)
    if isinstance(qual, str) and qual.startswith("torch.") and qual.count(".") == 1:
        name = qual.split(".")[1]
        if name in INT_DTYPES:
            return "int"
        if name in FLOAT_DTYPES:
            return "float"
    return None


def _dtype(kwargs: dict[str, Value], default: str) -> str:
    return dtype_of(kwargs.get("dtype")) or default


def call(it: Core, qual: str, args: list[Value], kwargs: dict[str, Value],
         e: cst.Call) -> Value:
    """``torch.cat(...)``, ``F.relu(...)``, ``pack_padded_sequence(...)`` and friends."""
    name = qual.rsplit(".", 1)[-1]
    if "**" in kwargs:  # keywords of unknown content
        return Tensor(None) if qual.startswith("torch") else UNKNOWN
    if qual.startswith("torch.nn.utils.rnn."):
        if name == "pack_padded_sequence":
            bf = _flag(_arg(args, kwargs, 2, "batch_first", Const(False)))
            x = args[0] if args else UNKNOWN
            return it.record("pack", e, [x], ops.pack(x, bf), label="pack_padded_sequence")
        if name == "pad_packed_sequence":
            bf = _flag(_arg(args, kwargs, 1, "batch_first", Const(False)))
            p = args[0] if args else UNKNOWN
            out = ops.pad_packed(p, bf)
            total = _arg(args, kwargs, 3, "total_length", Const(None))
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
        dim = int_of(_arg(args, kwargs, 1, "dim", Int(const(0))))
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
        return it.record("cat" if name != "stack" else "stack", e, items, out, label=name)
    if name in FACTORIES:
        if any(k not in _COMMON and k not in ("size", "fill_value", "low", "high", "mean", "std")
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
            t = ops.factory(sizes, _dtype(kwargs, "float"))
        return it.record("factory", e, [], t, label=f"torch.{name}")
    if name in LIKE and args:
        x = args[0]
        if isinstance(x, Tensor):
            return it.record("factory", e, [x], x.with_(hole=None, head=None), label=name)
        return Tensor(None)
    if name == "arange":
        ints = [int_of(a) for a in args]
        n = ints[0] if len(ints) == 1 else (ints[1] - ints[0] if len(ints) >= 2
                                              and ints[0] is not None and ints[1] is not None
                                              and len(ints) == 2 else None)
        return it.record("factory", e, [], Tensor(Shape((n,)), "int"), label="torch.arange")
    if name in ("Tensor", "FloatTensor", "LongTensor", "DoubleTensor", "ByteTensor",
                "BoolTensor", "IntTensor") and args and not kwargs \
            and all(isinstance(a, Int) for a in args):
        # the legacy constructors with sizes: torch.Tensor(layers, hidden) is uninitialised
        dt = "int" if name in ("LongTensor", "ByteTensor", "IntTensor") else (
            "bool" if name == "BoolTensor" else "float")
        return it.record("factory", e, [], ops.factory(args, dt), label=f"torch.{name}")
    if name in ("tensor", "as_tensor") and len(args) == 1 and isinstance(args[0], Tensor) \
            and all(k in _COMMON for k in kwargs):
        # a tensor made from a tensor: the same shape (a copy for torch.tensor)
        x = args[0]
        return x.with_(dtype=_dtype(kwargs, x.dtype or "float") if "dtype" in kwargs else x.dtype,
                       hole=None) if x.hole is None else x
    if name == "eye":
        n_v = _arg(args, kwargs, 0, "n")
        m_v = _arg(args, kwargs, 1, "m", Const(None))
        rows = int_of(n_v)
        cols = rows if isinstance(m_v, Const) and m_v.value is None else int_of(m_v)
        return it.record("factory", e, [], Tensor(Shape((rows, cols)), _dtype(kwargs, "float")),
                         label="torch.eye")
    if name in ("tensor", "as_tensor", "from_numpy", "LongTensor", "FloatTensor", "Tensor",
                "DoubleTensor", "ByteTensor", "BoolTensor", "IntTensor"):
        return Tensor(None)
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
    if not isinstance(recv, Tensor):
        return UNKNOWN
    x = recv
    kwargs = normalise_keywords(kwargs)
    if not keywords_ok(name, kwargs):
        return it.record("call", e, [x], ops.unknown_like(x), label=name)
    if x.hole is not None and x.shape is None:
        step = _layout_step(name, args, kwargs)
        if step is not None:  # the input's layout is solved later from its consumer
            return x.with_(hole=(x.hole[0], x.hole[1] + (step,)))
    handler = METHODS.get(name)
    out = handler(it, x, name, args, kwargs, e, functional) if handler is not None else None
    if out is not None:
        return out
    return it.record("call", e, [x], ops.unknown_like(x), label=name)


# ---- tensor method handlers: (it, x, name, args, kwargs, e, functional) -> Value | None ------


def _size(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
          e: cst.Call, functional: bool) -> Value | None:
    if not args and "dim" not in kwargs:
        return it.size_of(x, None)
    return it.size_of(x, _arg(args, kwargs, 0, "dim"))


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
    dim = int_of(_arg(args, kwargs, 0, "dim", Int(const(-1))))
    return it.record("call", e, [x], ops.glu(x, dim), label="glu")


def _python_value(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
                  e: cst.Call, functional: bool) -> Value | None:
    return UNKNOWN


def _view(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
          e: cst.Call, functional: bool) -> Value | None:
    rec = it.record
    sizes: Sequence[Value] = args
    if len(args) == 1 and isinstance(args[0], Seq):
        s0 = args[0]
        if s0.repeated is not None:
            return rec("reshape", e, [x], ops.unknown_like(x), label=name)
        sizes = s0.items
    if len(args) == 1 and isinstance(args[0], Int) and args[0].expr is None:
        return rec("reshape", e, [x], ops.unknown_like(x), label=name)
    dims = [int_of(s) for s in sizes]
    if any(dtype_of(s) is not None for s in sizes):
        return rec("reshape", e, [x], ops.unknown_like(x), label=name)
    return rec("reshape", e, [x], ops.reshape(x, dims), label=f"{name}", sizes=dims)


def _like_other(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
                e: cst.Call, functional: bool) -> Value | None:
    if not args:
        return None
    other = args[0]
    if isinstance(other, Tensor):
        return it.record("reshape", e, [x], x.with_(shape=other.shape, roles=other.roles,
                                                    hole=None), label=name)
    return ops.unknown_like(x)


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
    d = int_of(_arg(args, kwargs, 0, "dim")) if has else None
    return it.record("squeeze", e, [x], ops.squeeze(x, d, has), label="squeeze")


def _unsqueeze(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
               e: cst.Call, functional: bool) -> Value | None:
    d = int_of(_arg(args, kwargs, 0, "dim"))
    return it.record("unsqueeze", e, [x], ops.unsqueeze(x, d), label="unsqueeze")


def _flatten(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
             e: cst.Call, functional: bool) -> Value | None:
    s = int_of(_arg(args, kwargs, 0, "start_dim", Int(const(0))))
    en = int_of(_arg(args, kwargs, 1, "end_dim", Int(const(-1))))
    return it.record("flatten", e, [x], ops.flatten_shape(x, s, en), label="flatten")


def _int_dtype(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
               e: cst.Call, functional: bool) -> Value | None:
    return x.with_(dtype="int" if name != "bool" else "bool")


def _to(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
        e: cst.Call, functional: bool) -> Value | None:
    for cand in [*args, kwargs.get("dtype")]:
        kind = dtype_of(cand)
        if kind is not None:
            return x.with_(dtype=kind)
    return x


def _float_dtype(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
                 e: cst.Call, functional: bool) -> Value | None:
    return x.with_(dtype="float")


_BINARY = frozenset({"masked_fill", "masked_fill_", "where", "maximum", "minimum", "lerp", "fmod",
                     "remainder", "pow", "mul", "add", "sub", "div", "mul_", "add_", "sub_",
                     "div_", "type_as"})


def _elementwise(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
                 e: cst.Call, functional: bool) -> Value | None:
    if name == "where":
        return _where(it, x, args, kwargs, e, functional)
    binary = name in _BINARY
    operand = args[0] if args else kwargs.get("other")
    if binary and isinstance(operand, Tensor):
        out: Value = ops.broadcast(x, operand)
        if name in ("masked_fill", "masked_fill_", "type_as"):
            out = x if name != "type_as" else x.with_(dtype=operand.dtype)
        return it.record("arith", e, [x, operand], out, label=name)
    if binary and operand is not None and not ops.is_scalar(operand):
        return it.record("arith", e, [x], ops.unknown_like(x), label=name)
    if x.hole is not None:
        return x
    return x.with_()


def _where(it: Core, x: Tensor, args: list[Value], kwargs: dict[str, Value], e: cst.Call,
           functional: bool) -> Value:
    """``torch.where(cond, a, b)`` / ``a.where(cond, b)``: the three broadcast together."""
    if len(args) != 2 or kwargs.keys() - _COMMON:
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
    if args or kwargs.keys() - _COMMON:
        return None
    return it.record("call", e, [x], x.with_(dtype="bool", hole=None, rnn=None, what=None,
                                             width_note=None, head=None), label=name)


def _reduce(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
            e: cst.Call, functional: bool) -> Value | None:
    dim = _arg(args, kwargs, 0, "dim", Const(None))
    keep = _flag(_arg(args, kwargs, 1, "keepdim", Const(False))) or False
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
    sizes = args[0].items if len(args) == 1 and isinstance(args[0], Seq) else args
    if name == "new_full":
        sizes = args[0].items if args and isinstance(args[0], Seq) else []
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
    return it.record(op, e, [x], x.with_(shape=Shape(tuple(dims)),
                                         roles=tuple(roles) if any(roles) else None, hole=None,
                                         rnn=None, what=None, head=None, width_note=None),
                     label=name)


def _split_method(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
                  e: cst.Call, functional: bool) -> Value | None:
    return _split(it, x, name, args, kwargs, e)


def _narrow(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
            e: cst.Call, functional: bool) -> Value | None:
    if len(args) < 3:
        return None
    return _set_axis(it, x, int_of(args[0]), int_of(args[2]), e, "narrow")


def _select(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
            e: cst.Call, functional: bool) -> Value | None:
    if len(args) < 2:
        return None
    return it.index_value(x, _select_items(x, int_of(args[0]), args[1]), e)


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
    return _set_axis(it, x, int_of(args[0]), n, e, "index_select")


def _gather(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
            e: cst.Call, functional: bool) -> Value | None:
    args = _dim_index(args, kwargs)
    if not (len(args) >= 2 and isinstance(args[1], Tensor)):
        return None
    return it.record("gather", e, [x, args[1]], args[1].with_(dtype=x.dtype), label="gather")


def _sort_method(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
                 e: cst.Call, functional: bool) -> Value | None:
    return _sort(it, x, name, args, kwargs, e)


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
    weight = _arg(args, kwargs, 0, "weight")
    if not functional or x.dtype == "float" or not isinstance(weight, Tensor) \
            or weight.shape is None or weight.shape.star or len(weight.shape.dims) != 2 \
            or x.shape is None:
        return Tensor(None)
    roles = None
    if not x.shape.star:
        roles = (x.roles or (None,) * len(x.shape.dims)) + ("feature",)
    out = Tensor(Shape(x.shape.dims + (weight.shape.dims[1],), x.shape.star), "float", roles)
    return it.record("call", e, [x, weight], out, label="embedding")


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
    **dict.fromkeys(("pad", "interpolate", "one_hot", "unfold", "conv1d", "conv2d", "linear",
                     "max_pool1d", "avg_pool1d", "adaptive_max_pool1d", "adaptive_avg_pool1d",
                     "max_pool2d", "avg_pool2d"), _opaque),
    "size": _size,
    **dict.fromkeys(("dim", "ndimension"), _rank),
    **dict.fromkeys(("numel", "nelement"), _count),
    **dict.fromkeys(("item", "tolist"), _python_value),
    **dict.fromkeys(("view", "reshape"), _view),
    **dict.fromkeys(("view_as", "reshape_as", "expand_as"), _like_other),
    "type_as": _first(_like_other, _elementwise),
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
    "select": _select,
    "index_select": _index_select,
    "gather": _gather,
    **dict.fromkeys(("sort", "argsort", "topk"), _sort_method),
    **dict.fromkeys(("bmm", "matmul", "mm"), _matmul),
    **dict.fromkeys(("eq", "ne", "lt", "gt", "le", "ge"), _compare),
    "embedding": _embedding,
    "glu": _glu_method,
    **dict.fromkeys(PREDICATES, _predicate),
}


def _layout_step(name: str, args: list[Value], kwargs: dict[str, Value]
                 ) -> tuple[str, object] | None:
    """A layout op on a forward input of unknown shape, kept to be undone when it is solved."""
    ints = [int_of(a) for a in args]
    vals = [i.as_int() if i is not None else None for i in ints]
    if name in ("transpose", "swapaxes", "swapdims") and len(vals) == 2 and None not in vals:
        return ("transpose", (vals[0], vals[1]))
    if name == "t" and not args:
        return ("transpose", (0, 1))
    if name == "permute":
        order = args[0].items if len(args) == 1 and isinstance(args[0], Seq) else args
        ov = [int_of(o) for o in order]
        pv = [o.as_int() if o is not None else None for o in ov]
        if pv and None not in pv:
            return ("permute", tuple(pv))
        return None
    if name in ("unsqueeze", "squeeze") and len(vals) == 1 and vals[0] is not None:
        return (name, vals[0])
    if name == "unsqueeze" and "dim" in kwargs:
        d = int_of(kwargs["dim"])
        return ("unsqueeze", d.as_int()) if d is not None and d.as_int() is not None else None
    return None


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


def _sort(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
          e: cst.Call) -> Value:
    """``sort``/``argsort`` keep the shape; ``topk(k, dim)`` sets that axis to k."""
    out: Tensor = x.with_(hole=None, rnn=None, what=None, head=None, width_note=None)
    if name == "topk":
        k = int_of(_arg(args, kwargs, 0, "k"))
        dim = int_of(_arg(args, kwargs, 1, "dim", Int(const(-1))))
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


def _select_items(x: Tensor, dim: Expr | None, idx: Value) -> list[Value]:
    d = dim.as_int() if dim is not None else None
    if d is None or x.shape is None or x.shape.star:
        return [idx]
    if d < 0:
        d += len(x.shape.dims)
    return [ops.SliceVal(Const(None), Const(None), Const(None))] * d + [idx]


def _set_axis(it: Core, x: Tensor, dim: Expr | None, n: Expr | None, e: cst.Call,
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


def _split(it: Core, x: Tensor, name: str, args: list[Value], kwargs: dict[str, Value],
           e: cst.Call) -> Value:
    if name == "unbind":
        dim = int_of(_arg(args, kwargs, 0, "dim", Int(const(0))))
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
        dim = int_of(_arg(args, kwargs, 1, "dim", Int(const(0))))
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
        dim = int_of(_arg(args, kwargs, 1, "dim", Int(const(0))))
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


#: functional regression losses, checked like their modules (per-step predictions vs one
#: target per sequence)
_REGRESSION = {"mse_loss": "MSELoss", "l1_loss": "L1Loss", "smooth_l1_loss": "SmoothL1Loss",
               "huber_loss": "HuberLoss"}
