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

#: where the values come from, as the evidence says it
SOURCE = "[tool.lstm-lint.confirm]"
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


def _check_value(v: Any, where: str) -> None:
    """A constructor value: the forms ``{new = ...}``, ``{tensor = ...}`` and ``{expr = ...}``
    (anywhere inside it) are well formed."""
    if isinstance(v, list):
        for x in v:
            _check_value(x, where)
    elif isinstance(v, dict):
        if "new" in v:
            if not isinstance(v["new"], str) or not set(v) <= {"new", "module", "args", "kwargs"} \
                    or not isinstance(v.get("args", []), list) \
                    or not isinstance(v.get("kwargs", {}), dict) \
                    or not isinstance(v.get("module", ""), str):
                raise UsageError(f"{where}: an object to build is {{new = \"Class\", args = [...], "
                                 "kwargs = {...}, module = \"pkg.mod\"}, got "
                                 f"{json.dumps(v)[:80]}")
        elif set(v) == {"tensor"}:
            _tensor(v["tensor"], where)
            return
        elif set(v) == {"expr"}:
            _expr(v["expr"], where)
            return
        for x in v.values():
            _check_value(x, where)


def _expr(text: Any, where: str) -> None:
    """An expression: compiled (never run) so that a syntax error is one line here."""
    if not isinstance(text, str) or not text.strip():
        raise UsageError(f"{where}: {{expr = ...}} holds a Python expression as a string, "
                         f"got {json.dumps(text)[:80]}")
    try:
        compile(text.strip(), "<expr>", "eval")
    except (SyntaxError, ValueError) as exc:
        raise UsageError(f"{where}: {text.strip()[:80]!r} is no Python expression "
                         f"({getattr(exc, 'msg', exc)})") from None


def _tensor(s: Any, where: str) -> dict[str, Any]:
    """A tensor, as the child makes it: a spec (``"float32[50,300]"``) or a table with the
    spec and its values (``low``/``high`` for integers, ``values`` of the spec's shape, or
    one ``fill``)."""
    from .shapes import parse_spec
    from .values import Tensor

    spec = s.get("spec") if isinstance(s, dict) else s
    usage = (f"{where}: a tensor is a spec such as \"float32[4,9,16]\", or a table "
             "{spec = \"int64[4]\", low = 1, high = 9}, {spec = ..., values = [...]} or "
             "{spec = ..., fill = 1}")
    if not isinstance(spec, str):
        raise UsageError(usage)
    try:
        v = parse_spec(spec)
    except UsageError as exc:
        raise UsageError(f"{where}: {exc}") from None
    if not isinstance(v, Tensor) or v.shape is None:
        raise UsageError(f"{usage}, got {json.dumps(s)[:80]}")
    out = _tensor_of(v)  # (token ids 0 and 1 unless given)
    dims, dtype = out["tensor"], out["dtype"]
    if not isinstance(s, dict):
        return out
    keys = set(s) - {"spec"}
    number: tuple[type, ...] = (int,) if dtype == "int" else (bool, int) if dtype == "bool" \
        else (int, float)
    ok = keys == {"low", "high"} and dtype == "int" \
        and all(type(s[k]) is int for k in keys) and s["low"] < s["high"] \
        or keys == {"values"} and _fits(s["values"], dims, number) \
        or keys == {"fill"} and _fits(s["fill"], [], number)
    if not ok:
        raise UsageError(f"{where}: {json.dumps(s)[:80]} is no tensor table: low < high "
                         "(integers), values of its shape, or one fill value of its dtype")
    out.update({k: s[k] for k in keys})
    return out


