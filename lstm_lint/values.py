"""The abstract values the shape engine computes with.

A tensor's shape is a tuple of dimensions, each a :class:`~lstm_lint.symbolic.Expr` or
``None`` (unknown).  ``Shape.star`` marks an unknown number of leading axes (``(*, 64)`` after
an ``nn.Linear`` whose input rank is unknown).  Every value that the engine cannot follow is
:data:`UNKNOWN`, and every check downstream of an unknown stays silent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from reprlib import recursive_repr
from typing import Any

from .symbolic import Expr, const

Dim = Expr | None

#: axis roles the rules reason about
BATCH, TIME, FEATURE, STATE, CLASS = "batch", "time", "feature", "state", "class"


@dataclass(frozen=True)
class Shape:
    dims: tuple[Dim, ...]
    star: bool = False  # unknown leading axes before ``dims``

    @property
    def rank(self) -> int | None:
        return None if self.star else len(self.dims)

    def render(self) -> str:
        parts = [dim_str(d) for d in self.dims]
        if self.star:
            parts.insert(0, "*")
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 and not self.star else "") + ")"

    def to_json(self) -> list[int | str | None]:
        out: list[int | str | None] = ["*"] if self.star else []
        for d in self.dims:
            out.append(dim_json(d))
        return out


def dim_str(d: Dim) -> str:
    return "?" if d is None else str(d)


def dim_json(d: Dim) -> int | str | None:
    if d is None:
        return None
    v = d.as_int()
    return v if v is not None else str(d)


def shape_of(*dims: Dim | int) -> Shape:
    return Shape(tuple(const(d) if isinstance(d, int) else d for d in dims))


class Value:
    """Base of every abstract value."""

    node: int | None = None  # the dataflow-graph node that produced it

    def describe(self) -> str:
        return type(self).__name__

    @recursive_repr()
    def __repr__(self) -> str:
        """``Name(field=value, ...)``, as a dataclass writes it: written once here, because
        each dataclass's own ``__repr__`` is a function compiled at import (a fifth of the
        values' import time, paid by every run)."""
        if not is_dataclass(self):
            return object.__repr__(self)
        parts = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)
        return f"{type(self).__qualname__}({parts})"


class _Unknown(Value):
    def __repr__(self) -> str:
        return "UNKNOWN"

    def describe(self) -> str:
        return "unknown"


UNKNOWN: Value = _Unknown()


@dataclass(frozen=True)
class RnnInfo:
    """What a tensor remembers about the recurrent layer that produced it."""

    layer: str  # e.g. "self.lstm"
    kind: str  # LSTM, GRU, RNN
    bidirectional: bool | None
    batch_first: bool | None
    num_layers: Expr | None
    hidden: Expr | None  # H_out
    node: int | None = None
    padded: bool = False  # came out of pad_packed_sequence


@dataclass(frozen=True, repr=False)
class Tensor(Value):
    shape: Shape | None
    dtype: str | None = None  # "float", "int", "bool"
    roles: tuple[str | None, ...] | None = None  # aligned with shape.dims when not star
    rnn: RnnInfo | None = None  # set on RNN outputs and states, kept through layout ops
    what: str | None = None  # "output", "h_n", "c_n", "last_step", "summary", ...
    width_note: str | None = None  # why the last axis has its width
    head: int | None = None  # node of the first head applied to a per-step tensor
    hole: tuple[str, tuple[Any, ...]] | None = None  # forward input still to be inferred
    node: int | None = field(default=None, compare=False)
    #: after an ``if`` whose condition is not known: what each branch produced, when the
    #: branches disagree (the joined value keeps only what they agree on); a tensor made from
    #: this one by any op (``with_``) is no longer any of them and drops them
    alts: tuple[Tensor, ...] = field(default=(), compare=False)
    #: the last axis's width is unknown but at least this: a ``torch.cat`` along it whose
    #: known parts are this wide (``cat([summary (B, 1, 1024), token], -1)``, ``token`` of
    #: unknown width); read by the op's consumer only (an op that keeps every axis as it came,
    #: dropout, an activation, a dtype cast, ``contiguous()``, keeps it; any other op made
    #: from it drops it; a join of branches keeps it only where both agree: it takes part in
    #: equality)
    floor: Expr | None = None

    def with_(self, **kw: Any) -> Tensor:
        kw.setdefault("alts", ())
        kw.setdefault("floor", None)
        return copy_with(self, kw)

    def describe(self) -> str:
        return "tensor " + (self.shape.render() if self.shape else "of unknown shape")

    def role(self, axis: int) -> str | None:
        if self.roles is None or self.shape is None or self.shape.star:
            return None
        if -len(self.roles) <= axis < len(self.roles):
            return self.roles[axis]
        return None


