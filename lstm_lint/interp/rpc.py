"""``torch.distributed.rpc``: ``rpc.remote(to, Cls, args=(...), kwargs={...})`` builds the object
on a worker and hands back a reference to it (:class:`RemoteRef`); ``rpc.rpc_sync(to, f, args,
kwargs)`` runs ``f`` there and gives its result; ``rpc.rpc_async`` gives a future of it.  The
engine follows one program: the object is built and the function run as if here (where they run
changes no shape), and ``rref.local_value()`` / ``rref.to_here()`` / ``fut.wait()`` give the value
back.  Anything else about a reference (its owner, ...) is not known."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from ..values import UNKNOWN, Const, Record, Seq, Value

if TYPE_CHECKING:
    from .objects import Env

RPC = "torch.distributed.rpc."
_RUNS = frozenset({"remote", "rpc_sync", "rpc_async"})
_KEYWORDS = frozenset({"to", "func", "args", "kwargs", "timeout"})
#: the methods of a reference or a future that give back the value it stands for
VALUE_METHODS = frozenset({"local_value", "to_here", "wait", "value"})


@dataclass(frozen=True, repr=False)
class RemoteRef(Value):
    """An ``RRef`` (or a future) of the value ``value``, made by ``rpc.remote``/``rpc_async``."""

    value: Value
    node: int | None = None

    def describe(self) -> str:
        return "a remote reference"


def rpc_call(interp: object, qual: str, args: list[Value], kwargs: dict[str, Value],
             e: cst.Call, env: Env) -> Value | None:
    """The value of a call of ``torch.distributed.rpc.remote/rpc_sync/rpc_async``; None for any
    other call.  Unknown when the function or its arguments are not known."""
    if not qual.startswith(RPC) or qual[len(RPC):] not in _RUNS:
        return None
    name = qual[len(RPC):]
    if set(kwargs) - _KEYWORDS or len(args) > 4:
        return UNKNOWN
    func = args[1] if len(args) > 1 else kwargs.get("func")
    fargs = args[2] if len(args) > 2 else kwargs.get("args", Seq(()))
    fkw = args[3] if len(args) > 3 else kwargs.get("kwargs", Record(()))
    if func is None or not isinstance(fargs, Seq) or fargs.repeated is not None \
            or fargs.tail is not None:
        return UNKNOWN
    if isinstance(fkw, Const) and fkw.value is None:
        fkw = Record(())
    if not isinstance(fkw, Record):
        return UNKNOWN
    out = interp.call(func, list(fargs.items), dict(fkw.fields), e, env)  # type: ignore[attr-defined]
    return out if name == "rpc_sync" else RemoteRef(out)
