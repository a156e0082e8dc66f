"""``shapes --confirm``: the static and the observed output of each class, side by side."""

from __future__ import annotations

import json
from typing import Any

from .analyze import FileAnalysis, ModuleShapes
from .confirm_facts import instantiations_of
from .confirm_plan import BATCH_SIZE, TIME_SIZE, plan_class
from .confirm_sizes import evaluate
from .confirm_worker import run_child
from .discover import UsageError
from .evidence import RunError
from .extract import FileModel
from .given_values import input_spec
from .shapes import value_json


def observe_shapes(fm: FileModel, project: Any, cls_name: str | None, args_json: str | None,
                   inputs: list[str] | None, timeout: float, device: str | None,
                   memory_mb: int, statics: dict[str, ModuleShapes] | None = None
                   ) -> dict[tuple[str, str], dict[str, Any]]:
    """``shapes --confirm``: the static and the observed output of each class, side by side.
    ``statics``: the analysis of each class (by name) that ``shapes`` printed, under the
    given inputs (else the plan's own).  A value ``--args`` gives that the child cannot
    build (``{"expr": ...}`` naming nothing) is a usage error."""
    from .script_analysis import analyze_script

    user_args = json.loads(args_json) if args_json is not None else None
    fa = FileAnalysis(fm)
    _g, fa.instantiations = analyze_script(fm, project)
    classes = [c for c in fm.module_classes() if cls_name is None or c.name == cls_name]
    plans = [plan_class(fm, c, project, user_args, instantiations_of(fa)) for c in classes]
    if inputs:
        for p in plans:
            # (checked already: the static run read each with the same parser)
            p.inputs = [input_spec(s, "--input") for s in inputs]
    out: dict[tuple[str, str], dict[str, Any]] = {}
    result = run_child(fm.path, plans, timeout, device, memory_mb)
    by_name = {c.get("class"): c for c in result.get("classes", [])}
    for p in plans:
        c = by_name.get(p.cls.name)
        env = {**p.env, **((c or {}).get("env") or {})}
        mine = (statics or {}).get(p.cls.name) if inputs else None
        static = shape_str(_bound(static_output(mine or p.static), env))
        used = (c or {}).get("no_value_used")
        if c is None or c.get("failed") or c.get("not_run") or used or p.inputs is None:
            if c is not None and c.get("given_failed") == "--args":
                raise UsageError(f"{fm.path}: {c['not_run']}")
            why = result.get("failed") or (c or {}).get("failed") or (c or {}).get("not_run") \
                or (f"no value for constructor parameter {used['name']!r}, which the model "
                    f"uses{' at line ' + str(used['line']) if used.get('line') else ''}: give "
                    "--args or build the model in the file" if used else "") \
                or p.why_not_built or p.why_no_inputs or "not run"
            out[(fm.path, p.cls.name)] = {"static": static, "observed": None,
                                           "verdict": "unconfirmed", "detail": why,
                                           "source": p.source}
            continue
        obs = c.get("output")
        raw = c.get("error")
        if raw:
            err = RunError.from_child(raw)
            verdict, detail = "unconfirmed", f"{err.type}: {err.message}"
        elif static == shape_str(obs):
            verdict, detail = "confirmed", ""
        elif "?" in static or any(ch.isalpha() for ch in static):
            verdict, detail = "unconfirmed", "the static answer is not fully known"
        else:
            verdict, detail = "refuted", "the static answer differs from the real run"
        out[(fm.path, p.cls.name)] = {
            "static": static, "observed": shape_str(obs), "verdict": verdict, "detail": detail,
            "method": c.get("method"), "device": result.get("device"), "source": p.source}
    return out


def _bound(shape: Any, env: dict[str, int]) -> Any:
    """Put B=3, T=7 and the chosen sizes into a static shape for comparison."""
    full = {"B": BATCH_SIZE, "T": TIME_SIZE, **env}
    if isinstance(shape, str) and shape not in full:
        try:
            v = evaluate(shape, full)
            return v if isinstance(v, int) and not isinstance(v, bool) else shape
        except Exception:
            return shape
    if isinstance(shape, list):
        return [_bound(d, env) for d in shape]
    if isinstance(shape, str) and shape in full:
        return full[shape]
    return shape


def static_output(plan_static: ModuleShapes | None) -> Any:
    return value_json(plan_static.output) if plan_static is not None else None


def shape_str(s: Any) -> str:
    if s is None:
        return "?"
    if isinstance(s, list) and s and isinstance(s[0], list | type(None)):
        return "(" + ", ".join(shape_str(i) for i in s) + ")"
    if isinstance(s, dict):
        return shape_str(s.get("packed"))
    return "(" + ", ".join(str(d) for d in s) + ("," if len(s) == 1 else "") + ")"
