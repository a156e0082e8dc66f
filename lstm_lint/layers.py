"""What every ``torch.nn`` layer the engine knows does to shapes: stated once, here.

Each layer has a signature (PyTorch's real positional order) and a shape function.  A shape
function receives the abstract arguments of a call and a :class:`Site` to report to; it returns
the abstract result and reports *conflicts*: facts such as "this ``nn.Linear`` expects 64
features and receives ``2*hidden_size``".  Rules decide which conflicts become findings and how
they are worded; they never re-derive what a layer does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import ops
from .symbolic import Expr, cond, const, definitely_different, nonnegative, tie
from .values import (
    BATCH,
    CLASS,
    FEATURE,
    STATE,
    TIME,
    UNKNOWN,
    Const,
    Flag,
    Int,
    Packed,
    RnnInfo,
    Seq,
    Shape,
    Tensor,
    Value,
    dim_str,
    int_of,
)

#: canonical layer names and their constructor parameters in positional order, with defaults
SIGNATURES: dict[str, list[tuple[str, Any]]] = {
    "LSTM": [
        ("input_size", None), ("hidden_size", None), ("num_layers", 1), ("bias", True),
        ("batch_first", False), ("dropout", 0.0), ("bidirectional", False), ("proj_size", 0),
    ],
    "GRU": [
        ("input_size", None), ("hidden_size", None), ("num_layers", 1), ("bias", True),
        ("batch_first", False), ("dropout", 0.0), ("bidirectional", False),
    ],
    "RNN": [
        ("input_size", None), ("hidden_size", None), ("num_layers", 1), ("nonlinearity", "tanh"),
        ("bias", True), ("batch_first", False), ("dropout", 0.0), ("bidirectional", False),
    ],
    # an RNN, GRU or LSTM whose class is chosen at run time (``getattr(nn, rnn_type)(...)``):
    # the three agree on the first three positional parameters and on these keywords (their
    # fourth positional parameter differs: a call with more positional arguments is not bound)
    "RNNBase": [
        ("input_size", None), ("hidden_size", None), ("num_layers", 1), ("batch_first", False),
        ("dropout", 0.0), ("bidirectional", False),
    ],
    "LSTMCell": [("input_size", None), ("hidden_size", None), ("bias", True)],
    "GRUCell": [("input_size", None), ("hidden_size", None), ("bias", True)],
    "RNNCell": [("input_size", None), ("hidden_size", None), ("bias", True), ("nonlinearity", "tanh")],
    "Linear": [("in_features", None), ("out_features", None), ("bias", True)],
    "LazyLinear": [("out_features", None), ("bias", True)],
    "Bilinear": [("in1_features", None), ("in2_features", None), ("out_features", None), ("bias", True)],
    "Embedding": [("num_embeddings", None), ("embedding_dim", None), ("padding_idx", None)],
    "Conv1d": [
        ("in_channels", None), ("out_channels", None), ("kernel_size", None), ("stride", 1),
        ("padding", 0), ("dilation", 1), ("groups", 1), ("bias", True),
    ],
    "Conv2d": [
        ("in_channels", None), ("out_channels", None), ("kernel_size", None), ("stride", 1),
        ("padding", 0), ("dilation", 1), ("groups", 1), ("bias", True),
    ],
    "MaxPool1d": [("kernel_size", None), ("stride", None), ("padding", 0), ("dilation", 1)],
    "MaxPool2d": [("kernel_size", None), ("stride", None), ("padding", 0), ("dilation", 1)],
    "AvgPool1d": [("kernel_size", None), ("stride", None), ("padding", 0)],
    "AvgPool2d": [("kernel_size", None), ("stride", None), ("padding", 0)],
    "AdaptiveAvgPool1d": [("output_size", None)],
    "AdaptiveMaxPool1d": [("output_size", None)],
    "AdaptiveAvgPool2d": [("output_size", None)],
    "AdaptiveMaxPool2d": [("output_size", None)],
    "LayerNorm": [("normalized_shape", None), ("eps", 1e-5), ("elementwise_affine", True)],
    "BatchNorm1d": [("num_features", None)],
    "BatchNorm2d": [("num_features", None)],
    "Flatten": [("start_dim", 1), ("end_dim", -1)],
    "Softmax": [("dim", None)],
    "GLU": [("dim", -1)],
    "LogSoftmax": [("dim", None)],
    "MultiheadAttention": [
        ("embed_dim", None), ("num_heads", None), ("dropout", 0.0), ("bias", True),
        ("add_bias_kv", False), ("add_zero_attn", False), ("kdim", None), ("vdim", None),
        ("batch_first", False),
    ],
    "CrossEntropyLoss": [("weight", None)],
    "NLLLoss": [("weight", None)],
    "MSELoss": [],
    "L1Loss": [],
    "SmoothL1Loss": [],
    "HuberLoss": [],
    "BCEWithLogitsLoss": [("weight", None)],
    "BCELoss": [("weight", None)],
}

#: layers that return their input's shape unchanged
SHAPE_PRESERVING = frozenset(
    """Dropout Dropout1d Dropout2d AlphaDropout FeatureAlphaDropout Identity ReLU ReLU6 LeakyReLU
    PReLU ELU SELU CELU GELU SiLU Mish Tanh Sigmoid Hardtanh Hardsigmoid Hardswish Softplus
    Softsign Tanhshrink Softshrink Hardshrink LogSigmoid Threshold GLU_ Dropout3d""".split()
)

RECURRENT = frozenset({"LSTM", "GRU", "RNN", "RNNBase"})
#: the kind of an RNN whose class (RNN, GRU or LSTM) is not known: its output is known from the
#: configuration the three share; its state (a tensor, or an LSTM's pair) is not
ANY_RNN = "RNNBase"
CELLS = frozenset({"LSTMCell", "GRUCell", "RNNCell"})
LOSSES = frozenset(
    {"CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
     "BCEWithLogitsLoss", "BCELoss"}
)


@dataclass
class Layer(Value):
    """An ``nn`` layer built in ``__init__``: its kind and its resolved arguments."""

    kind: str
    params: dict[str, Value]
    cst: Any = None  # the constructor call
    name: str | None = None  # where it is stored: "self.lstm"
    children: list[Value] = field(default_factory=list)  # Sequential / ModuleList
    node: int | None = None

    def describe(self) -> str:
        return f"nn.{self.kind}"

    def p(self, name: str) -> Value:
        return self.params.get(name, UNKNOWN)

    def size(self, name: str) -> Expr | None:
        return int_of(self.p(name))

    def flag(self, name: str) -> bool | str | None:
        """True/False, the flag's name when symbolic, None when unknown."""
        v = self.p(name)
        if isinstance(v, Const) and isinstance(v.value, (bool, int)):
            return bool(v.value)
        if isinstance(v, Int) and v.expr is not None and v.expr.as_int() is not None:
            return bool(v.expr.as_int())
        if isinstance(v, Flag) and not v.negated:
            return v.name
        if isinstance(v, Int) and v.param is not None:
            return v.param
        return None

    def label(self) -> str:
        return self.name or f"nn.{self.kind}"


