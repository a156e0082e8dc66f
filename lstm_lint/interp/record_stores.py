"""Configuration objects are shared: a store into one (``args.layers = 2``; a Record is
immutable here, so the store makes a new one) reaches every other holder of it, a caller's
name, an alias, an attribute, an argument already evaluated for a call still to be made."""

from __future__ import annotations

from collections.abc import Sequence

from ..values import UNKNOWN, Record, Value
from .objects import Env, Obj


def shared_stores(stores: list[tuple[Record, Record]]) -> list[tuple[Record, Record]]:
    """Each configuration object stored into (``args.layers = 2``: a Record is immutable
    here, so the store made a new one) with what every other holder of it sees after: the
    fields stored unknown (stored on some path only; which value is not followed further)."""
    root: dict[int, Record] = {}
    changed: dict[int, set[str]] = {}
    for old, new in stores:
        r = root.get(id(old), old)
        root[id(new)] = r
        before = dict(old.fields)
        after = {k for k, _ in new.fields}
        changed.setdefault(id(r), set()).update(
            [k for k, v in new.fields if k not in before or before[k] != v]
            + [k for k in before if k not in after])  # (removed: ``kwargs.pop(k)``)
    out: list[tuple[Record, Record]] = []
    for r in {id(r): r for r in root.values()}.values():
        keys = changed.get(id(r), set())
        fields = [(k, UNKNOWN if k in keys else v) for k, v in r.fields]
        fields += [(k, UNKNOWN) for k in sorted(keys - {k for k, _ in r.fields})]
        out.append((r, Record(tuple(fields))))
    return out


def share_stores(selves: Sequence[Obj], stores: list[tuple[Record, Record]], env: Env,
                 pending: list[Value] | None = None) -> None:
    """What holds a stored-into configuration object here (a name, an attribute of ``self``
    or of an object a name holds, an argument in ``pending``) holds its replacement
    (:func:`shared_stores`)."""
    swaps = shared_stores(stores)
    if not swaps:
        return
    swap = {id(old): new for old, new in swaps}
    if pending is not None:
        pending[:] = [swap.get(id(v), v) for v in pending]
    objs = [*selves, *(v for v in env.vars.values() if isinstance(v, Obj))]
    for name, v in list(env.vars.items()):
        if id(v) in swap:
            env.vars[name] = swap[id(v)]
    for o in {id(o): o for o in objs}.values():
        for k, v in list(o.attrs.items()):
            if id(v) in swap:
                o.attrs[k] = swap[id(v)]