def input_spec(s: Any, where: str) -> Any:
    """One forward input as the table gives it, checked, as the child makes it: ``None``, a
    tensor (:func:`_tensor`), ``{"tuple"|"list": [...]}``, ``{"dict": {...}}``, ``{"value":
    v}`` (a JSON literal) or ``{"user": v}`` (a constructor value, :func:`child_value`)."""
    from .shapes import parse_spec
    from .values import Const, Int, Seq, Tensor

    if isinstance(s, dict) and "spec" in s:
        return _tensor(s, where)
    if isinstance(s, dict) and len(s) == 1:
        (k, x), = s.items()
        if k in ("tuple", "list") and isinstance(x, list):
            return {k: [input_spec(i, where) for i in x]}
        if k == "dict" and isinstance(x, dict):
            return {"dict": {str(n): input_spec(i, where) for n, i in x.items()}}
        if k == "value":
            x = _json_like(x, where)
            _check_value(x, where)
            return {"user": child_value(x)}
    if not isinstance(s, str):
        raise UsageError(f"{where}: an input is a spec such as \"float32[4,9,16]\", a tensor "
                         "table {spec = \"int64[4]\", low = 1, high = 9} (or values = [...], "
                         "fill = 1), {tuple = [...]}, {list = [...]}, {dict = {...}} or "
                         f"{{value = ...}}, got {json.dumps(s)[:80]}")
    try:
        v = parse_spec(s)
    except UsageError as exc:
        raise UsageError(f"{where}: {exc}") from None

    def spec_of(v: Any) -> Any:
        if isinstance(v, Tensor):
            return _tensor(s, where) if v is top else _tensor_of(v)
        if isinstance(v, Seq):
            return {"tuple": [spec_of(i) for i in v.items]}
        if isinstance(v, Const):
            return None if v.value is None else {"value": v.value}
        if isinstance(v, Int) and v.expr is not None:
            return {"value": v.expr.as_int()}
        return {"user": child_value(json.loads(s))}  # a JSON object or list: as a value

    top = v
    return spec_of(v)


def _tensor_of(v: Any) -> dict[str, Any]:
    """A tensor the spec parser read (every size a number), as the child makes it."""
    dims = [(d.as_int() if d is not None else None) or 0 for d in v.shape.dims]
    dtype = v.dtype if v.dtype in ("int", "bool") else "float"
    return {"tensor": dims, "dtype": dtype, **({"high": 2} if dtype == "int" else {})}


def child_value(v: Any, where: str = SOURCE) -> Any:
    """A constructor value as the child builds it: ``{tensor = ...}`` and ``{expr = ...}``
    marked as such (the child's :func:`~lstm_lint.confirm_ctor.user_value` makes them),
    everything else as it is."""
    if isinstance(v, list):
        return [child_value(x, where) for x in v]
    if not isinstance(v, dict):
        return v
    if set(v) == {"tensor"}:
        return {TENSOR: _tensor(v["tensor"], where)}
    if set(v) == {"expr"} and isinstance(v["expr"], str):
        return {EXPR: v["expr"].strip()}
    if isinstance(v.get("new"), str):
        return {**v, "args": child_value(v.get("args") or [], where),
                "kwargs": child_value(v.get("kwargs") or {}, where)}
    return {k: child_value(x, where) for k, x in v.items()}


#: the child's markers of a tensor and an expression among constructor values
TENSOR, EXPR = "lstm_lint_tensor", "lstm_lint_expr"


def input_text(s: Any) -> str:
    """An input as the evidence names it: its spec, or the table in short."""
    if isinstance(s, str):
        return s
    if isinstance(s, dict) and isinstance(s.get("spec"), str):
        return s["spec"]
    if isinstance(s, dict) and len(s) == 1:
        (k, x), = s.items()
        if k in ("tuple", "list") and isinstance(x, list):
            inner = ",".join(input_text(i) for i in x)
            return f"({inner})" if k == "tuple" else f"[{inner}]"
        if k == "dict" and isinstance(x, dict):
            return "{" + ", ".join(f"{n}: {input_text(i)}" for n, i in x.items()) + "}"
        if k == "value":
            return _short(x)
    return _short(s)


def _fits(values: Any, dims: list[int], kinds: tuple[type, ...] = (int,)) -> bool:
    """Are ``values`` a nested list of exactly this shape, of these kinds (``type`` is)?"""
    if not dims:
        return type(values) in kinds
    return isinstance(values, list) and len(values) == dims[0] \
        and all(_fits(x, dims[1:], kinds) for x in values)


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
    _check_value([given.args, given.kwargs], f"{here} args")
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
    parts = [f"{params[i] if i < len(params) else f'argument {i + 1}'}={_short(v)}"
             for i, v in enumerate(given.args)]
    parts += [f"{k}={_short(v)}" for k, v in given.kwargs.items()]
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


def _short(v: Any) -> str:
    if isinstance(v, dict) and isinstance(v.get("new"), str):
        return f"{v['new']}(...)"
    if isinstance(v, dict) and set(v) == {"tensor"}:
        spec = v["tensor"].get("spec") if isinstance(v["tensor"], dict) else v["tensor"]
        return f"tensor {spec}"
    if isinstance(v, dict) and set(v) == {"expr"} and isinstance(v["expr"], str):
        text = v["expr"].strip()
        return text if len(text) <= 40 else text[:37] + "..."
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
    return bound