def bind_arguments(kind: str, args: Sequence[Value], kwargs: dict[str, Value]) -> dict[str, Value]:
    """Resolve a constructor call against PyTorch's real signature (defaults filled in)."""
    sig = SIGNATURES.get(kind, [])
    params: dict[str, Value] = {}
    for (pname, _d), v in zip(sig, args, strict=False):
        params[pname] = v
    if len(args) > len(sig):
        params["*extra"] = Seq(tuple(args[len(sig):]))
    splat = "**" in kwargs  # unknown keywords were forwarded: no default can be trusted
    params.update({k: v for k, v in kwargs.items() if k != "**"})
    for pname, default in sig:
        if pname not in params and default is not None and not splat:
            params[pname] = Int(const(default)) if type(default) is int else Const(default)
    return params


# ---- the report channel -------------------------------------------------------------------


@dataclass
class Conflict:
    """A fact a layer or an op established: what it expected and what arrived.

    Besides the two sides as text, each kind carries the facts its rules word a finding from;
    a field a kind does not use keeps its default.
    """

    kind: str  # features | state | layout | loss_layout | per_sequence_target | config
    layer: Layer | None
    expected: str
    received: str
    #: the value that arrived (every kind but ``config``)
    tensor: Tensor | None = None
    #: ``features``, ``state``: the axis that differs (``state``: None when the rank differs)
    axis: int | None = None
    #: ``features``: the size the axis is checked against (``in_features``, ``in_channels``...)
    what: str = "features"
    #: ``layout``: the layer that reads the input (``"rnn"``, ``"conv"``, ``"batchnorm"``) and,
    #: for an RNN, its ``batch_first``
    reader: str | None = None
    batch_first: bool | None = None
    #: ``state``: which state (``h_0``, ``c_0``) and the shape the layer expects
    state: str = "h_0"
    shape: Shape | None = None
    #: ``loss_layout``, ``per_sequence_target``: the loss's target, the node of the head that
    #: made the input, ``"regression"`` for a regression loss and the shape it broadcasts to
    target: Value | None = None
    head: int | None = None
    loss: str | None = None
    broadcast: Shape | None = None
    #: ``config``: the constructor option at fault and its value
    option: str | None = None
    value: int | float | None = None


