"""Applying a known ``torch.nn`` layer to abstract arguments: the dispatch from a layer's
kind to its shape function in :mod:`lstm_lint.layers_rnn` or :mod:`lstm_lint.layers_other`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from . import ops
from .layers import (
    CELLS,
    LOSSES,
    RECURRENT,
    SHAPE_PRESERVING,
    Layer,
    Site,
    check_features,
)
from .layers_attention import TRANSFORMERS, apply_mha, apply_transformer
from .layers_other import (
    apply_batchnorm,
    apply_conv,
    apply_embedding,
    apply_flatten,
    apply_layernorm,
    apply_linear,
    apply_loss,
    apply_pool,
    apply_sequential,
)
from .layers_rnn import apply_cell, apply_recurrent
from .values import (
    UNKNOWN,
    Shape,
    Tensor,
    Value,
)


def apply_layer(site: Site, layer: Layer, args: Sequence[Value],
                call: Callable[[Value, Sequence[Value]], Value]) -> Value:
    """Apply a known layer; unknown layers give an unknown tensor."""
    k = layer.kind
    if k in RECURRENT:
        return apply_recurrent(site, layer, args)
    if k in CELLS:
        return apply_cell(site, layer, args)
    if k in ("Linear", "LazyLinear"):
        return apply_linear(site, layer, args)
    if k == "Embedding":
        return apply_embedding(site, layer, args)
    if k in ("Conv1d", "Conv2d"):
        return apply_conv(site, layer, args, int(k[-2]))
    if "Pool" in k and k[-2] in "12":
        return apply_pool(site, layer, args, int(k[-2]))
    if k == "LayerNorm":
        return apply_layernorm(site, layer, args)
    if k in ("BatchNorm1d", "BatchNorm2d"):
        return apply_batchnorm(site, layer, args)
    if k == "GLU":
        x = args[0] if args else UNKNOWN
        return ops.glu(x, layer.size("dim")) if isinstance(x, Tensor) else UNKNOWN
    if k in SHAPE_PRESERVING or k in ("Softmax", "LogSoftmax"):
        x = args[0] if args else UNKNOWN
        # (every axis as it came: a torch.cat width floor stays, dropout between cat and layer)
        return x.with_(what=x.what, floor=x.floor) if isinstance(x, Tensor) else UNKNOWN
    if k == "Flatten":
        return apply_flatten(site, layer, args)
    if k == "MultiheadAttention":
        return apply_mha(site, layer, args)
    if k in TRANSFORMERS:
        return apply_transformer(site, layer, args)
    if k in LOSSES:
        return apply_loss(site, layer, args)
    if k == "Sequential":
        return apply_sequential(site, layer, args, call)
    if k == "Bilinear":
        x1 = args[0] if args else UNKNOWN
        x2 = args[1] if len(args) > 1 else UNKNOWN
        if isinstance(x1, Tensor):
            check_features(site, layer, x1, layer.size("in1_features"), what="in1_features")
        if isinstance(x2, Tensor):
            check_features(site, layer, x2, layer.size("in2_features"), what="in2_features")
        if isinstance(x1, Tensor) and x1.shape is not None and x1.shape.dims:
            return x1.with_(shape=Shape(x1.shape.dims[:-1] + (layer.size("out_features"),),
                                        x1.shape.star), width_note=None, rnn=None)
        return Tensor(None, "float")
    return Tensor(None) if args and isinstance(args[0], Tensor) else UNKNOWN
