"""Step 7 (optional): ``--confirm`` proves or refutes findings by running the real model.

The parent never imports torch: it plans each file (constructor arguments, synthetic inputs
with distinct primes per symbol so axis mix-ups cannot hide), runs
:mod:`lstm_lint.confirm_child` in a child process with a timeout and a memory limit, and reads
back the shapes the real model produced.  Each rule decides from that evidence whether its
finding is ``confirmed``, ``refuted`` or stays ``unconfirmed``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .analyze import FileAnalysis, ModuleShapes, analyze_module
from .dataflow import Dataflow
from .extract import ClassInfo, FileModel
from .infer import Interpreter
from .rule import Finding, _lines_of, rule_by_code
from .shapes import value_json
from .symbolic import Expr, const
from .values import UNKNOWN, Const, Int, Seq, Tensor, Value

BATCH_SIZE, TIME_SIZE = 3, 7
PRIMES = [5, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47]


class ConfirmUnavailable(Exception):
    """torch is not installed."""


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


@dataclass
class ClassPlan:
    cls: ClassInfo
    args: list[Any]
    kwargs: dict[str, Any]
    source: str  # where the constructor arguments came from
    inputs: list[Any] | None  # input specs, None when they cannot be synthesised
    why_no_inputs: str = ""
    static: ModuleShapes | None = None
    env: dict[str, int] = field(default_factory=dict)
    losses: list[dict[str, Any]] = field(default_factory=list)

    def request(self) -> dict[str, Any]:
        return {"class": self.cls.name, "args": self.args, "kwargs": self.kwargs,
                "inputs": self.inputs or [], "losses": self.losses}


@dataclass
class Evidence:
    """What the child saw for one class."""

    cls: str
    ops: list[dict[str, Any]]
    error: dict[str, Any] | None
    warnings: list[str]
    method: str | None
    device: str
    output: Any
    env: dict[str, int]
    note: str = ""

    def ops_at(self, line: int, names: Sequence[str] = ()) -> list[dict[str, Any]]:
        return [o for o in self.ops if o.get("line") == line
                and (not names or o.get("name") in names)]


def _to_json(v: Value) -> Any:
    if isinstance(v, Int):
        return v.expr.as_int() if v.expr is not None else None
    if isinstance(v, Const):
        return v.value if v.value is None or isinstance(v.value, bool | int | float | str) \
            else None
    if isinstance(v, Seq) and v.repeated is None:
        return [_to_json(i) for i in v.items]
    return None


def _literal_default(p: Any) -> Any:
    import libcst as cst

    d = p.default
    if isinstance(d, cst.Integer):
        return int(d.value.replace("_", ""), 0)
    if isinstance(d, cst.Name) and d.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[d.value]
    if isinstance(d, cst.Float):
        return float(d.value)
    if isinstance(d, cst.SimpleString):
        return d.evaluated_value
    return UNKNOWN


def plan_class(fm: FileModel, cls: ClassInfo, project: Any, user_args: Any,
               instantiations: dict[str, tuple[list[Any], dict[str, Any]]]) -> ClassPlan:
    interp = Interpreter(fm, Dataflow(), project)
    init = interp._find_method(cls, fm, "__init__")
    params = list(init[0].params.params)[1:] if init else []
    env: dict[str, int] = {}
    if user_args is not None:
        args, kwargs = (list(user_args), {}) if isinstance(user_args, list) else ([], dict(user_args))
        source = "--args"
    elif cls.name in instantiations:
        args, kwargs = instantiations[cls.name]
        source = "an instantiation in the file"
    else:
        args, kwargs = [], {}
        primes = iter(PRIMES)
        for p in params:
            name = p.name.value
            if p.default is not None:
                d = _literal_default(p)
                if isinstance(d, int) and not isinstance(d, bool):
                    env[name] = d
                continue
            guess = 2 if "layer" in name else next(primes, 53)
            kwargs[name] = guess
        source = "defaults, and distinct primes for the required sizes"
    for p, a in zip(params, args, strict=False):
        if isinstance(a, int) and not isinstance(a, bool):
            env[p.name.value] = a
    for k, a in kwargs.items():
        if isinstance(a, int) and not isinstance(a, bool):
            env[k] = a
    from .shapes import from_json

    static = analyze_module(fm, cls, project, [from_json(a) for a in args],
                            {k: from_json(v) for k, v in kwargs.items()})
    symbolic = analyze_module(fm, cls, project)
    plan = ClassPlan(cls, args, kwargs, source, None, static=static, env=env)
    specs: list[Any] = []
    bind = {"B": BATCH_SIZE, "T": TIME_SIZE, **env}
    extra = iter([2 * TIME_SIZE - 1, 17, 19])
    fwd = interp._find_method(cls, fm, "forward")
    fwd_params = list(fwd[0].params.params)[1:] if fwd is not None else []
    for p, v in zip(fwd_params, static.inputs or symbolic.inputs, strict=False):
        name = p.name.value
        if isinstance(v, Const) and v.value is None:
            specs.append(None)
            continue
        if not isinstance(v, Tensor) or v.shape is None or v.shape.star:
            if p.default is not None:
                specs.append({"value": _literal_default(p)} if _literal_default(p) is not UNKNOWN
                             else None)
                continue
            if "len" in name and specs:
                specs.append({"tensor": [BATCH_SIZE], "dtype": "int", "lengths": TIME_SIZE})
                continue
            plan.why_no_inputs = f"the shape of forward argument {name!r} is unknown"
            return plan
        dims = []
        for d in v.shape.dims:
            val = _bind(d, bind, extra)
            if val is None:
                plan.why_no_inputs = f"cannot choose a size for {d} in {name!r}"
                return plan
            dims.append(val)
        spec: dict[str, Any] = {"tensor": dims, "dtype": "int" if v.dtype == "int" else "float"}
        if v.dtype == "int":
            spec["high"] = 2
            if "len" in name:
                spec["lengths"] = TIME_SIZE
        specs.append(spec)
    plan.inputs = specs
    return plan


def _bind(d: Expr | None, env: dict[str, int], extra: Any) -> int | None:
    if d is None:
        return None
    for s in d.symbols():
        if s not in env:
            if s.startswith("T_"):
                env[s] = next(extra, 23)
            else:
                return None
    try:
        v = d.evaluate(env)
    except (KeyError, ZeroDivisionError):
        return None
    return v if v > 0 else None


def instantiations_of(fa: FileAnalysis) -> dict[str, tuple[list[Any], dict[str, Any]]]:
    out: dict[str, tuple[list[Any], dict[str, Any]]] = {}
    for name, args, kwargs in fa.instantiations:
        ja = [_to_json(a) for a in args]
        jk = {k: _to_json(v) for k, v in kwargs.items()}
        if None in ja or None in jk.values():
            continue
        out.setdefault(name, (ja, jk))
    return out


def _loss_functions(fm: FileModel, findings: list[Finding]) -> list[str]:
    """Argument-free top-level functions holding the loss of an LST401/LST402 finding."""
    from .positions import locate

    wanted = [f for f in findings if f.code in ("LST401", "LST402")]
    if not wanted:
        return []
    fns = {name: fn for name, fn in fm.functions.items()
           if all(p.default is not None for p in fn.params.params) and not fn.params.kwonly_params}
    spans = locate(fm.module, list(fns.values()))
    out = []
    for name, fn in fns.items():
        sp = spans.get(id(fn))
        if sp is None:
            continue
        for f in wanted:
            lines = {f.line} | {r.span.line for r in f.related if r.span is not None}
            if any(sp.line <= ln <= sp.end_line for ln in lines) and name not in out:
                out.append(name)
    return out


def run_child(path: str, plans: list[ClassPlan], timeout: float, device: str | None,
              memory_mb: int, calls: Sequence[str] = ()) -> dict[str, Any]:
    req = {"path": os.path.abspath(path), "device": device,
           "classes": [p.request() for p in plans if p.inputs is not None], "calls": list(calls)}
    with tempfile.TemporaryDirectory(prefix="lstm-lint-confirm-") as tmp:
        rq, rs = os.path.join(tmp, "request.json"), os.path.join(tmp, "result.json")
        with open(rq, "w") as fh:
            json.dump(req, fh)

        def limit() -> None:  # pragma: no cover - runs in the child
            import resource

            os.setsid()
            # RLIMIT_DATA, not RLIMIT_AS: CUDA reserves a huge (inaccessible) address range
            # that an address-space limit would refuse, while heap growth is what runs away
            if memory_mb > 0:
                lim = memory_mb * 1024 * 1024
                resource.setrlimit(resource.RLIMIT_DATA, (lim, lim))

        env = dict(os.environ, PYTHONUNBUFFERED="1", CUDA_LAUNCH_BLOCKING="0")
        pkg_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = pkg_root + os.pathsep + env.get("PYTHONPATH", "")
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "lstm_lint.confirm_child", rq, rs],
                cwd=os.path.dirname(os.path.abspath(path)), env=env, timeout=timeout,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                preexec_fn=limit,
            )
        except subprocess.TimeoutExpired:
            return {"failed": f"timed out after {timeout:g} s"}
        if not os.path.exists(rs):
            tail = (proc.stderr or b"").decode("utf-8", "replace").strip().splitlines()[-1:]
            if proc.returncode < 0:
                why = f"the child process was killed by signal {-proc.returncode}"
            else:
                why = f"the child process exited with code {proc.returncode} before reporting"
            if tail:
                why += f" ({tail[0][:200]})"
            return {"failed": why}
        with open(rs) as fh:
            result: dict[str, Any] = json.load(fh)
        if proc.returncode != 0 and not result.get("classes"):
            result.setdefault("failed", f"the child process exited with code {proc.returncode}")
        return result


def confirm_file(fa: FileAnalysis, findings: list[Finding], project: Any, timeout: float,
                 device: str | None, memory_mb: int = 4096,
                 user_args: Any = None) -> tuple[list[Evidence], list[Finding]]:
    """Attach verdicts to ``findings`` (in place); return the evidence and new LST900 findings."""
    fm = fa.fm
    inst = instantiations_of(fa)
    plans = [plan_class(fm, c, project, user_args, inst) for c in fm.module_classes()]
    evidence: list[Evidence] = []
    failed = None
    calls = _loss_functions(fm, findings)
    if any(p.inputs is not None for p in plans) or calls:
        result = run_child(fm.path, plans, timeout, device, memory_mb, calls)
        failed = result.get("failed")
        if failed is None and result.get("error"):
            err = result["error"]
            failed = f"importing the file raised {err['type']}: {err['message']}"
        dev = result.get("device", device or "cpu")
        envs = {p.cls.name: p.env for p in plans}
        for c in result.get("classes", []):
            name = c.get("class", "?")
            evidence.append(Evidence(name, c.get("ops", []), c.get("error"),
                                     c.get("warnings", []), c.get("method"), dev,
                                     c.get("output"),
                                     {"B": BATCH_SIZE, "T": TIME_SIZE, **envs.get(name, {})},
                                     c.get("fx_error", "")))
    extra: list[Finding] = []
    for f in findings:
        if f.code in ("LST000", "LST001"):
            continue
        if failed is not None:
            f.confirmation = {"verdict": "unconfirmed", "evidence": failed}
            continue
        rule = rule_by_code(f.code)
        verdict = rule.confirm(f, evidence) if rule is not None else None
        if verdict is None:
            why = "; ".join(p.why_no_inputs for p in plans if p.why_no_inputs) or \
                "the run shows nothing at this line"
            verdict = ("unconfirmed", why)
        f.confirmation = {"verdict": verdict[0], "evidence": verdict[1],
                          "method": ", ".join(sorted({e.method for e in evidence if e.method})),
                          "device": evidence[0].device if evidence else None}
    if failed is None:
        for ev in evidence:
            err = ev.error
            if err is None or err.get("line") is None:
                continue
            line = err["line"]
            if any(f.confirmation and f.confirmation["verdict"] == "confirmed"
                   and any(abs(ln - line) <= 1 for ln in _lines_of(f)) for f in findings):
                continue
            if any(f.line == line and f.code == "LST900" for f in extra):
                continue
            extra.append(Finding(
                "LST900", "runtime-shape-error", "error",
                f"LST900 running {ev.cls} with synthetic inputs raised {err['type']}: "
                f"{err['message']}", fm.path, None, fm, line, 1, line, 1,
                confirmation={"verdict": "confirmed", "evidence": f"{err['type']}: {err['message']}",
                              "method": ev.method, "device": ev.device}))
    return evidence, extra


def observe_shapes(fm: FileModel, project: Any, cls_name: str | None, args_json: str | None,
                   inputs: list[str] | None, timeout: float, device: str | None,
                   memory_mb: int) -> dict[tuple[str, str], dict[str, Any]]:
    """``shapes --confirm``: the static and the observed output of each class, side by side."""
    from .analyze import analyze_script

    user_args = json.loads(args_json) if args_json is not None else None
    fa = FileAnalysis(fm)
    _g, fa.instantiations = analyze_script(fm, project)
    classes = [c for c in fm.module_classes() if cls_name is None or c.name == cls_name]
    plans = [plan_class(fm, c, project, user_args, instantiations_of(fa)) for c in classes]
    if inputs:
        from .shapes import parse_spec

        for p in plans:
            p.inputs = [_spec_json(parse_spec(s)) for s in inputs]
            if user_args is not None or not p.static:
                continue
    out: dict[tuple[str, str], dict[str, Any]] = {}
    result = run_child(fm.path, plans, timeout, device, memory_mb)
    by_name = {c.get("class"): c for c in result.get("classes", [])}
    for p in plans:
        static = shape_str(_bound(static_output(p.static), p.env))
        c = by_name.get(p.cls.name)
        if c is None:
            why = result.get("failed") or p.why_no_inputs or "not run"
            out[(fm.path, p.cls.name)] = {"static": static, "observed": None,
                                           "verdict": "unconfirmed", "detail": why,
                                           "source": p.source}
            continue
        obs = c.get("output")
        err = c.get("error")
        if err:
            verdict, detail = "unconfirmed", f"{err['type']}: {err['message']}"
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


def _spec_json(v: Value) -> Any:
    if isinstance(v, Tensor) and v.shape is not None:
        return {"tensor": [d.as_int() if d is not None else 1 for d in v.shape.dims],
                "dtype": "int" if v.dtype == "int" else "float", "high": 2}
    if isinstance(v, Seq):
        return {"tuple": [_spec_json(i) for i in v.items]}
    if isinstance(v, Const):
        return None if v.value is None else {"value": v.value}
    if isinstance(v, Int):
        return {"value": v.expr.as_int() if v.expr is not None else None}
    return None


def _bound(shape: Any, env: dict[str, int]) -> Any:
    """Put B=3, T=7 and the chosen sizes into a static shape for comparison."""
    full = {"B": BATCH_SIZE, "T": TIME_SIZE, **env}
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


__all__ = ["ConfirmUnavailable", "Evidence", "confirm_file", "const", "shape_str",
           "torch_available"]
