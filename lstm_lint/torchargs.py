"""The vocabulary shared by the torch-function and tensor-method models: which names are
elementwise ops, reductions, factories; the keywords each accepts; reading an argument by
position or keyword; dtypes.  Used by :mod:`lstm_lint.torchfns` and
:mod:`lstm_lint.tensor_methods`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import libcst as cst

from .values import UNKNOWN, Const, Int, Tensor, Value

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
COMMON_KWARGS = frozenset({"out", "memory_format", "non_blocking", "device", "dtype", "copy",
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
    "multinomial": frozenset({"num_samples", "replacement"}),
    "one_hot": frozenset({"num_classes"}), "masked_select": frozenset({"mask"}),
    "embedding": frozenset({"weight", "padding_idx", "max_norm", "norm_type",
                            "scale_grad_by_freq", "sparse"}), "eye": frozenset({"n", "m"}),
    "pad": frozenset({"pad", "mode", "value"}),
    # a running product along one axis (cumsum stays unmodelled: the tests' op not known)
    "cumprod": frozenset({"dim"}),
    "logcumsumexp": frozenset({"dim"}),
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
    return all(k in allowed or k in COMMON_KWARGS for k in kwargs)


def normalise_keywords(kwargs: dict[str, Value]) -> dict[str, Value]:
    return {_ALIASES.get(k, k): v for k, v in kwargs.items()}


def arg_value(args: Sequence[Value], kwargs: dict[str, Value], i: int, name: str,
              default: Value = UNKNOWN) -> Value:
    if i < len(args):
        return args[i]
    return kwargs.get(name, default)


def flag_of(v: Value) -> bool | None:
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


def dtype_kwarg(kwargs: dict[str, Value], default: str) -> str:
    return dtype_of(kwargs.get("dtype")) or default
