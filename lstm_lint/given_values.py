"""The values and forward inputs a user gives ``--confirm`` (``[tool.lstm-lint.confirm]``,
``shapes --args`` and ``--input``), checked and put in the form the child makes them from:
tensors with their dtype, tuples, lists and dicts of inputs, plain values, objects to build
and expressions (marked for :func:`lstm_lint.confirm_ctor.user_value`); and what the static
analysis reads of a given input (:func:`spec_value`).  Nothing here imports torch or runs an
expression (it is only compiled, to say a syntax error in one line)."""

from __future__ import annotations

import json
from typing import Any

from .discover import UsageError

#: where the values come from, as the evidence says it
SOURCE = "[tool.lstm-lint.confirm]"

def json_like(v: Any, where: str) -> Any:
    """A value as JSON holds it (TOML dates and times are none)."""
    if v is None or isinstance(v, bool | int | float | str):
        return v
    if isinstance(v, list):
        return [json_like(x, where) for x in v]
    if isinstance(v, dict):
        return {str(k): json_like(x, where) for k, x in v.items()}
    raise UsageError(f"{where}: {v!r} is no JSON value (a number, string, boolean, list or "
                     "table)")


def check_value(v: Any, where: str) -> None:
    """A constructor value: the forms ``{new = ...}``, ``{tensor = ...}`` and ``{expr = ...}``
    (anywhere inside it) are well formed."""
    if isinstance(v, list):
        for x in v:
            check_value(x, where)
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
            check_value(x, where)


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
    named = _torch_dtype(spec)
    if named is not None:
        out["torch_dtype"] = named
    dims, dtype = out["tensor"], out["dtype"]
    if not isinstance(s, dict):
        return out
    keys = set(s) - {"spec"}
    number: tuple[type, ...] = (int,) if dtype == "int" else (bool, int) if dtype == "bool" \
        else (int, float)
    ok = not keys or keys == {"low", "high"} and dtype == "int" \
        and all(type(s[k]) is int for k in keys) and s["low"] < s["high"] \
        or keys == {"values"} and _fits(s["values"], dims, number) \
        or keys == {"fill"} and _fits(s["fill"], [], number)
    if not ok:
        raise UsageError(f"{where}: {json.dumps(s)[:80]} is no tensor table: low < high "
                         "(integers), values of its shape, or one fill value of its dtype")
    held = _out_of_range(s, named or ("int64" if dtype == "int" else "float32"))
    if held is not None:
        raise UsageError(f"{where}: {s['spec']}: {held}")
    out.update({k: s[k] for k in keys})
    return out


#: the values each integer dtype holds (a float too large becomes inf, as torch makes it)
_RANGES: dict[str, tuple[int, int]] = {
    "int8": (-2 ** 7, 2 ** 7 - 1), "uint8": (0, 2 ** 8 - 1), "int16": (-2 ** 15, 2 ** 15 - 1),
    "int32": (-2 ** 31, 2 ** 31 - 1), "int64": (-2 ** 63, 2 ** 63 - 1)}


def _out_of_range(s: dict[str, Any], dtype: str) -> str | None:
    """Why a tensor table's numbers do not fit its dtype (``int8`` with ``fill = 1000``), or
    None when they do (or the dtype holds any)."""
    if dtype not in _RANGES:
        return None
    lo, hi = _RANGES[dtype]
    if "low" in s and (s["low"] < lo or s["high"] - 1 > hi):
        return f"{dtype} holds {lo} to {hi}, but low = {s['low']}, high = {s['high']}"

    def flat(v: Any) -> list[Any]:
        return [x for i in v for x in flat(i)] if isinstance(v, list) else [v]

    given = flat(s["values"]) if "values" in s else [s["fill"]] if "fill" in s else []
    bad = [v for v in given if not isinstance(v, bool) and not lo <= v <= hi]
    if bad:
        return f"{bad[0]} does not fit {dtype} ({lo} to {hi})"
    return None