@dataclass(frozen=True, repr=False)
class Int(Value):
    """A Python int (a size, an index); ``expr`` None when unknown."""

    expr: Expr | None
    param: str | None = None  # a constructor parameter (or its attribute): config.hidden
    role: str | None = None  # read from an axis of this role: x.size(0) of a batch axis
    node: int | None = field(default=None, compare=False)
    #: ``expr`` None: the symbols it was computed from all the same (``2 ** bits``, whose
    #: form the engine does not keep); a size argument given it says they are ints
    deps: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def describe(self) -> str:
        return f"int {dim_str(self.expr)}"


@dataclass(frozen=True, repr=False)
class Const(Value):
    """Any other Python constant: None, bool, float, str, Ellipsis."""

    value: Any
    node: int | None = field(default=None, compare=False)
    #: ``None`` the symbolic run took as a constructor parameter's default (``output_size=None``):
    #: the parameter's name, for a layer that cannot be built with None there (see
    #: :func:`lstm_lint.layers.bind_arguments`)
    param: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, repr=False)
class Quotient(Value):
    """``a / b`` of two sizes, one of them symbolic: a float Python gives, which only
    ``int(...)`` (the floor, sizes being non-negative) turns back into a size."""

    num: Expr
    den: Expr
    node: int | None = field(default=None, compare=False)


@dataclass(frozen=True, repr=False)
class Choice(Value):
    """A string known only to be one of ``options`` (``assert cell in ["LSTM", "GRU"]``)."""

    options: tuple[str, ...]
    node: int | None = field(default=None, compare=False)

    def describe(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)


@dataclass(frozen=True, repr=False)
class Flag(Value):
    """A boolean known only symbolically, e.g. the constructor parameter ``bidirectional``."""

    name: str
    negated: bool = False
    node: int | None = field(default=None, compare=False)


@dataclass(frozen=True, repr=False)
class Seq(Value):
    """A tuple or list of values; ``length`` set for lists built in loops of known count."""

    items: tuple[Value, ...]
    is_list: bool = False
    repeated: Value | None = None  # list of ``length`` copies of one abstract element
    length: Expr | None = None
    node: int | None = field(default=None, compare=False)
    # a list built as known first items and then grown in a loop (``[first]`` then
    # ``append(rest)``): those items in order (``head``), then ``length - len(head)`` items each
    # one of ``tail``; ``repeated`` still stands for any item, for code that reads no order
    head: tuple[Value, ...] = ()
    tail: Value | None = None
    #: ``x.size()`` of a forward input nothing has solved yet: that input, so that an item
    #: read from it (``tmp = x.size(); tmp[0]``) is the size ``x.size(0)`` gives
    sizes_of: Tensor | None = field(default=None, compare=False, repr=False)
    #: a ``torch.Size`` (``x.size()``, ``x.shape``), which the legacy constructors read as
    #: sizes (``torch.Tensor(x.size())``), unlike a tuple of numbers (data)
    torch_size: bool = field(default=False, compare=False, repr=False)


@dataclass(frozen=True, repr=False)
class Record(Value):
    """A configuration object or a dict with known keys: ``cfg.hidden``, ``cfg["hidden"]``.

    Built from a dict literal, ``dict(...)``, ``SimpleNamespace(...)``/``argparse.Namespace``,
    or a JSON object given with ``shapes --args``.  A key it does not hold is unknown.
    """

    fields: tuple[tuple[str, Value], ...]
    node: int | None = field(default=None, compare=False)

    def get(self, key: str) -> Value | None:
        for k, v in self.fields:
            if k == key:
                return v
        return None

    def with_field(self, key: str, value: Value) -> Record:
        return Record(tuple((k, v) for k, v in self.fields if k != key) + ((key, value),))

    def describe(self) -> str:
        return "{" + ", ".join(k for k, _ in self.fields) + "}"


