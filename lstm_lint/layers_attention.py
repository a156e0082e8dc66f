"""The shape functions of torch's attention layers: ``nn.MultiheadAttention``, the Transformer
encoder and decoder layers, their stacks (``nn.TransformerEncoder``/``Decoder``) and
``nn.Transformer``.  Each keeps its input's shape, whose features must be the layer's
``d_model`` (``embed_dim``); the layer model is in :mod:`lstm_lint.layers`."""

from __future__ import annotations

from collections.abc import Sequence

from .layers import SIGNATURES, Layer, Site, check_features
from .symbolic import Expr
from .values import BATCH, FEATURE, TIME, UNKNOWN, Const, Seq, Shape, Tensor, Value

#: a Transformer layer and the stack that repeats it
ENCODER_LAYERS = frozenset({"TransformerEncoderLayer", "TransformerDecoderLayer"})
STACKS = {"TransformerEncoder": ("encoder_layer", "TransformerEncoderLayer"),
          "TransformerDecoder": ("decoder_layer", "TransformerDecoderLayer")}
TRANSFORMERS = ENCODER_LAYERS | set(STACKS) | {"Transformer"}
#: each attention layer's width and its number of heads, which must divide it (torch refuses
#: to build ``nn.MultiheadAttention(10, 4)``)
WIDTH_AND_HEADS = {"MultiheadAttention": ("embed_dim", "num_heads"),
                   **dict.fromkeys(("Transformer", *ENCODER_LAYERS), ("d_model", "nhead"))}


def _bind_query(site: Site, q: Value, E: Expr | None, bf: bool | str | None) -> None:
    """A forward input not solved yet that an attention layer reads first: ``(L, N, E)``, or
    ``(N, L, E)`` batch first."""
    if isinstance(q, Tensor) and q.hole is not None and q.shape is None \
            and isinstance(bf, bool) and E is not None:
        B, T = site.batch_symbol(), site.time_symbol(q.hole[0])
        site.bind_hole(q, Shape((B, T, E) if bf else (T, B, E)),
                       (BATCH, TIME, FEATURE) if bf else (TIME, BATCH, FEATURE), "float")


def apply_mha(site: Site, layer: Layer, args: Sequence[Value]) -> Value:
    q = args[0] if args else UNKNOWN
    k = args[1] if len(args) > 1 else UNKNOWN
    E = layer.size("embed_dim")
    bf = layer.flag("batch_first")
    _bind_query(site, q, E, bf)
    if not isinstance(q, Tensor) or q.shape is None or q.shape.star:
        return Seq((Tensor(None, "float"), Tensor(None, "float")))
    check_features(site, layer, q, E, what="embed_dim")
    dims = q.shape.dims
    out = q.with_(shape=Shape(dims[:-1] + (E,)), width_note=None, rnn=None)
    weights = Tensor(None, "float")
    if len(dims) == 3 and isinstance(k, Tensor) and k.shape is not None and not k.shape.star \
            and len(k.shape.dims) == 3 and isinstance(bf, bool):
        if bf:
            weights = Tensor(Shape((dims[0], dims[1], k.shape.dims[1])), "float")
        else:
            weights = Tensor(Shape((dims[1], dims[0], k.shape.dims[0])), "float")
    return Seq((out, weights))


def _no_custom_decoder(layer: Layer) -> bool:
    """``nn.Transformer`` built without a decoder of the user's own: ``custom_decoder`` left
    out (every default filled in, so no ``**kwargs`` could have passed it) or None."""
    if "custom_decoder" in layer.params:
        given = layer.params["custom_decoder"]
        return isinstance(given, Const) and given.value is None
    return all(p in layer.params for p, d in SIGNATURES["Transformer"] if d is not None)


def apply_transformer(site: Site, layer: Layer, args: Sequence[Value]) -> Value:
    """A Transformer layer, stack or model on its first input (``src``, or ``tgt`` for a
    decoder and ``nn.Transformer``, whose second input is ``tgt``): that input's shape, with
    ``d_model`` features (checked); every input it attends to must have them too."""
    kind = layer.kind
    inner: Layer | None = layer
    if kind in STACKS:
        param, want = STACKS[kind]
        got = layer.p(param)
        inner = got if isinstance(got, Layer) and got.kind == want else None
    if inner is None:
        # a stack of a layer of the user's own: its output is the user's layer's
        x = args[0] if args else UNKNOWN
        return Tensor(None, "float") if isinstance(x, Tensor) else UNKNOWN
    E = inner.size("d_model")
    bf = inner.flag("batch_first")
    main = 1 if kind == "Transformer" else 0
    # the inputs that carry features: an encoder's src (its second positional input is a
    # mask, (T, T)), a decoder's tgt and memory, nn.Transformer's src and tgt; each an input
    # of the caller's not solved yet is solved here, with a length of its own
    carried = args[:1] if inner.kind == "TransformerEncoderLayer" else args[:2]
    for x in carried:
        _bind_query(site, x, E, bf)
    for x in carried:
        if isinstance(x, Tensor) and x.shape is not None:
            check_features(site, layer, x, E, what="d_model")
    x = args[main] if len(args) > main else UNKNOWN
    if not isinstance(x, Tensor):
        return UNKNOWN
    if x.shape is None or kind == "Transformer" and not _no_custom_decoder(layer):
        # (a decoder of the user's own makes nn.Transformer's output)
        return Tensor(None, "float")
    dims = x.shape.dims
    if E is not None and dims:
        # every layer ends in a projection to d_model: the features, whatever arrived
        dims = (*dims[:-1], E)
    return x.with_(shape=Shape(dims, x.shape.star), width_note=None, rnn=None, head=None)