def input_spec(s: Any, where: str) -> Any:
    """One forward input as the table gives it, checked, as the child makes it: ``None``, a
    tensor (:func:`_tensor`), ``{"tuple"|"list": [...]}``, ``{"dict": {...}}``, ``{"value":
    v}`` (a JSON literal) or ``{"user": v}`` (a constructor value, :func:`child_value`)."""
    from .shapes import parse_spec, split_top
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
            x = json_like(x, where)
            check_value(x, where)
            return {"user": child_value(x)}
    if isinstance(s, str) and (form := input_form(s)) is not s:
        return input_spec(form, where)  # a table's form written as JSON (``shapes --input``)
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
        if isinstance(v, Seq) and v is top:
            # each member from its own text (its dtype as written)
            text = s.strip()[1:-1]
            return {"tuple": [input_spec(p, where) for p in split_top(text) if p.strip()]}
        if isinstance(v, Seq):
            return {"tuple": [spec_of(i) for i in v.items]}
        if isinstance(v, Const):
            return None if v.value is None else {"value": v.value}
        if isinstance(v, Int) and v.expr is not None:
            return {"value": v.expr.as_int()}
        return {"user": child_value(json.loads(s))}  # a JSON object or list: as a value

    top = v
    return spec_of(v)


#: the spec's dtype names that are not torch's own name of the dtype the child makes
_DTYPE_NAMES = {"float": None, "float32": None, "int": None, "int64": None, "long": None,
                "bool": None, "half": "float16", "double": "float64"}


def _torch_dtype(spec: str) -> str | None:
    """torch's name of a spec's dtype when the child would otherwise make another one
    (``float64[2,3]``: float64, not float32; ``int32``: int32, not int64)."""
    name = spec.strip().split("[", 1)[0].strip()
    return _DTYPE_NAMES.get(name, name)


def input_form(text: str) -> Any:
    """An input written as JSON in one of the table's forms (``{"dict": {"x":
    "float32[4,9,2]"}}``, ``{"spec": "int64[4]", "values": [...]}``, ``{"tuple": [...]}``,
    ``{"list": [...]}``, ``{"value": ...}``): that object; anything else: ``text`` itself."""
    t = text.strip()
    if not t.startswith("{"):
        return text
    try:
        v = json.loads(t)
    except json.JSONDecodeError:
        return text
    if isinstance(v, dict) and ("spec" in v or len(v) == 1 and set(v) <= FORMS):
        return v
    return text


#: the keys of the table's forms of an input
FORMS = frozenset({"tuple", "list", "dict", "value"})


def spec_value(s: Any) -> Any:
    """What the static analysis reads of a given input (a child's spec, :func:`input_spec`):
    a tensor of its shape and dtype, a tuple, list or dict of those, a plain value."""
    from .shapes import from_json
    from .symbolic import const
    from .values import UNKNOWN, Const, Record, Seq, Shape, Tensor

    if s is None:
        return Const(None)
    if isinstance(s, dict) and "tensor" in s:
        return Tensor(Shape(tuple(const(d) for d in s["tensor"])), s.get("dtype") or "float")
    if isinstance(s, dict) and ("tuple" in s or "list" in s):
        items = s["tuple"] if "tuple" in s else s["list"]
        return Seq(tuple(spec_value(i) for i in items), "list" in s)
    if isinstance(s, dict) and "dict" in s:
        return Record(tuple((k, spec_value(i)) for k, i in s["dict"].items()))
    if isinstance(s, dict) and "value" in s:
        return from_json(s["value"])
    if isinstance(s, dict) and "user" in s:
        return from_json(s["user"]) if not isinstance(s["user"], dict) \
            or not any(k in s["user"] for k in (TENSOR, EXPR)) else UNKNOWN
    return UNKNOWN


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
            return short(x)
    return short(s)


def _fits(values: Any, dims: list[int], kinds: tuple[type, ...] = (int,)) -> bool:
    """Are ``values`` a nested list of exactly this shape, of these kinds (``type`` is)?"""
    if not dims:
        return type(values) in kinds
    return isinstance(values, list) and len(values) == dims[0] \
        and all(_fits(x, dims[1:], kinds) for x in values)


def short(v: Any) -> str:
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
