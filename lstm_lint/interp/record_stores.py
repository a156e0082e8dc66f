"""Configuration objects are shared: a store into one (``args.layers = 2``; a Record is
immutable here, so the store makes a new one) reaches every other holder of it, a caller's
name, an alias, an attribute, an argument already evaluated for a call still to be made.
A copy (``dict(cfg)``, ``cfg.copy()``, ``copy.copy(cfg)``) is a new object: a store into it
reaches no holder of the original (:func:`copied`).  A store into a caller's value the run does
not know the type of is kept by the item's name (caller_stores.py)."""

from __future__ import annotations

from collections.abc import Sequence

from ..values import UNKNOWN, Int, Record, Seq, Value, copy_with
from .objects import Env, Modules, Obj


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
    swap_holders({id(old): new for old, new in swaps}, selves, env, pending)


def swap_holders(swap: dict[int, Value], selves: Sequence[Obj], env: Env,
                 pending: list[Value] | None = None) -> None:
    """Each holder of an object in ``swap`` (by id) holds its replacement: a name, an
    attribute of ``self`` or of an object a name holds, an argument in ``pending``, and a
    dict or list any of those hold (``dict(cfg)`` shares ``cfg["enc"]`` with ``cfg``: a store
    into ``wide["enc"]`` reaches ``cfg["enc"]``)."""
    memo: dict[int, Value] = {}
    if pending is not None:
        pending[:] = [_swapped(v, swap, memo, 0) for v in pending]
    objs = [*selves, *(v for v in env.vars.values() if isinstance(v, Obj))]
    for name, v in list(env.vars.items()):
        w = _swapped(v, swap, memo, 0)
        if w is not v:
            env.vars[name] = w
    for o in {id(o): o for o in objs}.values():
        for k, v in list(o.attrs.items()):
            w = _swapped(v, swap, memo, 0)
            if w is not v:
                o.attrs[k] = w


def _swapped(v: Value, swap: dict[int, Value], memo: dict[int, Value], depth: int) -> Value:
    """``v`` with what ``swap`` replaces, in it too (dicts and lists, a few levels deep): the
    same new object for each old one (``memo``), so that holders stay shared."""
    if id(v) in swap:
        return swap[id(v)]
    if depth >= 4 or not isinstance(v, Record | Seq):
        return v
    if id(v) in memo:
        return memo[id(v)]
    out: Value = v
    if isinstance(v, Record):
        fields = tuple((k, _swapped(x, swap, memo, depth + 1)) for k, x in v.fields)
        if any(a is not b for (_k, a), (_j, b) in zip(fields, v.fields, strict=True)):
            out = Record(fields)
    elif v.repeated is None:
        items = tuple(_swapped(x, swap, memo, depth + 1) for x in v.items)
        if any(a is not b for a, b in zip(items, v.items, strict=True)):
            out = copy_with(v, {"items": items})
    memo[id(v)] = out
    return out


def copied(v: Value, deep: bool = False) -> Value | None:
    """A copy of a configuration record or a list (``dict(cfg)``, ``cfg.copy()``,
    ``copy.copy(cfg)``, ``list.copy()``): a new object holding the same values (``deep``,
    ``copy.deepcopy``: records and lists inside it copied too), so that a store into the copy
    reaches no holder of the original; None for any other value."""
    if isinstance(v, Record):
        return Record(tuple((k, _inner(x, deep)) for k, x in v.fields))
    if isinstance(v, Seq) and v.repeated is None:
        return copy_with(v, {"items": tuple(_inner(x, deep) for x in v.items), "node": None})
    return None


def _inner(v: Value, deep: bool) -> Value:
    if not deep:
        return v  # shared with the original (a store into it reaches both: swap_holders)
    made = copied(v, True)
    if made is not None:
        return made
    if isinstance(v, Int) and v.param:
        # a caller's value copied: the number it is, but a store into the copy is no store
        # into the caller's value (not followed)
        return Int(v.expr)
    if isinstance(v, Obj | Modules):
        return UNKNOWN  # a user object copied: its copy is not followed
    return v


def copied_caller_value(v: Value) -> Value | None:
    """``copy.copy(args)``/``copy.deepcopy(args)`` of a caller's value: a new object, so a
    store into it reaches no item of ``args``: the number it may be, no caller's items."""
    if isinstance(v, Int) and v.param:
        return Int(v.expr)
    return None
