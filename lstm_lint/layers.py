"""What every ``torch.nn`` layer the engine knows does to shapes: stated once, here.

Each layer has a signature (PyTorch's real positional order) and a shape function.  A shape
function receives the abstract arguments of a call and a :class:`Site` to report to; it returns
the abstract result and reports *conflicts*: facts such as "this ``nn.Linear`` expects 64
features and receives ``2*hidden_size``".  Rules decide which conflicts become findings and how
they are worded; they never re-derive what a layer does.

This module holds the layer model (signatures, :class:`Layer`, :class:`Conflict`, :class:`Site`)
and the checks every shape function shares; the shape functions are in
:mod:`lstm_lint.layers_rnn` (recurrent layers and cells) and :mod:`lstm_lint.layers_other`, and
:func:`lstm_lint.layers_apply.apply_layer` dispatches a call to them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .symbolic import Expr, const, definitely_different, nonnegative, sym, tie
from .values import (
    BATCH,
    CLASS,
    FEATURE,
    TIME,
    UNKNOWN,
    Const,
    Flag,
    Int,
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
    **dict.fromkeys(("TransformerEncoderLayer", "TransformerDecoderLayer"), [
        ("d_model", None), ("nhead", None), ("dim_feedforward", 2048), ("dropout", 0.1),
        ("activation", "relu"), ("layer_norm_eps", 1e-5), ("batch_first", False),
        ("norm_first", False), ("bias", True),
    ]),
    "TransformerEncoder": [("encoder_layer", None), ("num_layers", None), ("norm", None),
                           ("enable_nested_tensor", True), ("mask_check", True)],
    "TransformerDecoder": [("decoder_layer", None), ("num_layers", None), ("norm", None)],
    "Transformer": [
        ("d_model", 512), ("nhead", 8), ("num_encoder_layers", 6), ("num_decoder_layers", 6),
        ("dim_feedforward", 2048), ("dropout", 0.1), ("activation", "relu"),
        ("custom_encoder", None), ("custom_decoder", None), ("layer_norm_eps", 1e-5),
        ("batch_first", False), ("norm_first", False), ("bias", True),
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
    #: layers of one kind built in different branches and joined (``if depth >= 2: GRU(...)
    #: else: GRU(...)``): the other branches' constructor calls (``cst`` is the first's)
    also_built: tuple[Any, ...] = field(default=(), compare=False)
    #: built on some paths and None on the others (``self.lstm = LSTM(...)`` in one branch of
    #: ``__init__``, ``self.lstm = None`` in the other): ``is None`` on it is undecided; a call
    #: of it runs the layer (a call of None raises, so no path through the call had None)
    or_none: bool = field(default=False, compare=False)

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


#: the size parameters a layer cannot be built without: torch raises a TypeError when one of
#: them is None (checked in tests/test_engine_facts.py); ``LazyLinear`` takes None, and
#: ``LayerNorm``'s shape may be a list, so neither is here
REQUIRED_SIZES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("LSTM", "GRU", "RNN", "RNNBase", "LSTMCell", "GRUCell", "RNNCell"),
                    ("input_size", "hidden_size")),
    "Linear": ("in_features", "out_features"),
    "Bilinear": ("in1_features", "in2_features", "out_features"),
    "Embedding": ("num_embeddings", "embedding_dim"),
    "Conv1d": ("in_channels", "out_channels"), "Conv2d": ("in_channels", "out_channels"),
    "BatchNorm1d": ("num_features",), "BatchNorm2d": ("num_features",),
    "MultiheadAttention": ("embed_dim", "num_heads"),
    "TransformerEncoderLayer": ("d_model", "nhead"), "TransformerDecoderLayer": ("d_model", "nhead"),
}


def bind_arguments(kind: str, args: Sequence[Value], kwargs: dict[str, Value]) -> dict[str, Value]:
    """Resolve a constructor call against PyTorch's real signature (defaults filled in).

    A required size that is a constructor parameter left at its default None
    (``nn.Linear(h, output_size)`` with ``output_size=None``) is that parameter's size: torch
    cannot build the layer with None, so wherever the layer is built the caller gave a size.
    """
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
    for pname in REQUIRED_SIZES.get(kind, ()):
        given = params.get(pname)
        if isinstance(given, Const) and given.value is None and given.param is not None:
            params[pname] = Int(sym(given.param), param=given.param)
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
    #: ``layout``: the RNN read a PackedSequence, whose ``batch_first`` is the packing's (the
    #: layer's own flag does not apply to it)
    packed: bool = False
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
    #: ``layout``: the code's own name for an input axis that the layer reads otherwise
    #: (``batch_size = x.size(0)``): the name, the axis, and the assignment's target node
    named: tuple[str, int, Any] | None = None


def named_batch(c: Conflict) -> Expr | None:
    """The size an RNN reads as the batch, in a layout conflict that rests on the code's name
    for an axis alone (a state built on the layer's time axis is no name: it stays)."""
    x = c.tensor
    if c.kind != "layout" or c.reader != "rnn" or c.named is None or c.target is not None \
            or not isinstance(c.batch_first, bool) or x is None or x.shape is None \
            or x.shape.star or len(x.shape.dims) != 3:
        return None
    return x.shape.dims[0 if c.batch_first else 1]


class Site(Protocol):
    """Where a shape function reports to (implemented by the interpreter)."""

    def conflict(self, c: Conflict) -> None: ...

    def bind_hole(self, t: Tensor, shape: Shape, roles: tuple[str | None, ...] | None,
                  dtype: str | None, reader: bool = False) -> None: ...

    def guessed_layout(self, x: Tensor, batch: Expr, time: Expr) -> bool: ...

    def swept_both_ways(self, reader: int, batch: Expr, time: Expr) -> bool: ...

    def tuple_parts(self, v: Value, length: int) -> list[Tensor] | None: ...

    def batch_symbol(self) -> Expr: ...

    def time_symbol(self, hole: str) -> Expr: ...

    def free_axis(self, hole: str, dims: list[Expr | None]) -> Expr: ...

    def spatial_size(self, e: Expr | None) -> bool: ...

    def constraint(self, a: Expr, b: Expr, why: str) -> None: ...

    def named_size(self, e: Expr | None) -> tuple[str, str, Any] | None: ...

    def recheck_later(self, check: Callable[[], Conflict | None]) -> None: ...

    def layout_named(self, c: Conflict) -> None: ...

    def state_batch(self, e: Expr, state: Tensor) -> None: ...

    @property
    def node(self) -> int | None: ...


def differs(a: Expr | None, b: Expr | None, site: Site | None = None, why: str = "",
            positive: tuple[Expr, ...] = ()) -> bool:
    """A proven mismatch (different for every choice of sizes).  A difference that vanishes for
    some sizes is reported to ``site`` as a constraint the model needs (``T == seq_len``).
    ``positive``: sizes known to be at least 1 there (see :func:`definitely_different`)."""
    if a is None or b is None:
        return False
    if definitely_different(a, b, positive):
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


def named_mismatch(site: Site, d: Expr | None, expected_role: str | None) -> bool:
    """The code names this size for the batch or time (``batch_size = x.size(0)``) where
    PyTorch expects something else: the code's own statement, not a size coincidence."""
    n = site.named_size(d)
    return n is not None and n[0] in _DATA_ROLES and n[0] != expected_role


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
    if expected is not None and got is None and x.floor is not None \
            and axis in (-1, len(dims) - 1):
        # a join of parts some of unknown width: wrong for any width of those when the parts
        # of known width are already wider than expected together (no width is negative)
        if nonnegative(x.floor - expected - 1):
            received = f"at least {dim_str(x.floor)} (the parts torch.cat joins of known width)"
            site.conflict(Conflict("features", layer, dim_str(expected), received, tensor=x,
                                   axis=axis, what=what))
        return
    if expected is None or got is None:
        return
    proven = (expected != got and role_mismatch(x, axis, FEATURE)
              and not expected.symbols() & {"B", "T"}) \
        or differs(expected, got, site, f"{layer.label()} {what}", _built_sizes(x))
    if proven:
        site.conflict(Conflict(
            "features", layer, dim_str(expected), dim_str(got),
            tensor=x, axis=axis, what=what,
        ))


def _built_sizes(x: Tensor) -> tuple[Expr, ...]:
    """The sizes a tensor's making proves >= 1: the H_out of the recurrent layer that produced
    it (torch refuses to build one with ``hidden_size`` 0, and a projection is at least 1)."""
    if x.rnn is not None and x.rnn.hidden is not None:
        return (x.rnn.hidden,)
    return ()


__all__ = [
    "ANY_RNN", "CELLS", "CLASS", "Conflict", "Layer", "LOSSES", "RECURRENT", "SIGNATURES", "Site",
    "bind_arguments", "check_features", "differs", "role_mismatch",
]


def chosen_rnn_kind(args: Sequence[Value], kwargs: dict[str, Value]) -> str | None:
    """The kind of ``getattr(nn, rnn_type)(...)`` when its arguments prove it: ``proj_size``
    only an LSTM accepts; ``bidirectional``, or ``num_layers`` with ``batch_first``, only an
    RNN, a GRU or an LSTM (then the kind is left open, :data:`ANY_RNN`,
    unless ``nonlinearity`` makes it an RNN).
    More than three positional arguments bind differently in the three: no answer."""
    if len(args) > 3:
        return None
    if "proj_size" in kwargs:
        return "LSTM"
    if "bidirectional" in kwargs or {"num_layers", "batch_first"} <= kwargs.keys():
        # (torch.nn's only other classes with num_layers, TransformerEncoder/Decoder, take
        # no batch_first; those with batch_first, the attention and Transformer layers, no
        # num_layers)
        return "RNN" if "nonlinearity" in kwargs else ANY_RNN
    return None