@dataclass(frozen=True, repr=False)
class Distribution(Value):
    """A ``torch.distributions`` object whose batch shape is known: ``Normal(loc, scale)``
    has the broadcast shape of its parameters (``batch``, a tensor of that shape), and so do
    its ``mean``, ``stddev`` and ``rsample()``."""

    kind: str
    batch: Tensor
    node: int | None = field(default=None, compare=False)


@dataclass(frozen=True, repr=False)
class Mapping(Value):
    """A dict whose keys are not followed, every value of which is ``value`` (a dict
    comprehension ``{ind: i for i, ind in enumerate(order)}``): any key it holds gives it."""

    value: Value
    node: int | None = field(default=None, compare=False)


@dataclass(frozen=True, repr=False)
class Build(Value):
    """A constructor argument that is itself an object built with known arguments
    (``shapes --args '[{"new": "Attention", "args": [512, 512]}]'``): ``name`` is a class of
    the file or one it imports, or ``module.name`` when ``module`` is given.  The analysis
    builds it before the class it is given to."""

    name: str
    module: str | None
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()
    node: int | None = field(default=None, compare=False)


@dataclass(frozen=True, repr=False)
class Packed(Value):
    """A PackedSequence: the padded tensor it stands for, and its batch layout."""

    data: Tensor
    batch_first: bool | None
    node: int | None = field(default=None, compare=False)


def int_of(v: Value) -> Expr | None:
    if isinstance(v, Int):
        return v.expr
    if isinstance(v, Const) and isinstance(v.value, bool):
        return const(int(v.value))
    if isinstance(v, Const) and isinstance(v.value, int):
        return const(v.value)
    return None


def size_args(sizes: Sequence[Value]) -> Sequence[Value] | None:
    """The sizes a shape-taking call was given, one value per axis: ``zeros(2, b, h)``,
    ``zeros((2, b, h))``, ``x.view(y.size())``.  None where their count is not known: a
    lone argument that may be a sequence (an unknown value, a tuple of unknown length,
    ``size + (4,)`` of an unknown size), whose axes could be any number, not one."""
    if len(sizes) != 1:
        return sizes
    s0 = sizes[0]
    if isinstance(s0, Seq):
        return s0.items if s0.repeated is None and s0.tail is None else None
    if isinstance(s0, Int) and s0.param is not None and _SHAPE_NAME.search(s0.param):
        return None  # a caller's ``init_shape`` / ``dims``: a shape as often as one size
    return sizes if isinstance(s0, Int) or int_of(s0) is not None else None


#: a parameter named for a whole shape (``input_shape``, ``dims``, ``sizes``), whose value the
#: caller may give as a tuple: used alone as a factory's size, its count of axes is unknown
_SHAPE_NAME = re.compile(r"shape|dims$|sizes$|(^|[._])size_?tuple", re.IGNORECASE)



#: variable names that say which axis a size is: ``batch_size = x.size(0)`` is the code's own
#: statement that axis 0 is the batch (names that could mean anything, ``n`` or ``l``, are out)
_BATCH_NAMES = frozenset("""B bs bsz bsize batch batch_size batchsize batch_sz b_size n_batch
    nbatch num_batch n_batches""".split())
_TIME_NAMES = frozenset("""T seq_len seq_length seqlen sequence_length max_len max_length
    time_steps timesteps n_steps num_steps n_timesteps seq_size""".split())


def size_name_role(name: str) -> str | None:
    """BATCH or TIME when a variable's name says which axis its size is, else None."""
    if name in _BATCH_NAMES:
        return BATCH
    if name in _TIME_NAMES:
        return TIME
    return None


def copy_with(v: Any, changes: dict[str, Any]) -> Any:
    """``dataclasses.replace`` for the engine's frozen value classes, without re-running
    ``__init__`` (none of them validates): the interpreter copies values by the hundred
    thousand, and replace() costs several times a plain copy."""
    out = object.__new__(type(v))
    d = out.__dict__
    d.update(v.__dict__)
    for k, val in changes.items():
        if k not in d:
            raise TypeError(f"{type(v).__name__} has no field {k!r}")
        d[k] = val
    return out


def unknown_like(x: Value, **kw: Any) -> Tensor:
    """``x`` with its shape (and so its roles and hole) unknown; a tensor either way."""
    if isinstance(x, Tensor):
        return x.with_(shape=None, roles=None, hole=None, **kw)
    return Tensor(None, **kw)