class Site(Protocol):
    """Where a shape function reports to (implemented by the interpreter)."""

    def conflict(self, c: Conflict) -> None: ...

    def bind_hole(self, t: Tensor, shape: Shape, roles: tuple[str | None, ...] | None,
                  dtype: str | None) -> None: ...

    def batch_symbol(self) -> Expr: ...

    def time_symbol(self, hole: str) -> Expr: ...

    def constraint(self, a: Expr, b: Expr, why: str) -> None: ...

    @property
    def node(self) -> int | None: ...


def differs(a: Expr | None, b: Expr | None, site: Site | None = None, why: str = "") -> bool:
    """A proven mismatch (different for every choice of sizes).  A difference that vanishes for
    some sizes is reported to ``site`` as a constraint the model needs (``T == seq_len``)."""
    if a is None or b is None:
        return False
    if definitely_different(a, b):
        return True
    if site is not None:
        t = tie(a, b)
        if t is not None:
            site.constraint(t[0], t[1], why)
    return False


#: axis roles that only the caller's data decides: a size read from such an axis cannot stand
#: where a layer count or a feature width belongs, whatever sizes the caller picks
_DATA_ROLES = (BATCH, TIME)


def role_mismatch(x: Tensor, axis: int, expected_role: str | None) -> bool:
    """The axis holds the batch or time (by where its size was read) where PyTorch expects
    something else: a structural proof that does not depend on sizes."""
    r = x.role(axis)
    return r in _DATA_ROLES and r != expected_role


def check_features(site: Site, layer: Layer, x: Tensor, expected: Expr | None, axis: int = -1,
                   what: str = "features") -> None:
    if x.shape is None or not x.shape.dims:
        return
    dims = x.shape.dims
    if axis < 0 and -axis > len(dims):
        return
    if axis >= 0 and (x.shape.star or axis >= len(dims)):
        return
    got = dims[axis]
    if expected is None or got is None:
        return
    proven = (expected != got and role_mismatch(x, axis, FEATURE)
              and not expected.symbols() & {"B", "T"}) \
        or differs(expected, got, site, f"{layer.label()} {what}")
    if proven:
        site.conflict(Conflict(
            "features", layer, dim_str(expected), dim_str(got),
            tensor=x, axis=axis, what=what,
        ))


# ---- shape functions ----------------------------------------------------------------------


def _directions(layer: Layer) -> Expr | None:
    b = layer.flag("bidirectional")
    if b is True:
        return const(2)
    if b is False:
        return const(1)
    if isinstance(b, str):
        return cond(b, 2, 1)
    return None


