"""Configuration objects are shared: a store into one (``args.layers = 2``; a Record is
immutable here, so the store makes a new one) reaches every other holder of it, a caller's
name, an alias, an attribute, an argument already evaluated for a call still to be made.
A copy (``dict(cfg)``, ``cfg.copy()``, ``copy.copy(cfg)``) is a new object: a store into it
reaches no holder of the original (:func:`copied`).  A caller's value the run does not know
the type of (``cfg``, a constructor parameter) is no record: a store into it is kept by the
item's name, which then reads as unknown (:func:`caller_item`)."""

from __future__ import annotations

from collections.abc import Sequence

from ..symbolic import sym
from ..values import UNKNOWN, Const, Int, Record, Seq, Value, copy_with
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
        return v
    made = copied(v, True)
    return made if made is not None else v


def caller_item(stored: set[str], name: str) -> Value:
    """An item of a caller's value (``cfg.hidden``, ``cfg["hidden"]``, ``output_dim[0]`` of a
    constructor parameter whose type the run does not know): a caller's value of its own,
    named ``name``; unknown once the code stored into it or into an item that holds it
    (``cfg.hidden = 2 * cfg.hidden``, ``cfg.update(...)``: the caller's symbol is no longer
    what it holds).  ``stored``: the items stored into, by name (``Core.stored_items``)."""
    if stored and any(name == s or name.startswith((s + ".", s + "[")) for s in stored):
        return UNKNOWN
    return Int(sym(name), param=name)


def store_item(stored: set[str], name: str) -> None:
    """Keep item ``name`` of a caller's value as stored into (``args.__dict__["hidden"]`` is
    ``args.hidden``)."""
    stored.add(name.replace(".__dict__", ""))


#: the methods that change a dict in place
DICT_STORES = frozenset({"update", "setdefault", "pop", "popitem", "clear"})


def stored_by_method(param: str, name: str, args: Sequence[Value],
                     kwargs: dict[str, Value]) -> list[str]:
    """The items of caller's value ``param`` that its dict method ``name`` may change: the
    keys named (``cfg.update(hidden=32)``, ``cfg.pop("hidden")``), else the whole value."""
    first = args[0] if args else None
    if name == "update" and not args:
        return [f"{param}.{k}" for k in kwargs]
    if name in ("setdefault", "pop") and isinstance(first, Const) \
            and isinstance(first.value, str):
        return [f"{param}.{first.value}"]
    return [param]
