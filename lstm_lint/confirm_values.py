"""``[tool.lstm-lint.confirm]``: the constructor arguments and forward inputs a user gives a
class for ``--confirm``.

.. code-block:: toml

    [tool.lstm-lint.confirm.Tagger]
    args = {vocab_size = 100, hidden_size = 128, dropout = 0.1}
    inputs = ["int64[4,9]"]

    [tool.lstm-lint.confirm."models/seq2seq.py::Encoder"]   # when class names clash
    args = [100, 32, 64]

A class is named by its name, or by ``path/to/file.py::Class`` (the path relative to the
folder of the pyproject.toml); the latter wins.  ``args`` is the constructor's call: a list
(positional), a table (by keyword), or a string holding the same as JSON (JSON has ``null``,
TOML has none); ``kwargs``, a table, may add keywords to a list.  Values are JSON-like; a
table inside them is an object with attribute and key access (a configuration), and
``{new = "Attention", args = [...], kwargs = {...}, module = "pkg.mod"}`` an object built with
those arguments (as ``shapes --args`` takes them).  ``inputs`` are ``forward``'s positional
inputs, one ``shapes --input`` spec each, or for an integer tensor a table with its
``spec`` and its values (``low`` and ``high``, or ``values``).  Anything else is a usage
error (one line, exit 2).
The static path reads this only when the table exists; nothing here imports torch.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .discover import UsageError

#: where the values come from, as the evidence says it
SOURCE = "[tool.lstm-lint.confirm]"
CLASS_KEYS = {"args", "kwargs", "inputs"}


@dataclass
class Given:
    """One class's values: the constructor's call and, optionally, the forward inputs."""

    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    #: ``shapes --input`` specs, one per positional forward argument; None: not given
    inputs: list[str] | None = None
    #: per input, the table that gave it values (``low``/``high`` or ``values``), else None
    input_values: list[dict[str, Any] | None] = field(default_factory=list)
    #: the table's key, for messages (``Tagger``, ``models/seq2seq.py::Encoder``)
    key: str = ""
    #: the constructor's call was given (``args`` or ``kwargs``)
    has_args: bool = False

    def user_args(self) -> Any:
        """As ``--args`` holds them: a list, or a dict when only keywords were given."""
        if self.args or not self.kwargs:
            return list(self.args)
        return dict(self.kwargs)


@dataclass
class ConfirmValues:
    """The whole table: per class name and per ``path::Class``."""

    by_name: dict[str, Given] = field(default_factory=dict)
    by_path: dict[tuple[str, str], Given] = field(default_factory=dict)
    root: str = "."
    #: the pyproject.toml it was read from (for messages)
    path: str = ""

    def for_class(self, path: str, name: str) -> Given | None:
        real = os.path.realpath(path)
        for (p, n), g in self.by_path.items():
            if n == name and os.path.realpath(os.path.join(self.root, p)) == real:
                return g
        return self.by_name.get(name)

    def __bool__(self) -> bool:
        return bool(self.by_name or self.by_path)


def _json_like(v: Any, where: str) -> Any:
    """A value as JSON holds it (TOML dates and times are none)."""
    if v is None or isinstance(v, bool | int | float | str):
        return v
    if isinstance(v, list):
        return [_json_like(x, where) for x in v]
    if isinstance(v, dict):
        return {str(k): _json_like(x, where) for k, x in v.items()}
    raise UsageError(f"{where}: {v!r} is no JSON value (a number, string, boolean, list or "
                     "table)")


def _check_new(v: Any, where: str) -> None:
    """An object to build, ``{new = "Cls", ...}``: only these keys, of these kinds."""
    if isinstance(v, list):
        for x in v:
            _check_new(x, where)
    elif isinstance(v, dict):
        if "new" in v:
            if not isinstance(v["new"], str) or not set(v) <= {"new", "module", "args", "kwargs"} \
                    or not isinstance(v.get("args", []), list) \
                    or not isinstance(v.get("kwargs", {}), dict) \
                    or not isinstance(v.get("module", ""), str):
                raise UsageError(f"{where}: an object to build is {{new = \"Class\", args = [...], "
                                 "kwargs = {...}, module = \"pkg.mod\"}, got "
                                 f"{json.dumps(v)[:80]}")
        for x in v.values():
            _check_new(x, where)


def parse_class(key: str, table: Any, where: str) -> Given:
    """One class's table, checked: unknown keys and bad values are usage errors."""
    here = f"{where} {key!r}"
    if not isinstance(table, dict):
        raise UsageError(f"{here} must be a table with args and/or inputs")
    unknown = set(table) - CLASS_KEYS
    if unknown:
        raise UsageError(f"{here}: unknown key(s) {', '.join(sorted(unknown))} "
                         f"(expected {', '.join(sorted(CLASS_KEYS))})")
    given = Given(key=key)
    if "args" in table:
        raw = table["args"]
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise UsageError(f"{here}: args is not valid JSON: {exc}") from None
        raw = _json_like(raw, f"{here} args")
        if isinstance(raw, list):
            given.args = raw
        elif isinstance(raw, dict):
            given.kwargs = raw
        else:
            raise UsageError(f"{here}: args must be a list, a table, or a JSON list or object")
        given.has_args = True
    if "kwargs" in table:
        kw = _json_like(table["kwargs"], f"{here} kwargs")
        if not isinstance(kw, dict):
            raise UsageError(f"{here}: kwargs must be a table")
        twice = sorted(set(kw) & set(given.kwargs))
        if twice:
            raise UsageError(f"{here}: {twice[0]!r} is both in args and in kwargs")
        given.kwargs.update(kw)
        given.has_args = True
    _check_new([given.args, given.kwargs], f"{here} args")
    if "inputs" in table:
        ins = table["inputs"]
        if not isinstance(ins, list):
            raise UsageError(f"{here}: inputs must be a list of input specs such as "
                             "\"float32[4,9,16]\" (as shapes --input takes them)")
        given.inputs = [_input(s, f"{here} inputs") for s in ins]
        given.input_values = [s if isinstance(s, dict) else None for s in ins]
    return given


