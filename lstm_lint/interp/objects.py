"""The values that only the interpreter makes: references to names, user classes, functions
and objects, bound methods, ``super()``, argparse parsers, ranges; and the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from ..extract import ClassInfo, FileModel
from ..symbolic import Expr
from ..values import (
    UNKNOWN,
    Const,
    Int,
    Record,
    Value,
)

#: the key under which a call records a ``**kwargs`` of unknown content
SPLAT = "**"


class _OpenKwargs(Value):
    """The analysed class's own ``**kwargs`` in the symbolic run: whatever its caller gives.
    Handed on whole (``super().__init__(**kwargs)``), each parameter it reaches and no
    argument sets is a constructor parameter of the class like its own: a symbol, a flag, or
    its default as written (see ``Config.symbolic_params``)."""

    def __repr__(self) -> str:
        return "OPEN_KWARGS"

    def describe(self) -> str:
        return "unknown"


OPEN_KWARGS: Value = _OpenKwargs()


@dataclass(frozen=True, repr=False)
class SplatKwargs(Value):
    """A function's ``**kwargs`` when its caller also forwarded keywords of unknown content
    (``Module(num_layers=self.n_rnn_layers, **self.pl_module_params)``): the keywords the
    caller named, known, and the rest unknown.  Handed on whole (``super().__init__(**kwargs)``)
    it gives each named keyword to the next call and keeps the rest unknown there (no default
    can be trusted); read any other way, it is an unknown value (a key may or may not be in
    it).  Python refuses a keyword given twice, so the unknown rest never overrides a named
    one."""

    known: tuple[tuple[str, Value], ...]

    def describe(self) -> str:
        return "unknown"


@dataclass(frozen=True, repr=False)
class Ref(Value):
    """A dotted name outside the file: ``torch``, ``torch.nn.LSTM``, ``F.relu``."""

    qual: str
    node: int | None = None


@dataclass(repr=False)
class Obj(Value):
    """An instance of a user ``nn.Module`` class."""

    cls: ClassInfo
    fm: FileModel
    attrs: dict[str, Value] = field(default_factory=dict)
    label: str = "self"
    node: int | None = None
    #: the call that built it (``Linear(hidden, 1)`` in the parent's ``__init__``) and the
    #: file it is in, when the code built it
    built: Any = field(default=None, compare=False, repr=False)

    def describe(self) -> str:
        return self.cls.name


@dataclass(frozen=True, eq=False, repr=False)
class Modules(Value):
    """An attribute built as one of several user modules of different classes, the caller's
    configuration deciding which (``self.crf = CRF_L(...) if large else CRF_S(...)``): a call
    runs each and its result is what they agree on."""

    options: tuple[Obj, ...]
    flag: Any = None  # the Flag that picks options[0] over options[1], when two and known
    node: int | None = None

    def describe(self) -> str:
        return " or ".join(o.cls.name for o in self.options)


@dataclass(frozen=True, repr=False)
class ClassRef(Value):
    cls: ClassInfo
    fm: FileModel
    node: int | None = None


@dataclass(frozen=True, repr=False)
class FuncRef(Value):
    fn: cst.FunctionDef
    fm: FileModel
    bound: Value | None = None  # the instance for methods
    node: int | None = None
    #: a function defined inside another: the enclosing function's variables, read when it
    #: is called (``self`` of a ``def att_flow(c, q)`` inside ``forward``)
    closure: dict[str, Value] | None = field(default=None, compare=False, hash=False,
                                             repr=False)


#: the methods of an ``nn.Module`` that change it in place and return it (``.to(device)``,
#: ``.cuda()``, ``.eval()``): ``self.encoder = self.encoder.to(device)`` is that same layer
MODULE_SELF = frozenset({"to", "cuda", "cpu", "xpu", "float", "double", "half", "bfloat16",
                         "train", "eval", "requires_grad_", "share_memory", "type", "apply"})


@dataclass(frozen=True, repr=False)
class Method(Value):
    """``x.view`` before it is called."""

    recv: Value
    name: str
    node: int | None = None


@dataclass
class Instantiation:
    """A module class built by the analysed code: where, and with which arguments."""

    cls: ClassInfo
    fm: FileModel
    args: list[Value]
    kwargs: dict[str, Value]
    node: cst.CSTNode
    at: FileModel  # the file whose code builds it
    #: the factory method that builds it, run with its own defaults (``Net.build()``)
    via: str | None = None

    @property
    def name(self) -> str:
        return self.cls.name

    def __iter__(self) -> Any:  # (name, args, kwargs), as the confirm plan reads it
        return iter((self.name, self.args, self.kwargs))


@dataclass(eq=False, repr=False)
class ArgParser(Value):
    """An ``argparse.ArgumentParser`` being filled: each option's destination and default."""

    options: dict[str, Value] = field(default_factory=dict)
    node: int | None = None

    def add(self, args: list[Value], kwargs: dict[str, Value]) -> None:
        names = [a.value for a in args if isinstance(a, Const) and isinstance(a.value, str)]
        dest = kwargs.get("dest")
        if isinstance(dest, Const) and isinstance(dest.value, str):
            key = dest.value
        else:
            longs = [n for n in names if n.startswith("--")]
            pick = longs[0] if longs else (names[0] if names else "")
            key = pick.lstrip("-").replace("-", "_")
        if not key:
            return
        action = kwargs.get("action")
        if "default" in kwargs:
            d = kwargs["default"]
            n = d.expr.as_int() if isinstance(d, Int) and d.expr is not None else None
            # a negative size (``--embedding_dim default=-1``) is a placeholder the run fills
            # in from its data: unknown, never a size
            self.options[key] = UNKNOWN if n is not None and n < 0 else d
        elif isinstance(action, Const) and action.value in ("store_true", "store_false"):
            self.options[key] = Const(action.value == "store_false")
        else:
            self.options[key] = Const(None)

    def parsed(self) -> Record:
        """``parse_args()`` with no command line: every option at its default."""
        return Record(tuple(self.options.items()))


