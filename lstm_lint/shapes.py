"""`lstm-lint shapes`: every module's forward signature with symbolic or concrete shapes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .analyze import ModuleShapes, analyze_module
from .discover import UsageError
from .extract import FileModel
from .positions import locate
from .project import Project
from .symbolic import const
from .values import UNKNOWN, Const, Int, Packed, Seq, Shape, Tensor, Value

_TENSOR_SPEC = re.compile(r"^\s*([a-z]+[0-9]*)\s*\[([^\]]*)\]\s*$")
_DTYPES = {"float": "float", "float16": "float", "float32": "float", "float64": "float",
           "bfloat16": "float", "half": "float", "double": "float", "int": "int", "int8": "int",
           "int16": "int", "int32": "int", "int64": "int", "long": "int", "uint8": "int",
           "bool": "bool"}


def parse_spec(spec: str) -> Value:
    """``float32[32,50,10]``, ``(spec,spec)``, ``none`` or a JSON literal."""
    s = spec.strip()
    if s.lower() == "none":
        return Const(None)
    if s.startswith("(") and s.endswith(")"):
        return Seq(tuple(parse_spec(p) for p in _split_top(s[1:-1]) if p.strip()))
    m = _TENSOR_SPEC.match(s)
    if m:
        dtype = _DTYPES.get(m.group(1))
        if dtype is None:
            raise UsageError(f"unknown dtype {m.group(1)!r} in input spec {spec!r}")
        dims = []
        for d in m.group(2).split(","):
            if not d.strip():
                continue
            try:
                dims.append(const(int(d)))
            except ValueError:
                raise UsageError(f"input spec {spec!r}: {d.strip()!r} is not an int") from None
        return Tensor(Shape(tuple(dims)), dtype)
    try:
        return from_json(json.loads(s))
    except json.JSONDecodeError:
        raise UsageError(f"cannot read input spec {spec!r}: expected e.g. float32[32,50,10], "
                         "(spec,spec), none, or a JSON literal") from None


def _split_top(s: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def from_json(v: Any) -> Value:
    if isinstance(v, bool) or v is None or isinstance(v, float | str):
        return Const(v)
    if isinstance(v, int):
        return Int(const(v))
    if isinstance(v, list):
        return Seq(tuple(from_json(i) for i in v), True)
    return UNKNOWN


def value_json(v: Value) -> Any:
    if isinstance(v, Tensor):
        return v.shape.to_json() if v.shape is not None else None
    if isinstance(v, Packed):
        return value_json(v.data)
    if isinstance(v, Seq) and v.repeated is None:
        return [value_json(i) for i in v.items]
    return None


def value_text(v: Value) -> str:
    if isinstance(v, Tensor):
        return v.shape.render() if v.shape is not None else "unknown"
    if isinstance(v, Packed):
        return f"PackedSequence{value_text(v.data)}"
    if isinstance(v, Seq) and v.repeated is None:
        return "(" + ", ".join(value_text(i) for i in v.items) + ")"
    if isinstance(v, Const):
        return repr(v.value)
    if isinstance(v, Int):
        return f"int {v.expr}" if v.expr is not None else "int"
    return "unknown"


@dataclass
class ShapesResult:
    path: str
    cls: str
    line: int
    result: ModuleShapes


def shapes_for(fm: FileModel, project: Project, class_name: str | None, args_json: str | None,
               inputs: list[str] | None) -> list[ShapesResult]:
    project.add(fm)
    project.resolve(fm)
    classes = fm.module_classes()
    if class_name is not None:
        classes = [c for c in classes if c.name == class_name]
    args: list[Value] | None = None
    kwargs: dict[str, Value] | None = None
    if args_json is not None:
        try:
            raw = json.loads(args_json)
        except json.JSONDecodeError as exc:
            raise UsageError(f"--args is not valid JSON: {exc}") from None
        if isinstance(raw, list):
            args = [from_json(a) for a in raw]
        elif isinstance(raw, dict):
            kwargs = {str(k): from_json(a) for k, a in raw.items()}
        else:
            raise UsageError("--args must be a JSON list or object")
    in_vals = [parse_spec(s) for s in inputs] if inputs else None
    spans = locate(fm.module, [c.node.name for c in classes])
    out = []
    for c in classes:
        res = analyze_module(fm, c, project, args, kwargs, in_vals)
        span = spans.get(id(c.node.name))
        out.append(ShapesResult(fm.path, c.name, span.line if span else 1, res))
    return out


def as_json(results: list[ShapesResult]) -> list[dict[str, Any]]:
    return [{
        "path": r.path, "class": r.cls, "line": r.line,
        "inputs": [{"name": n, "shape": value_json(v)}
                   for n, v in zip(r.result.input_names, r.result.inputs, strict=False)],
        "output": value_json(r.result.output),
        "constraints": r.result.constraints,
    } for r in results]


def as_text(results: list[ShapesResult],
            observed: dict[tuple[str, str], dict[str, Any]] | None = None) -> str:
    lines = []
    for r in results:
        ins = ", ".join(f"{n}: {value_text(v)}"
                        for n, v in zip(r.result.input_names, r.result.inputs, strict=False))
        lines.append(f"{r.path}:{r.line}: {r.cls}")
        lines.append(f"    forward({ins}) -> {value_text(r.result.output)}")
        for c in r.result.constraints:
            lines.append(f"    requires {c}")
        if r.result.note:
            lines.append(f"    note: {r.result.note}")
        if observed is not None:
            o = observed.get((r.path, r.cls)) or {}
            lines.append(f"    confirm: static {o.get('static', '?')}  observed "
                         f"{o.get('observed', '?')}  [{o.get('verdict', 'unconfirmed')}] "
                         f"{o.get('detail', '')}".rstrip())
    return "\n".join(lines) + ("\n" if lines else "")