def _h_out(layer: Layer) -> Expr | None:
    hidden = layer.size("hidden_size")
    if layer.kind != "LSTM":
        return hidden
    proj = layer.size("proj_size")
    if proj is None:
        return None
    pc = proj.as_int()
    if pc == 0:
        return hidden
    if pc is not None and pc > 0:
        return proj
    return proj if proj.const_term() >= 0 and proj.as_int() is None else None


def _mul(a: Expr | None, b: Expr | None) -> Expr | None:
    return None if a is None or b is None else a * b


def _width_note(layer: Layer) -> str | None:
    notes = []
    b = layer.flag("bidirectional")
    proj = layer.size("proj_size")
    if layer.kind == "LSTM" and proj is not None and proj.as_int() != 0:
        notes.append("proj_size")
    kind = "RNN" if layer.kind == ANY_RNN else layer.kind
    if b is True:
        notes.append(f"bidirectional {kind}")
    elif isinstance(b, str):
        notes.append(f"{kind} with bidirectional={b}")
    return ", ".join(notes) if notes else None


def rnn_info(layer: Layer, padded: bool = False, batch_first: bool | None = None) -> RnnInfo:
    b = layer.flag("bidirectional")
    bf = layer.flag("batch_first") if batch_first is None else batch_first
    return RnnInfo(
        layer=layer.label(), kind=layer.kind,
        bidirectional=b if isinstance(b, bool) else None,
        batch_first=bf if isinstance(bf, bool) else None,
        num_layers=layer.size("num_layers"), hidden=_h_out(layer), node=layer.node,
        padded=padded,
    )