@dataclass(frozen=True, repr=False)
class TorchBase(Value):
    """``super().__init__`` / ``super().forward`` of a class that extends a torch layer."""

    obj: Obj
    kind: str
    method: str
    node: int | None = None


TORCH_LAYER = "__torch_layer__"  # where an Obj keeps the torch layer its class extends
#: where an Obj of a class extending ``nn.ModuleList`` keeps the modules its
#: ``super().__init__(modules)`` was given (iterating over the object yields them)
LIST_ITEMS = "__list_items__"


@dataclass(frozen=True, repr=False)
class SuperVal(Value):
    """``super()`` inside a method of ``owner``: attribute lookups start after it in the MRO."""

    obj: Obj
    owner: ClassInfo
    node: int | None = None


@dataclass(frozen=True, repr=False)
class Builtin(Value):
    name: str
    node: int | None = None


@dataclass(frozen=True, repr=False)
class RangeVal(Value):
    length: Expr | None
    node: int | None = None
    start: Expr | None = None  # the first value, when known
    #: ``itertools.count(start)``: no end (``zip`` stops at its other iterables)
    endless: bool = False


BUILTINS = frozenset("""range len int float bool isinstance super print zip enumerate list tuple
    min max sum getattr hasattr abs round dict set sorted reversed str type iter next any all
    map filter setattr vars delattr""".split())


@dataclass
class Env:
    vars: dict[str, Value]
    returns: list[Value] = field(default_factory=list)
    dead: bool = False  # after return / raise / break / continue
    broke: bool = False  # a path left the innermost loop with break

    def fork(self, selves: list[Obj]) -> tuple[Env, list[dict[str, Value]]]:
        return (Env(dict(self.vars), list(self.returns), self.dead, self.broke),
                [dict(o.attrs) for o in selves])
