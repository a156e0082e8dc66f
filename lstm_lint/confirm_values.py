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
TOML has none); ``kwargs``, a table, may add keywords to a list.

Values are JSON-like; a table inside them is an object with attribute and key access (a
configuration), except three forms, anywhere inside the values:

* ``{new = "Attention", args = [...], kwargs = {...}, module = "pkg.mod"}``: an object built
  with those arguments (as ``shapes --args`` takes them);
* ``{tensor = "float32[50,300]"}``: a tensor (a pretrained embedding matrix), as an input
  spec below gives one (``{tensor = {spec = "int64[4]", values = [...]}}`` too);
* ``{expr = "torch.nn.LSTM"}``: a Python expression, evaluated in the child process with
  ``torch``, ``nn`` (``torch.nn``) and the model file's own names (the file's win).  The
  static analysis never evaluates it: it reads it as ``shapes --args`` does
  (:mod:`lstm_lint.arg_exprs`: a library name as the file imports it, literals, lists),
  anything else is unknown.

``inputs`` are ``forward``'s positional inputs, each one of:

* a ``shapes --input`` spec: ``"float32[4,9,16]"``, ``"(spec,spec)"``, ``"none"`` or a JSON
  literal;
* a tensor table: ``{spec = "int64[4,9]", low = 1, high = 100}`` (integers drawn from
  ``[low, high)``), ``{spec = "int64[4]", values = [9, 7, 5, 2]}`` (these values, a nested
  list of the spec's shape; any dtype), ``{spec = "bool[4,1,9]", fill = 1}`` (a constant);
* ``{tuple = [...]}``, ``{list = [...]}``, ``{dict = {key = ..., ...}}``: a tuple, list or
  dict of inputs (a batch the forward reads by key: ``batch["insample_y"]``);
* ``{value = V}``: any constructor value as above (plain JSON, a configuration object whose
  fields may be tensors, an object to build, an expression).

Anything else is a usage error (one line, exit 2).
The static path reads this only when the table exists; nothing here imports torch or
evaluates an expression (it is only compiled, to say a syntax error in one line).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .discover import UsageError
from .given_values import check_value, input_spec, json_like, short

CLASS_KEYS = {"args", "kwargs", "inputs"}


@dataclass
class Given:
    """One class's values: the constructor's call and, optionally, the forward inputs."""

    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    #: the forward inputs as the table gives them, one per positional forward argument (a
    #: ``shapes --input`` spec, or a table); None: not given
    inputs: list[Any] | None = None
    #: the same as the child makes them (:func:`input_spec`)
    input_specs: list[Any] = field(default_factory=list)
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
        raw = json_like(raw, f"{here} args")
        if isinstance(raw, list):
            given.args = raw
        elif isinstance(raw, dict):
            given.kwargs = raw
        else:
            raise UsageError(f"{here}: args must be a list, a table, or a JSON list or object")
        given.has_args = True
    if "kwargs" in table:
        kw = json_like(table["kwargs"], f"{here} kwargs")
        if not isinstance(kw, dict):
            raise UsageError(f"{here}: kwargs must be a table")
        twice = sorted(set(kw) & set(given.kwargs))
        if twice:
            raise UsageError(f"{here}: {twice[0]!r} is both in args and in kwargs")
        given.kwargs.update(kw)
        given.has_args = True
    check_value([given.args, given.kwargs], f"{here} args")
    if "inputs" in table:
        ins = table["inputs"]
        if not isinstance(ins, list):
            raise UsageError(f"{here}: inputs must be a list of input specs such as "
                             "\"float32[4,9,16]\" (as shapes --input takes them)")
        given.input_specs = [input_spec(s, f"{here} inputs") for s in ins]
        given.inputs = list(ins)
    return given


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
    parts = [f"{params[i] if i < len(params) else f'argument {i + 1}'}={short(v)}"
             for i, v in enumerate(given.args)]
    parts += [f"{k}={short(v)}" for k, v in given.kwargs.items()]
    return ", ".join(parts)


def given_by_name(given: Given | None, params: list[Any]) -> dict[str, Any]:
    """The table's constructor values by parameter name (``params``: the constructor's
    parameters, libcst nodes, in order); empty when it gives none."""
    if given is None or not given.has_args:
        return {}
    names = [p.name.value for p in params]
    out = {names[i]: v for i, v in enumerate(given.args) if i < len(names)}
    out.update(given.kwargs)
    return out


def given_sizes(statics: Sequence[Any], specs: list[Any], env: dict[str, Any]
                ) -> dict[str, int] | None:
    """The engine's size names (``B``, ``T``, ``x_dim0``) as the user's inputs fix them: each
    axis of the engine's shape of an input that is a plain name takes the given size, and
    every other axis (a number, an expression of the constructor's values) must come out as
    given.  None when some given tensor's axes are not all named that way (the engine does
    not know its rank, or an axis, or the sizes disagree): a verdict read off the sizes
    would then read names the engine did not give."""
    from .confirm_sizes import evaluate
    from .values import UNKNOWN, Record, Seq, Tensor, Value

    bound: dict[str, int] = {}
    later: list[tuple[str, int]] = []

    def walk(v: Value, s: Any) -> bool:
        if s is None or (isinstance(s, dict) and ("value" in s or "user" in s)):
            return True
        if isinstance(s, dict) and ("tuple" in s or "list" in s):
            items = s["tuple"] if "tuple" in s else s["list"]
            if isinstance(v, Seq) and v.repeated is not None and "list" in s:
                # a list the code reads item by item: each given item is that one item
                n = v.length.as_int() if v.length is not None else None
                return n in (None, len(items)) and all(walk(v.repeated, x) for x in items)
            return isinstance(v, Seq) and v.repeated is None and len(v.items) == len(items) \
                and all(walk(i, x) for i, x in zip(v.items, items, strict=True))
        if isinstance(s, dict) and "dict" in s:
            # a batch read by key: each key the code reads is given, with the engine's shape
            return isinstance(v, Record) and all(
                k in s["dict"] and walk(x, s["dict"][k]) for k, x in v.fields)
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
    times = [n for n in bound if n == "T" or n.startswith("T_")]
    if "B" in bound and any(bound[t] == bound["B"] for t in times):
        # the batch and a length got one size (B == T == 4): a verdict read off the sizes
        # could not tell which axis is which (other names may meet: a lengths tensor's
        # axis the engine did not tie to the batch is the batch, L == B == 3)
        return None
    return bound