def _input(s: Any, where: str) -> str:
    """One input: a ``shapes --input`` spec, or a table with an integer tensor's ``spec`` and
    its values (``low``/``high``: drawn from that range, ``high`` excluded; ``values``: these,
    as a nested list of the spec's shape), as lengths or indices need."""
    from .shapes import parse_spec
    from .values import Tensor

    spec = s.get("spec") if isinstance(s, dict) else s
    if not isinstance(spec, str):
        raise UsageError(f"{where}: an input is a spec such as \"float32[4,9,16]\", or a "
                         "table {spec = \"int64[4]\", low = 1, high = 9} or {spec = ..., "
                         "values = [...]}")
    try:
        v = parse_spec(spec)
    except UsageError as exc:
        raise UsageError(f"{where}: {exc}") from None
    if isinstance(s, dict):
        keys = set(s) - {"spec"}
        ok = isinstance(v, Tensor) and v.dtype == "int" and v.shape is not None \
            and (keys == {"low", "high"} and all(type(s[k]) is int for k in keys)
                 and s["low"] < s["high"]
                 or keys == {"values"} and _fits(s["values"], [d.as_int() if d is not None else None
                                                             for d in v.shape.dims]))
        if not ok:
            raise UsageError(f"{where}: {json.dumps(s)[:80]} is no integer tensor spec with "
                             "low < high or with values of its shape")
    return spec


def _fits(values: Any, dims: list[int | None]) -> bool:
    """Are ``values`` a nested list of integers of exactly this shape?"""
    if not dims:
        return type(values) is int
    return isinstance(values, list) and len(values) == dims[0] \
        and all(_fits(x, dims[1:]) for x in values)


def parse_table(table: Any, path: str) -> ConfirmValues:
    """``[tool.lstm-lint.confirm]`` of the pyproject.toml at ``path``."""
    where = f"{path}: [tool.lstm-lint.confirm]"
    if not isinstance(table, dict):
        raise UsageError(f"{where} must be a table of classes")
    out = ConfirmValues(root=os.path.dirname(os.path.abspath(path)), path=path)
    for key, sub in table.items():
        given = parse_class(key, sub, where)
        file, sep, name = key.rpartition("::")
        if sep:
            if not file or not name.isidentifier():
                raise UsageError(f"{where}: {key!r} is no class (a name, or "
                                 "path/to/file.py::Class)")
            out.by_path[(file, name)] = given
        elif key.isidentifier():
            out.by_name[key] = given
        else:
            raise UsageError(f"{where}: {key!r} is no class name (a name, or "
                             "path/to/file.py::Class)")
    return out


def describe(given: Given, params: list[str]) -> str:
    """The values as the evidence says where they came from: ``hidden_size=128, ...``."""
    parts = [f"{params[i] if i < len(params) else f'argument {i + 1}'}={_short(v)}"
             for i, v in enumerate(given.args)]
    parts += [f"{k}={_short(v)}" for k, v in given.kwargs.items()]
    return ", ".join(parts)


def _short(v: Any) -> str:
    if isinstance(v, dict) and isinstance(v.get("new"), str):
        return f"{v['new']}(...)"
    text = json.dumps(v)
    return text if len(text) <= 40 else text[:37] + "..."


def given_sizes(statics: Sequence[Any], specs: list[Any], env: dict[str, Any]
                ) -> dict[str, int] | None:
    """The engine's size names (``B``, ``T``, ``x_dim0``) as the user's inputs fix them: each
    axis of the engine's shape of an input that is a plain name takes the given size, and
    every other axis (a number, an expression of the constructor's values) must come out as
    given.  None when some given tensor's axes are not all named that way (the engine does
    not know its rank, or an axis, or the sizes disagree): a verdict read off the sizes
    would then read names the engine did not give."""
    from .confirm_sizes import evaluate
    from .values import UNKNOWN, Seq, Tensor, Value

    bound: dict[str, int] = {}
    later: list[tuple[str, int]] = []

    def walk(v: Value, s: Any) -> bool:
        if s is None or (isinstance(s, dict) and "value" in s):
            return True
        if isinstance(s, dict) and "tuple" in s:
            return isinstance(v, Seq) and v.repeated is None \
                and len(v.items) == len(s["tuple"]) \
                and all(walk(i, x) for i, x in zip(v.items, s["tuple"], strict=True))
        if not (isinstance(s, dict) and "tensor" in s):
            return True
        if not isinstance(v, Tensor) or v.shape is None or v.shape.star \
                or len(v.shape.dims) != len(s["tensor"]):
            return False
        for d, n in zip(v.shape.dims, s["tensor"], strict=True):
            if d is None:
                return False
            text = str(d)
            if text.isidentifier() and text not in env:
                if bound.setdefault(text, n) != n:
                    return False
            else:
                later.append((text, n))
        return True

    if not all(walk(statics[i] if i < len(statics) else UNKNOWN, s)
               for i, s in enumerate(specs)):
        return None
    for text, n in later:
        try:
            if evaluate(text, {**env, **bound}) != n:
                return None
        except Exception:  # a name nothing binds: the engine's axis is not the user's
            return None
    return bound
