"""The shape functions of the non-recurrent layers the engine knows: linear, embedding,
convolutions and pooling, norms, flatten, losses and ``nn.Sequential`` (attention and
Transformer layers: :mod:`lstm_lint.layers_attention`).
The layer model they work on is in :mod:`lstm_lint.layers`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from . import ops
from .layers import (
    Conflict,
    Layer,
    Site,
    check_features,
    differs,
)
from .symbolic import Expr, const
from .values import (
    BATCH,
    FEATURE,
    TIME,
    UNKNOWN,
    Const,
    Seq,
    Shape,
    Tensor,
    Value,
    dim_str,
    int_of,
)


def apply_linear(site: Site, layer: Layer, args: Sequence[Value]) -> Value:
    x = args[0] if args else UNKNOWN
    fin = layer.size("in_features")
    fout = layer.size("out_features")
    if not isinstance(x, Tensor):
        return Tensor(Shape((fout,), star=True), "float")
    came = ops.as_it_came(x)
    if came is not None:
        x = came  # an undecided rank test left the input as it came on one path
    if x.hole is not None and x.shape is None:
        # (the output's width rides along, a step undone as nothing: see analyze's
        # partial_output)
        return x.with_(shape=None, hole=(x.hole[0], x.hole[1] + (("replace_last", fin),
                                                                  ("out_width", fout))),
                       width_note=None)
    if x.shape is None:
        return Tensor(Shape((fout,), star=True), "float")
    if layer.kind != "LazyLinear":
        check_features(site, layer, x, fin, what="in_features")
    if not x.shape.dims:
        return Tensor(Shape((fout,), star=True), "float")
    head = x.head
    if head is None and x.roles is not None and TIME in x.roles and x.rnn is not None:
        head = site.node
    roles = x.roles[:-1] + (FEATURE,) if x.roles else None
    return x.with_(shape=Shape(x.shape.dims[:-1] + (fout,), x.shape.star), dtype="float",
                   roles=roles, width_note=None, head=head, what="head")


def apply_embedding(site: Site, layer: Layer, args: Sequence[Value]) -> Value:
    x = args[0] if args else UNKNOWN
    E = layer.size("embedding_dim")
    note = f"embedding_dim of {layer.label()}"
    if isinstance(x, Tensor) and x.hole is not None and x.shape is None:
        return x.with_(hole=(x.hole[0], x.hole[1] + (("drop_last", E),)), dtype="float",
                       width_note=note)
    if isinstance(x, Tensor) and x.shape is not None:
        roles = x.roles + (FEATURE,) if x.roles is not None else None
        if roles is None and not x.shape.star:
            roles = (None,) * len(x.shape.dims) + (FEATURE,)  # features last, whatever came in
        return x.with_(shape=Shape(x.shape.dims + (E,), x.shape.star), dtype="float", roles=roles,
                       width_note=note, rnn=None)
    return Tensor(Shape((E,), star=True), "float", width_note=note)


def _tuple_param(layer: Layer, name: str, n: int) -> list[Expr | None]:
    v = layer.p(name)
    if isinstance(v, Seq):
        vals = [int_of(i) for i in v.items]
        return vals if len(vals) == n else [None] * n
    e = int_of(v)
    return [e] * n


def conv_length(L: Expr | None, k: Expr | None, s: Expr | None, p: Expr | None,
                d: Expr | None) -> Expr | None:
    if None in (L, k, s, p, d):
        return None
    assert L is not None and k is not None and s is not None and p is not None and d is not None
    if s.as_int() == 0:
        return None
    return (L + 2 * p - d * (k - 1) - 1).floordiv(s) + 1


def features_last(x: Tensor, ch_axis: int, channels: Expr | None) -> bool:
    """``(N, L, C)`` where ``(N, C, L)`` is read: time on the channel axis and features last,
    or features last of exactly the layer's channel count (an embedding's output)."""
    if x.role(-1) != FEATURE or x.role(ch_axis) == FEATURE:
        return False
    if x.role(ch_axis) == TIME:
        return True
    last = x.shape.dims[-1] if x.shape is not None and x.shape.dims else None
    return channels is not None and last is not None and last == channels


def apply_conv(site: Site, layer: Layer, args: Sequence[Value], nd: int) -> Value:
    x = args[0] if args else UNKNOWN
    Cin = layer.size("in_channels")
    Cout = layer.size("out_channels")
    if isinstance(x, Tensor) and x.hole is not None and x.shape is None:
        if nd == 1:
            site.bind_hole(x, Shape((site.batch_symbol(), Cin, site.time_symbol(x.hole[0]))),
                           (BATCH, FEATURE, TIME), "float")
        elif Cin is not None:
            # (N, C_in, H, W): the batched layout, its two spatial sizes the caller's own
            B = site.batch_symbol()
            H = site.free_axis(x.hole[0], [B, Cin])
            W = site.free_axis(x.hole[0], [B, Cin, H])
            site.bind_hole(x, Shape((B, Cin, H, W)), (BATCH, FEATURE, None, None), "float")
        return Tensor(None, "float")
    if not isinstance(x, Tensor) or x.shape is None or x.shape.star:
        return Tensor(None, "float")
    dims = x.shape.dims
    if len(dims) not in (nd + 1, nd + 2):
        return Tensor(None, "float")
    ch_axis = len(dims) - nd - 1
    # an RNN-style (N, L, C) tensor into a convolution: report the layout, not a width
    if nd == 1 and features_last(x, ch_axis, Cin):
        if Cin is not None and dims[ch_axis] is not None and Cin != dims[ch_axis]:
            site.conflict(Conflict("layout", layer, "(N, C_in, L)", x.shape.render(),
                                   tensor=x, reader="conv"))
        return Tensor(None, "float")
    check_features(site, layer, x, Cin, axis=ch_axis, what="in_channels")
    k = _tuple_param(layer, "kernel_size", nd)
    s = _tuple_param(layer, "stride", nd)
    d = _tuple_param(layer, "dilation", nd)
    pv = layer.p("padding")
    spatial = list(dims[ch_axis + 1:])
    if isinstance(pv, Const) and pv.value == "same":
        out_sp: list[Expr | None] = spatial
    else:
        p = [const(0)] * nd if isinstance(pv, Const) and pv.value == "valid" else _tuple_param(
            layer, "padding", nd)
        out_sp = [conv_length(spatial[i], k[i], s[i], p[i], d[i]) for i in range(nd)]
    roles = None
    if x.roles is not None:
        roles = x.roles[:ch_axis] + (FEATURE,) + x.roles[ch_axis + 1:]
    return x.with_(shape=Shape(dims[:ch_axis] + (Cout,) + tuple(out_sp)), roles=roles,
                   width_note=None, rnn=None)


def apply_pool(site: Site, layer: Layer, args: Sequence[Value], nd: int) -> Value:
    x = args[0] if args else UNKNOWN
    if not isinstance(x, Tensor) or x.shape is None or x.shape.star or len(x.shape.dims) < nd + 1:
        return Tensor(None, "float") if isinstance(x, Tensor) else UNKNOWN
    dims = x.shape.dims
    spatial = list(dims[-nd:])
    if layer.kind.startswith("Adaptive"):
        out = _tuple_param(layer, "output_size", nd)
    else:
        k = _tuple_param(layer, "kernel_size", nd)
        sv = layer.p("stride")
        default_stride = "stride" not in layer.params or (isinstance(sv, Const) and sv.value is None)
        s = k if default_stride else _tuple_param(layer, "stride", nd)
        p = _tuple_param(layer, "padding", nd)
        dil = _tuple_param(layer, "dilation", nd) if "Max" in layer.kind else [const(1)] * nd
        out = [conv_length(spatial[i], k[i], s[i], p[i], dil[i]) for i in range(nd)]
    return x.with_(shape=Shape(dims[:-nd] + tuple(out)), rnn=None)


def apply_layernorm(site: Site, layer: Layer, args: Sequence[Value]) -> Value:
    x = args[0] if args else UNKNOWN
    if not isinstance(x, Tensor):
        return UNKNOWN
    ns = layer.p("normalized_shape")
    expected = [int_of(i) for i in ns.items] if isinstance(ns, Seq) else [int_of(ns)]
    if x.shape is not None and len(x.shape.dims) >= len(expected):
        for i, e in enumerate(reversed(expected)):
            check_features(site, layer, x, e, axis=-1 - i, what="normalized_shape")
    return x


def apply_batchnorm(site: Site, layer: Layer, args: Sequence[Value]) -> Value:
    x = args[0] if args else UNKNOWN
    if isinstance(x, Tensor) and x.shape is not None and not x.shape.star and len(x.shape.dims) >= 2:
        ax = 1
        if layer.kind == "BatchNorm1d" and len(x.shape.dims) == 3 \
                and features_last(x, 1, layer.size("num_features")) \
                and x.shape.dims[1] != layer.size("num_features"):
            site.conflict(Conflict("layout", layer, "(N, C, L)", x.shape.render(),
                                   tensor=x, reader="batchnorm"))
            return x
        check_features(site, layer, x, layer.size("num_features"), axis=ax, what="num_features")
    return x


def apply_flatten(site: Site, layer: Layer, args: Sequence[Value]) -> Value:
    from .ops import flatten_shape  # local: ops imports layers

    x = args[0] if args else UNKNOWN
    if not isinstance(x, Tensor):
        return UNKNOWN
    return flatten_shape(x, int_of(layer.p("start_dim")), int_of(layer.p("end_dim")))


def apply_loss(site: Site, layer: Layer, args: Sequence[Value]) -> Value:
    scalar = Tensor(Shape(()), "float", (), what="loss")
    if len(args) < 2:
        return scalar
    inp, target = args[0], args[1]
    if layer.kind in REGRESSION_LOSSES:
        _regression_target(site, layer, inp, target)
        return scalar
    if layer.kind not in ("CrossEntropyLoss", "NLLLoss"):
        return scalar
    if not isinstance(inp, Tensor) or not isinstance(target, Tensor):
        return scalar
    if inp.shape is None or target.shape is None or inp.shape.star or target.shape.star:
        return scalar
    idims, tdims = inp.shape.dims, target.shape.dims
    if len(idims) == 3 and inp.role(1) == TIME and target.dtype != "float":
        if len(tdims) == 1 and not differs(idims[0], tdims[0]):
            site.conflict(Conflict(
                "per_sequence_target", layer, f"({dim_str(idims[0])}, C) logits",
                inp.shape.render(), tensor=inp, target=target, head=inp.head,
            ))
        elif len(tdims) == 2 and not differs(idims[0], tdims[0]) and not differs(idims[1], tdims[1]) \
                and differs(idims[1], idims[2]):
            site.conflict(Conflict(
                "loss_layout", layer,
                f"({dim_str(idims[0])}, {dim_str(idims[2])}, {dim_str(idims[1])})",
                inp.shape.render(), tensor=inp, target=target,
            ))
    return scalar


REGRESSION_LOSSES = ("MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss")


def _regression_target(site: Site, layer: Layer, inp: Value, target: Value) -> None:
    """A per-step prediction ``(B, T, 1)`` against one target per sequence ``(B,)``: torch
    only warns and broadcasts the error to ``(B, T, B)``."""
    if not isinstance(inp, Tensor) or not isinstance(target, Tensor) or inp.shape is None \
            or target.shape is None or inp.shape.star or target.shape.star:
        return
    idims, tdims = inp.shape.dims, target.shape.dims
    if len(idims) != 3 or len(tdims) != 1:
        return
    t_ax = 1 if inp.role(1) == TIME else 0 if inp.role(0) == TIME else None
    if t_ax is None or inp.role(1 - t_ax) != BATCH:
        return
    b, k = idims[1 - t_ax], idims[2]
    if b is None or tdims[0] is None or k is None or differs(b, tdims[0]):
        return
    if k.as_int() != 1 and k != tdims[0]:
        return  # not broadcastable: torch raises (another finding's business)
    site.conflict(Conflict(
        "per_sequence_target", layer, f"({dim_str(b)},) predictions", inp.shape.render(),
        tensor=inp, target=target, head=inp.head, loss="regression",
        broadcast=Shape(idims[:2] + (tdims[0],)),
    ))


def apply_sequential(site: Site, layer: Layer, args: Sequence[Value],
                     call: Callable[[Value, Sequence[Value]], Value]) -> Value:
    x: Value = args[0] if args else UNKNOWN
    if not layer.children:
        # nn.Sequential() filled later by add_module (or from a list the engine cannot see):
        # not an identity the engine can vouch for
        return Tensor(None) if isinstance(x, Tensor) else UNKNOWN
    for child in layer.children:
        x = call(child, [x])
    return x
