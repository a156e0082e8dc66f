"""Stores into a caller's value whose type the run does not know (``args.hidden = 2 *
args.hidden``, ``cfg["k"] = v``, ``setattr(args, "k", v)``, ``cfg.update(k=v)``): the item is
kept by its name (``Core.stored_items``, name -> the value stored, UNKNOWN when not known)
and a later read gives what was stored, never the caller's symbol.  Where paths meet (an
``if``, a loop) the items are joined like names are: a path that did not store holds the
caller's value (:func:`join_stored`)."""

from __future__ import annotations

from collections.abc import Sequence

from ..symbolic import sym
from ..values import UNKNOWN, Const, Flag, Int, Tensor, Value
from .joins import join
from .objects import SPLAT


def caller_item(stored: dict[str, Value], name: str) -> Value:
    """An item of a caller's value (``cfg.hidden``, ``cfg["hidden"]``, ``output_dim[0]`` of a
    constructor parameter whose type the run does not know): a caller's value of its own,
    named ``name``; what the code stored into it, if it did; unknown once it stored into a
    value that holds it (``cfg.model = ...``, ``cfg.update(**kw)``)."""
    if name in stored:
        return stored[name]
    if stored and any(name.startswith((s + ".", s + "[")) for s in stored):
        return UNKNOWN
    return Int(sym(name), param=name)


def is_stored(stored: dict[str, Value], name: str) -> bool:
    """Whether the code stored into item ``name`` of a caller's value (or into what holds it):
    then its read is the store's, never a default (``getattr(args, "k", 16)``)."""
    return bool(stored) and any(name == s or name.startswith((s + ".", s + "["))
                                for s in stored)


def store_item(stored: dict[str, Value], name: str, value: Value = UNKNOWN) -> None:
    """Item ``name`` of a caller's value now holds ``value``; the items inside it are the
    caller's no longer (a store into ``args`` as a whole: every item)."""
    for s in [s for s in stored if s.startswith((name + ".", name + "["))]:
        del stored[s]
    stored[name] = value


def stored_by_method(param: str, name: str, args: Sequence[Value],
                     kwargs: dict[str, Value]) -> list[tuple[str, Value]]:
    """The items of caller's value ``param`` that its dict method ``name`` changes, with what
    they hold after: the keys named (``cfg.update(hidden=32)``: 32; ``cfg.pop("hidden")``:
    unknown), else the whole value (unknown keys, ``cfg.update(**overrides)``).
    ``setdefault`` changes no key the caller gave, and one it left out is the caller's to
    choose: no store."""
    first = args[0] if args else None
    if name == "setdefault":
        return []
    if name == "update" and not args and SPLAT not in kwargs:
        return [(f"{param}.{k}", v) for k, v in kwargs.items()]
    if name == "pop" and isinstance(first, Const) and isinstance(first.value, str):
        return [(f"{param}.{first.value}", UNKNOWN)]
    return [(param, UNKNOWN)]


#: the methods that change a dict in place
DICT_STORES = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setattr__"})
#: ... and those of a dict batch (a forward input), whose keys ``__setitem__`` and
#: ``__delitem__`` change too
BATCH_STORES = DICT_STORES | {"__setitem__", "__delitem__"}


def caller_method(stored: dict[str, Value], param: str, name: str, args: Sequence[Value],
                  kwargs: dict[str, Value]) -> Value:
    """Method ``name`` (one of DICT_STORES) of caller's value ``param``: its stores kept in
    ``stored``; what it returns."""
    first = args[0] if args else None
    key = first.value if isinstance(first, Const) and isinstance(first.value, str) else None
    if name == "__setattr__" and len(args) == 2:
        # ``args.__setattr__("hidden", v)`` is ``args.hidden = v``
        store_item(stored, param if key is None else f"{param}.{key}",
                   UNKNOWN if key is None else args[1])
        return Const(None)
    for item, v in stored_by_method(param, name, args, kwargs):
        store_item(stored, item, v)
    if name == "setdefault" and key is not None:
        return caller_item(stored, f"{param}.{key}")
    return UNKNOWN


def batch_key(hole: str, key: str) -> str:
    """The name under which a store into key ``key`` of forward input ``hole`` read as a
    dict batch is kept (no caller's item is named so: names begin with an identifier)."""
    return f"<input>{hole}[{key!r}]"


def stored_key(stored: dict[str, Value], hole: str, key: str) -> Value | None:
    """What the code stored into key ``key`` of a dict batch ``hole`` (None: it stored
    nothing there); unknown where the paths that meet disagree or one did not store."""
    name = batch_key(hole, key)
    if name not in stored:
        # a change of the whole batch (``batch.update(...)``, ``pop``): no key is known
        return UNKNOWN if f"<input>{hole}" in stored else None
    v = stored[name]
    return v if isinstance(v, Tensor) else UNKNOWN


def batch_method(stored: dict[str, Value], hole: str, name: str, args: Sequence[Value],
                 kwargs: dict[str, Value]) -> Value:
    """Dict method ``name`` (one of BATCH_STORES) of forward input ``hole`` read as a dict
    batch: ``batch.update(x=v)`` stores ``v`` into key ``x``; any other change (keys not
    known, ``pop``, ``clear``) leaves no key of the batch known."""
    if name == "update" and not args and SPLAT not in kwargs:
        for k, v in kwargs.items():
            store_item(stored, batch_key(hole, k), v)
        return Const(None)
    key = args[0].value if args and isinstance(args[0], Const) \
        and isinstance(args[0].value, str) else None
    if name == "setdefault" and key is not None:
        # a key the caller gave is kept; one it left out holds the default: either way the
        # key is no longer known to be the caller's tensor alone
        store_item(stored, batch_key(hole, key), UNKNOWN)
        return UNKNOWN
    if name == "pop" and key is not None:
        # ``labels = batch.pop("labels")``: the key's tensor, and the key is gone
        held = stored_key(stored, hole, key)
        store_item(stored, batch_key(hole, key), UNKNOWN)
        return held if held is not None else Tensor(None, hole=(f"{hole}[{key!r}]", ()))
    store_item(stored, f"<input>{hole}", UNKNOWN)
    return UNKNOWN


def join_stored(a: dict[str, Value], b: dict[str, Value],
                flag: Flag | None) -> dict[str, Value]:
    """The items stored into after two paths meet: an item one path stored and the other did
    not holds, on the other, the caller's value (or what it read before)."""
    if a == b:
        return dict(a)
    out: dict[str, Value] = {}
    for name in {*a, *b}:
        x = a[name] if name in a else caller_item(a, name)
        y = b[name] if name in b else caller_item(b, name)
        out[name] = x if x is y else join(x, y, flag)
    return out


def after_returns(end: dict[str, Value], returned: list[dict[str, Value]],
                  dead: bool) -> dict[str, Value]:
    """The items stored into after a call: joined over the paths that returned (``if
    a.hidden: return``, then ``a.hidden = 32``: the caller's, or 32) and the end of the
    body, when a path reaches it (``dead``: none does)."""
    paths = returned if dead else [*returned, end]
    if not paths:
        return end
    out = paths[0]
    for p in paths[1:]:
        out = join_stored(out, p, None)
    return out


def loop_stored(before: dict[str, Value], after: dict[str, Value]) -> dict[str, Value]:
    """The items stored into after a loop whose passes (none, one or more) began with
    ``before`` and whose last pass ended with ``after``."""
    if before == after:
        return dict(after)
    return join_stored(before, after, None)