def apply_recurrent(site: Site, layer: Layer, args: Sequence[Value]) -> Value:
    x = args[0] if args else UNKNOWN
    hx = args[1] if len(args) > 1 else Const(None)
    D = _directions(layer)
    H_out = _h_out(layer)
    H = layer.size("hidden_size")
    L = layer.size("num_layers")
    I = layer.size("input_size")
    bf = layer.flag("batch_first")
    packed = isinstance(x, Packed)
    tensor = x.data if isinstance(x, Packed) else x
    if packed and isinstance(x, Packed):
        bf = x.batch_first
    out_w = _mul(D, H_out)
    info = rnn_info(layer, batch_first=bf if isinstance(bf, bool) else None)
    note = _width_note(layer)

    if isinstance(tensor, Tensor) and tensor.hole is not None and tensor.shape is None:
        if isinstance(bf, bool):
            B = site.batch_symbol()
            T = site.time_symbol(tensor.hole[0])
            layout = (B, T, I) if bf else (T, B, I)
            roles = (BATCH, TIME, FEATURE) if bf else (TIME, BATCH, FEATURE)
            site.bind_hole(tensor, Shape(layout), roles, "float")

    batch: Expr | None = None
    out_shape: Shape | None = None
    out_roles: tuple[str | None, ...] | None = None
    unbatched = False
    if isinstance(tensor, Tensor) and tensor.shape is not None:
        check_features(site, layer, tensor, I, what="input_size")
        dims: tuple[Expr | None, ...] = tensor.shape.dims
        if not tensor.shape.star and len(dims) == 3:
            b_ax = 0 if bf is True else 1 if bf is False else None
            if b_ax is not None:
                batch = dims[b_ax]
                out_roles = (BATCH, TIME, FEATURE) if bf else (TIME, BATCH, FEATURE)
                t_ax = 1 - b_ax
                if tensor.role(b_ax) == TIME and tensor.role(t_ax) == BATCH:
                    site.conflict(Conflict(
                        "layout", layer,
                        "(B, T, F)" if bf else "(T, B, F)",
                        tensor.shape.render(),
                        tensor=tensor, batch_first=bf is True, reader="rnn",
                    ))
            out_shape = Shape(dims[:-1] + (out_w,))
        elif not tensor.shape.star and len(dims) == 2:
            unbatched = True
            out_shape = Shape((dims[0], out_w))
            out_roles = (TIME, FEATURE)
        elif tensor.shape.star:
            out_shape = Shape(dims[:-1] + (out_w,), star=True)
    elif not packed and (isinstance(tensor, Tensor) and tensor.hole is None
                         or tensor is UNKNOWN) and out_w is not None:
        # whatever the input (its layout, even whether it is known at all), the output ends
        # with D*H_out features; a packed input gives a PackedSequence, which only
        # pad_packed_sequence reads (and that gives unknown for a plain tensor)
        out_shape = Shape((out_w,), star=True)

    state_first = _mul(D, L)
    c_width = H if layer.kind == "LSTM" else H_out
    if batch is None and not unbatched:
        # the input does not tell its batch: a 3-d initial state does (PyTorch requires a
        # batched input for a batched state, and the same batch in both)
        given_states = list(hx.items) if isinstance(hx, Seq) else [hx]
        for g in given_states:
            if isinstance(g, Tensor) and g.shape is not None and not g.shape.star \
                    and len(g.shape.dims) == 3 and g.shape.dims[1] is not None:
                batch = g.shape.dims[1]
                break
        if batch is not None and isinstance(bf, bool):
            b_ax = 0 if bf else 1
            if out_shape is not None and not out_shape.star and len(out_shape.dims) == 3:
                dims3 = list(out_shape.dims)
                if dims3[b_ax] is None:
                    dims3[b_ax] = batch
                out_shape = Shape(tuple(dims3))
            elif isinstance(tensor, Tensor) and (tensor.shape is None or tensor.shape.star) \
                    and out_w is not None:
                # a batched state: the input is 3-d, its time axis unknown here
                dims3 = [None, None, out_w]
                dims3[b_ax] = batch
                out_shape = Shape(tuple(dims3))
                out_roles = (BATCH, TIME, FEATURE) if bf else (TIME, BATCH, FEATURE)
    if unbatched:
        h_shape: Shape | None = Shape((state_first, H_out))
        c_shape: Shape | None = Shape((state_first, c_width))
        state_roles: tuple[str | None, ...] | None = (STATE, FEATURE)
    elif batch is not None:
        h_shape = Shape((state_first, batch, H_out))
        c_shape = Shape((state_first, batch, c_width))
        state_roles = (STATE, BATCH, FEATURE)
    else:
        h_shape = c_shape = None
        state_roles = None

    if layer.kind == ANY_RNN:
        # GRU and RNN return h_n, an LSTM (h_n, c_n): the state is not known, nor is what an
        # initial state must be
        out_any = Tensor(out_shape, "float", out_roles, info, "output", note)
        first: Value = Packed(out_any, bf if isinstance(bf, bool) else None) if packed \
            else out_any
        return Seq((first, UNKNOWN))

    # initial states
    expected_states: list[tuple[str, Shape | None]] = [("h_0", h_shape)]
    given: list[Value] = [hx]
    if layer.kind == "LSTM":
        expected_states.append(("c_0", c_shape))
        given = list(hx.items) if isinstance(hx, Seq) and len(hx.items) == 2 else [UNKNOWN, UNKNOWN]
    for (sname, exp), g in zip(expected_states, given, strict=False):
        if isinstance(g, Tensor) and g.hole is not None and g.shape is None and exp is not None:
            site.bind_hole(g, exp, state_roles, "float")
        elif isinstance(g, Tensor) and g.shape is not None and exp is not None:
            check_state(site, layer, sname, g, exp, state_roles)
        elif isinstance(g, Tensor) and g.shape is not None and not g.shape.star \
                and len(g.shape.dims) == 3 and not unbatched:
            # the input's batch is unknown, but a 3-d state is batched: its first and last
            # axes are still fixed by the layer alone (an encoder's h_n into a decoder)
            width = H_out if sname == "h_0" else c_width
            check_state(site, layer, sname, g, Shape((state_first, None, width)),
                        (STATE, BATCH, FEATURE))

    out = Tensor(out_shape, "float", out_roles, info, "output", note)
    h_n = Tensor(h_shape, "float", state_roles, info, "h_n")
    result_out: Value = Packed(out, bf if isinstance(bf, bool) else None) if packed else out
    if layer.kind == "LSTM":
        c_n = Tensor(c_shape, "float", state_roles, info, "c_n")
        return Seq((result_out, Seq((h_n, c_n))))
    return Seq((result_out, h_n))


def check_state(site: Site, layer: Layer, sname: str, g: Tensor, exp: Shape,
                exp_roles: tuple[str | None, ...] | None = None) -> None:
    assert g.shape is not None
    got = g.shape
    if got.star or len(got.dims) != len(exp.dims):
        if not got.star:
            site.conflict(Conflict("state", layer, exp.render(), got.render(),
                                   tensor=g, state=sname, axis=None))
        return
    if exp_roles is None or len(exp_roles) != len(exp.dims):
        exp_roles = (None,) * len(exp.dims)
    for ax, (e, d) in enumerate(zip(exp.dims, got.dims, strict=True)):
        if e is None or d is None or e == d:
            continue
        if role_mismatch(g, ax, exp_roles[ax]) or differs(e, d, site, f"{layer.label()} {sname}"):
            site.conflict(Conflict("state", layer, exp.render(), got.render(),
                                   tensor=g, state=sname, axis=ax, shape=exp))
            return
    # the state differs between the branches of an if the analysis cannot decide: a branch
    # that puts the batch (or time) where the layers are, whatever the sizes, is wrong on the
    # path through it (sizes alone are not enough there: the branches may follow the layer)
    for alt in g.alts:
        a = alt.shape
        if a is None or a.star or len(a.dims) != len(exp.dims):
            continue
        for ax, (e, d) in enumerate(zip(exp.dims, a.dims, strict=True)):
            if e is not None and d is not None and e != d and role_mismatch(alt, ax,
                                                                            exp_roles[ax]):
                site.conflict(Conflict("state", layer, exp.render(), a.render(),
                                       tensor=alt, state=sname, axis=ax, shape=exp))
                break


def apply_cell(site: Site, layer: Layer, args: Sequence[Value]) -> Value:
    x = args[0] if args else UNKNOWN
    H = layer.size("hidden_size")
    I = layer.size("input_size")
    batch: Expr | None = None
    batched = True
    if isinstance(x, Tensor) and x.hole is not None and x.shape is None:
        site.bind_hole(x, Shape((site.batch_symbol(), I)), (BATCH, FEATURE), "float")
    if isinstance(x, Tensor) and x.shape is not None:
        check_features(site, layer, x, I, what="input_size")
        if not x.shape.star and len(x.shape.dims) == 2:
            batch = x.shape.dims[0]
        elif not x.shape.star and len(x.shape.dims) == 1:
            batched = False
    hx = args[1] if len(args) > 1 else Const(None)
    states = list(hx.items) if isinstance(hx, Seq) else [hx]
    if batch is None and batched:
        # the input does not tell its batch: a 2-d state does (PyTorch requires a batched
        # input for a batched state, with the same batch)
        for g in states:
            if isinstance(g, Tensor) and g.shape is not None and not g.shape.star \
                    and len(g.shape.dims) == 2 and g.shape.dims[0] is not None \
                    and not (isinstance(x, Tensor) and x.shape is not None and not x.shape.star
                             and len(x.shape.dims) != 2):
                batch = g.shape.dims[0]
                break
    exp = Shape((batch, H)) if batched else Shape((H,))
    for i, g in enumerate(states):
        if isinstance(g, Tensor) and g.shape is not None and not g.shape.star and batch is not None:
            check_state(site, layer, "hc"[i] if i < 2 else "state", g, exp,
                        (BATCH, FEATURE) if batched else (FEATURE,))
    roles = (BATCH, FEATURE) if batched else (FEATURE,)
    h = Tensor(exp if (batch is not None or not batched) else None, "float", roles, None, "cell_h")
    if layer.kind == "LSTMCell":
        return Seq((h, h.with_(what="cell_c")))
    return h




def apply_linear(site: Site, layer: Layer, args: Sequence[Value]) -> Value:
    x = args[0] if args else UNKNOWN
    fin = layer.size("in_features")
    fout = layer.size("out_features")
    if not isinstance(x, Tensor):
        return Tensor(Shape((fout,), star=True), "float")
    if x.hole is not None and x.shape is None:
        return x.with_(shape=None, hole=(x.hole[0], x.hole[1] + (("replace_last", fin),)),
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


def apply_mha(site: Site, layer: Layer, args: Sequence[Value]) -> Value:
    q = args[0] if args else UNKNOWN
    k = args[1] if len(args) > 1 else UNKNOWN
    E = layer.size("embed_dim")
    if not isinstance(q, Tensor) or q.shape is None or q.shape.star:
        return Seq((Tensor(None, "float"), Tensor(None, "float")))
    check_features(site, layer, q, E, what="embed_dim")
    dims = q.shape.dims
    out = q.with_(shape=Shape(dims[:-1] + (E,)), width_note=None, rnn=None)
    weights = Tensor(None, "float")
    bf = layer.flag("batch_first")
    if len(dims) == 3 and isinstance(k, Tensor) and k.shape is not None and not k.shape.star \
            and len(k.shape.dims) == 3 and isinstance(bf, bool):
        if bf:
            weights = Tensor(Shape((dims[0], dims[1], k.shape.dims[1])), "float")
        else:
            weights = Tensor(Shape((dims[1], dims[0], k.shape.dims[0])), "float")
    return Seq((out, weights))


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
        return x.with_(what=x.what) if isinstance(x, Tensor) else UNKNOWN
    if k == "Flatten":
        return apply_flatten(site, layer, args)
    if k == "MultiheadAttention":
        return apply_mha(site, layer, args)
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


def config_conflicts(layer: Layer) -> list[Conflict]:
    """Configuration facts about a recurrent layer, known from its constructor alone."""
    out: list[Conflict] = []
    if layer.kind not in RECURRENT:
        return out
    dropout = layer.p("dropout")
    dv = dropout.value if isinstance(dropout, Const) else None
    if isinstance(dropout, Int) and dropout.expr is not None:
        dv = dropout.expr.as_int()
    L = layer.size("num_layers")
    if isinstance(dv, (int, float)) and dv > 0 and L is not None and L.as_int() == 1:
        out.append(Conflict("config", layer, "num_layers > 1", "num_layers=1",
                            option="dropout", value=dv))
    proj, H = layer.size("proj_size"), layer.size("hidden_size")
    if proj is not None and H is not None and proj.as_int() != 0:
        d = proj - H
        dc = d.as_int()
        # proj_size >= hidden_size for every choice of sizes (2*hidden vs hidden): an LSTM
        # refuses it; a GRU or an RNN refuses any projection, and this one is at least
        # hidden_size >= 1 (a literal > 0 too)
        too_large = (dc is not None and dc >= 0) or proj == H or nonnegative(d)
        if layer.kind == "LSTM" and too_large:
            out.append(Conflict("config", layer, f"proj_size < hidden_size ({H})",
                                f"proj_size={proj}", option="proj_size"))
        elif layer.kind in ("GRU", "RNN") and (too_large or (proj.as_int() or 0) > 0):
            out.append(Conflict("config", layer, "no proj_size (only nn.LSTM projects)",
                                f"proj_size={proj}", option="proj_size"))
    return out


__all__ = [
    "ANY_RNN", "CELLS", "CLASS", "Conflict", "Layer", "LOSSES", "RECURRENT", "SIGNATURES", "Site",
    "apply_layer", "bind_arguments", "config_conflicts", "rnn_info",
]

#: for rules: D and H_out of a recurrent layer, from its configuration alone
directions = _directions
h_out = _h_out
