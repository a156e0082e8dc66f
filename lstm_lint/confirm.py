"""Step 7 (optional): ``--confirm`` proves or refutes findings by running the real model.

The parent never imports torch.  It plans each model class (constructor arguments, forward
inputs as symbolic shapes, the size constraints the analysis recorded) and hands the file to
one worker process (:mod:`lstm_lint.confirm_child`) that imports torch once for the whole run
and forks a process per model, each with the timeout and the memory limit.  Each rule then
decides from the shapes the real model produced whether its finding is ``confirmed``,
``refuted`` or stays ``unconfirmed``.

What the run may use is only what the analysis stands behind: constructor values from
``--args``, from an instantiation in the file (evaluated among the file's definitions, so a
configuration object or a probability keeps the file's own value), or defaults; a parameter
the engine knows to be a size may get a prime; anything else is not invented: the child
passes a placeholder that stops the run at its first use, with the reason.  A finding reported
in a context (found in a child's code through its parent, or under a configuration: the
defaults, a script's call) is judged by the run in that context.  Which rules are decided by
building alone, which error each predicts and which are judged at the loss are attributes of
the rules (``Rule.confirm_at_build``, ``confirm_error``, ``confirm_at_loss``).  Script-style files
run their definitions only; when their
own module-level code crashes, that crash confirms a finding whose line its traceback passes
through with the kind of error the rule predicts, and is otherwise shown as evidence.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import re
import select
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .analyze import FileAnalysis, ModuleShapes, analyze_module
from .catalogue import all_rules, rule_by_code
from .confirm_defs import instantiation_sources
from .confirm_sizes import evaluate
from .dataflow import Dataflow
from .evidence import ObservedOp, RunError, lines_of
from .extract import ClassInfo, FileModel
from .infer import Interpreter
from .layers import Layer
from .rule import SHAPE_ERROR, Finding
from .shapes import value_json
from .symbolic import Expr, Sym, const
from .values import UNKNOWN, Const, Int, RnnInfo, Seq, Tensor, Value

BATCH_SIZE, TIME_SIZE = 3, 7
PRIMES = [5, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47]
#: layer arguments that are sizes (a constructor parameter flowing into one is a size)
SIZE_ARGS = {
    "input_size", "hidden_size", "num_layers", "proj_size", "in_features", "out_features",
    "in1_features", "in2_features", "num_embeddings", "embedding_dim", "in_channels",
    "out_channels", "kernel_size", "num_features", "normalized_shape", "embed_dim",
    "num_heads", "d_model", "nhead", "dim_feedforward", "kdim", "vdim", "output_size",
    "num_channels", "num_groups", "stride", "padding", "dilation", "num_encoder_layers",
    "num_decoder_layers", "out_size", "size",
}
#: the errors an unexplained crash must be to become an LST900 finding
SHAPE_ERRORS = SHAPE_ERROR[0]


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
    inputs: list[Any] | None  # input specs (dims: ints or size expressions), None: build only
    why_no_inputs: str = ""
    static: ModuleShapes | None = None
    env: dict[str, Any] = field(default_factory=dict)
    losses: list[dict[str, Any]] = field(default_factory=list)
    #: the file's own calls ``Cls(...)`` to evaluate among its definitions, first that works
    calls: list[dict[str, Any]] = field(default_factory=list)
    #: why the model cannot be built at all (a constructor value nobody stands behind)
    why_not_built: str = ""
    #: a value was invented (a prime for a size): a crash is then no finding
    invented: bool = False
    constraints: list[str] = field(default_factory=list)
    #: per constructor parameter without a default: a prime (a size) or a placeholder
    fill: dict[str, Any] = field(default_factory=dict)
    #: the parameters that get a placeholder, and what they are
    missing: dict[str, str] = field(default_factory=dict)
    #: the configuration this plan builds the class in (None: the class's own plan)
    context: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        """The class and its context: one job each."""
        if self.context is None:
            return self.cls.name
        return _context_key({**self.context, "class": self.cls.name})

    def request(self) -> dict[str, Any]:
        req: dict[str, Any] = {"class": self.cls.name, "args": self.args, "kwargs": self.kwargs,
                               "key": self.key, "fill": self.fill,
                               "inputs": self.inputs, "losses": self.losses,
                               "env": {k: v for k, v in self.env.items()
                                       if isinstance(v, int | bool)},
                               "constraints": self.constraints}
        if self.calls:
            req["calls"] = self.calls
        return req

    @property
    def call(self) -> dict[str, Any] | None:
        return self.calls[0] if self.calls else None


@dataclass
class Evidence:
    """What the child saw for one class."""

    cls: str
    ops: list[ObservedOp]
    error: RunError | None
    warnings: list[str]
    method: str | None
    device: str
    output: Any
    env: dict[str, int]
    note: str = ""
    why: str = ""  # why it was not (fully) run
    invented: bool = False
    constraints_broken: list[str] = field(default_factory=list)
    #: the constructor's plain arguments as the model was built (defaults included)
    constructor: dict[str, Any] = field(default_factory=dict)
    #: wall time of the model's job (fork, the file's definitions, build, trace)
    seconds: float | None = None
    #: the plan the run followed (the class, or the class in a configuration)
    key: str = ""
    #: constructor parameters given a placeholder (no value lstm-lint stands behind)
    no_value: list[str] = field(default_factory=list)
    #: ``.cuda()`` calls made no-ops (no CUDA device)
    cuda_on_cpu: int = 0
    #: where the constructor's values came from
    built_from: str = ""

    def __post_init__(self) -> None:
        self.key = self.key or self.cls

    def ops_at(self, line: int, names: Sequence[str] = ()) -> list[ObservedOp]:
        return [o for o in self.ops if o.line == line and (not names or o.name in names)]


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


# ---- which constructor parameters the analysis knows to be sizes --------------------------


def _sym_names(e: Expr | None) -> set[str]:
    return {a.name for a in e.atoms() if isinstance(a, Sym)} if e is not None else set()


def size_symbols(ms: ModuleShapes | None) -> set[str]:
    """Symbols the analysis used as sizes: tensor dimensions and layers' size arguments."""
    out: set[str] = set()
    if ms is None:
        return out
    seen: set[int] = set()

    def walk(v: Any) -> None:
        if id(v) in seen:
            return
        seen.add(id(v))
        if isinstance(v, Tensor):
            if v.shape is not None:
                for d in v.shape.dims:
                    out.update(_sym_names(d))
            if v.rnn is not None:
                walk(v.rnn)
        elif isinstance(v, RnnInfo):
            out.update(_sym_names(v.hidden) | _sym_names(v.num_layers))
        elif isinstance(v, Layer):
            for k, p in v.params.items():
                if k in SIZE_ARGS and isinstance(p, Int):
                    out.update(_sym_names(p.expr))
            for c in v.children:
                walk(c)
        elif isinstance(v, Seq):
            for i in v.items:
                walk(i)
            if v.repeated is not None:
                walk(v.repeated)
        elif isinstance(v, list | tuple):
            for i in v:
                walk(i)

    for _nid, data in ms.graph.g.nodes(data=True):
        for key in ("value", "layer", "source"):
            if key in data:
                walk(data[key])
    for v in ms.inputs:
        walk(v)
    walk(ms.output)
    return out


def _dim(d: Expr | None) -> int | str | None:
    if d is None:
        return None
    v = d.as_int()
    return v if v is not None else str(d)


NO_VALUE = "lstm_lint_no_value"


def no_value(name: str) -> dict[str, str]:
    """A constructor value nobody stands behind: the child passes a placeholder that fails on
    any use (see ``confirm_child.LstmLintNoValue``)."""
    return {NO_VALUE: name}


def _is_no_value(v: Any) -> bool:
    return isinstance(v, dict) and NO_VALUE in v


def plan_class(fm: FileModel, cls: ClassInfo, project: Any, user_args: Any,
               instantiations: dict[str, tuple[list[Any], dict[str, Any]]],
               constraints: Sequence[str] | None = None,
               raw: tuple[list[Value], dict[str, Value]] | None = None,
               context: dict[str, Any] | None = None) -> ClassPlan:
    """Constructor arguments and forward inputs for one class, from what the analysis knows.

    ``constraints``: those recorded on the class's findings; None when it has none, and then
    the ones the engine recorded for the class's shapes are used.  A class with findings does
    not use the latter: a shape constraint can be the very mismatch a finding reports
    (``B == num_layers`` for an ``h0`` laid out batch-first), and sizes chosen to satisfy it
    would hide the bug.

    ``context``: the configuration a finding was reported under (``Finding.configuration``):
    ``{"kind": "defaults"}`` builds the class from its constructor's defaults,
    ``{"kind": "call", "path": P, "line": N}`` from the call at line N of file P (the file
    itself or a script beside it); ``raw`` is then the engine's view of that configuration.
    """
    interp = Interpreter(fm, Dataflow(), project)
    init = interp.find_method(cls, fm, "__init__")
    params = list(init[0].params.params)[1:] + list(init[0].params.kwonly_params) \
        if init else []
    symbolic = analyze_module(fm, cls, project)
    sizes = size_symbols(symbolic)
    env: dict[str, Any] = {}
    calls: list[dict[str, Any]] = []
    why_not_built = ""
    invented = False
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    # what a parameter without a value gets: a prime when it is a size, else a placeholder
    fill: dict[str, Any] = {}
    missing: dict[str, str] = {}
    primes = iter(PRIMES)
    for p in params:
        name = p.name.value
        d = _literal_default(p) if p.default is not None else UNKNOWN
        if p.default is not None and not (name in sizes and (d is None or d == 0)):
            if isinstance(d, bool | int) and not isinstance(d, float):
                env[name] = d
            continue
        # a size without a default, or whose default (0, None) is no size at all
        if name in sizes:
            # two layers (so that dropout between them is real); one attention head (it
            # divides any width); distinct primes for the rest
            fill[name] = 2 if "layer" in name else 1 if "head" in name else next(primes, 53)
            continue
        what = "a configuration object" if any(s.startswith(name + ".") for s in sizes) \
            else "not known to be a size"
        missing[name] = what
        fill[name] = no_value(name)
    kind = (context or {}).get("kind")
    if user_args is not None and kind is None:
        args, kwargs = (list(user_args), {}) if isinstance(user_args, list) else ([], dict(user_args))
        source = "--args"
    elif kind is None and cls.name in instantiations \
            and _fits(init, params, *instantiations[cls.name]):
        args, kwargs = instantiations[cls.name]
        source = "an instantiation in the file"
    else:
        if kind == "call":
            assert context is not None
            where = context["path"]
            text = fm.text if os.path.abspath(where) == os.path.abspath(fm.path) \
                else _read(where)
            calls = [dict(c, path=os.path.abspath(where))
                     for c in instantiation_sources(text, cls.name)
                     if c["line"] == context["line"]]
            file = os.path.basename(where)
            source = f"the call at {file}:{context['line']}" if calls else "defaults"
        elif kind is None:
            calls = instantiation_sources(fm.text, cls.name)[:5]
            # then the scripts beside the file that build the class (train.py)
            for other in _builders(project, fm, cls.name):
                calls += [dict(c, path=os.path.abspath(other.path))
                          for c in instantiation_sources(other.text, cls.name)[:2]
                          if not c.get("in_class")]
            if calls and calls[0].get("path"):
                source = f"the call at {os.path.basename(calls[0]['path'])}:{calls[0]['line']}"
            else:
                source = f"the file's own call at line {calls[0]['line']}" if calls \
                    else "defaults"
        else:
            source = "the constructor's defaults"
        kwargs = dict(fill)
        invented = any(not _is_no_value(v) for v in fill.values())
        if invented:
            source += ", and distinct primes for the required sizes"
        if missing:
            name, what = next(iter(missing.items()))
            why_not_built = (f"no value for constructor parameter {name!r} ({what}): give "
                             "--args or build the model in the file")
    for p, a in zip(params, args, strict=False):
        if isinstance(a, bool | int) and not isinstance(a, float):
            env[p.name.value] = a
    for k, a in kwargs.items():
        if isinstance(a, bool | int) and not isinstance(a, float):
            env[k] = a
    static = symbolic
    if calls and raw is not None:
        # the engine's view of the file's own call (a configuration dict or object it follows)
        static = analyze_module(fm, cls, project, raw[0], raw[1])
    elif not calls:
        static = analyze_module(fm, cls, project, [_value(a) for a in args],
                                {k: _value(v) for k, v in kwargs.items()})
    # the constraints the engine recorded for the class's shapes and for its findings (not
    # the dataflow graph's own, which also hold the very mismatches the rules report)
    cons = [str(c) for c in getattr(symbolic, "constraints", None) or []] \
        if constraints is None else list(constraints)
    plan = ClassPlan(cls, args, kwargs, source, None, static=static, env=env, calls=calls,
                     why_not_built=why_not_built, invented=invented, constraints=cons,
                     fill=fill, missing=missing)
    if context is not None:
        plan.context = dict(context)
    specs: list[Any] = []
    fwd = interp.find_method(cls, fm, "forward")
    if fwd is None:
        plan.why_no_inputs = "it has no forward method (a base class?)"
        return plan
    fwd_params = list(fwd[0].params.params)[1:]
    for i, p in enumerate(fwd_params):
        name = p.name.value
        v = symbolic.inputs[i] if i < len(symbolic.inputs) else UNKNOWN
        if not _known_tensor(v) and i < len(static.inputs):
            v = static.inputs[i]
        if isinstance(v, Const) and v.value is None:
            specs.append(None)
            continue
        if not isinstance(v, Tensor) or v.shape is None or v.shape.star:
            if p.default is not None:
                specs.append({"value": _literal_default(p)} if _literal_default(p) is not UNKNOWN
                             else None)
                continue
            if "len" in name and specs:
                specs.append({"tensor": ["B"], "dtype": "int", "lengths": "T"})
                continue
            plan.why_no_inputs = f"the shape of forward argument {name!r} is unknown"
            return plan
        dims = [_dim(d) for d in v.shape.dims]
        if None in dims:
            plan.why_no_inputs = f"a size of forward argument {name!r} is unknown"
            return plan
        spec: dict[str, Any] = {"tensor": dims, "dtype": "int" if v.dtype == "int" else "float"}
        if v.dtype == "int":
            spec["high"] = 2  # token ids 0 and 1: inside any vocabulary the model builds
            if "len" in name:
                spec["lengths"] = "T"
        specs.append(spec)
    plan.inputs = specs
    return plan


def _fits(init: Any, params: list[Any], args: list[Any], kwargs: dict[str, Any]) -> bool:
    """Does a call with these arguments bind to the constructor?  (A file's own call can be
    stale: ``Net(use_attention=True)`` for a constructor that no longer takes it.)"""
    if init is None:
        return not args and not kwargs
    import libcst as cst

    fn = init[0]
    star_args = isinstance(fn.params.star_arg, cst.Param)
    star_kwargs = fn.params.star_kwarg is not None
    positional = list(fn.params.params)[1:]
    if len(args) > len(positional) and not star_args:
        return False
    names = {p.name.value for p in params}
    taken = {p.name.value for p in positional[:len(args)]}
    for k in kwargs:
        if k in taken or (k not in names and not star_kwargs):
            return False
    return True


def _builders(project: Any, fm: FileModel, name: str) -> list[Any]:
    """Scripts beside the file that build class ``name`` (as the engine finds them)."""
    if project is None or not hasattr(project, "builders"):
        return []
    try:
        return list(project.builders(fm, [name]))
    except Exception:  # a script that cannot be read is no source of values
        return []


def _value(v: Any) -> Value:
    from .shapes import from_json

    return UNKNOWN if _is_no_value(v) else from_json(v)


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return ""


def _known_tensor(v: Value) -> bool:
    return isinstance(v, Tensor) and v.shape is not None and not v.shape.star \
        and None not in v.shape.dims


def raw_instantiations(fa: FileAnalysis) -> dict[str, tuple[list[Value], dict[str, Value]]]:
    """The engine's abstract constructor arguments of each class the file builds (first)."""
    out: dict[str, tuple[list[Value], dict[str, Value]]] = {}
    for name, args, kwargs in fa.instantiations:
        out.setdefault(name, (list(args), dict(kwargs)))
    return out


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
    """Argument-free top-level functions holding a finding of a rule judged at the loss."""
    from .positions import locate

    at_loss = {r.code for r in all_rules() if r.confirm_at_loss}
    wanted = [f for f in findings if f.code in at_loss]
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


# ---- the worker: torch imported once per run ----------------------------------------------


class Worker:
    """One ``confirm_child --serve`` process: imports torch once and serves every file."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.tmp = tempfile.mkdtemp(prefix="lstm-lint-confirm-")
        self.torch_import_s: float | None = None
        self.starts = 0
        self.served = 0
        self.log = os.path.join(self.tmp, "worker.log")

    def _start(self) -> str | None:
        env = dict(os.environ, PYTHONUNBUFFERED="1", CUDA_LAUNCH_BLOCKING="0",
                   PYTORCH_NVML_BASED_CUDA_CHECK="1")
        pkg_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = pkg_root + os.pathsep + env.get("PYTHONPATH", "")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "lstm_lint.confirm_child", "--serve"], cwd=self.tmp,
                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                start_new_session=True)
        self.starts += 1
        msg = self._read(120.0)
        if msg is None or not msg.get("ready"):
            self.close()
            return "the confirm worker did not start" + self._log_tail()
        self.torch_import_s = msg.get("torch_import_s")
        return None

    def _log_tail(self) -> str:
        try:
            with open(self.log, errors="replace") as fh:
                lines = [ln for ln in fh.read().splitlines() if ln.strip()]
            return f" ({lines[-1][:200]})" if lines else ""
        except OSError:
            return ""

    def _read(self, timeout: float) -> dict[str, Any] | None:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        if not line:
            return None
        try:
            msg: dict[str, Any] = json.loads(line)
        except ValueError:
            return None
        return msg

    def run(self, req: dict[str, Any], budget: float) -> dict[str, Any]:
        if self.proc is None or self.proc.poll() is not None:
            why = self._start()
            if why is not None:
                return {"failed": why}
        assert self.proc is not None and self.proc.stdin is not None
        self.served += 1
        n = self.served
        rq = os.path.join(self.tmp, f"request{n}.json")
        rs = os.path.join(self.tmp, f"result{n}.json")
        with open(rq, "w") as fh:
            json.dump(req, fh)
        try:
            self.proc.stdin.write((json.dumps({"request": rq, "result": rs}) + "\n").encode())
            self.proc.stdin.flush()
        except OSError:
            self.close()
            return {"failed": "the confirm worker stopped" + self._log_tail()}
        msg = self._read(budget)
        if msg is None or msg.get("done") != rs or not os.path.exists(rs):
            self.close()  # a worker that cannot answer is replaced for the next file
            return {"failed": "the confirm worker stopped answering" + self._log_tail()}
        with open(rs) as fh:
            result: dict[str, Any] = json.load(fh)
        for name in os.listdir(self.tmp):
            if name.startswith((f"request{n}.", f"result{n}.")):
                os.unlink(os.path.join(self.tmp, name))
        return result

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.write(b'{"quit": true}\n')
                proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()


_WORKER: Worker | None = None


def worker() -> Worker:
    global _WORKER
    if _WORKER is None:
        _WORKER = Worker()
        atexit.register(_close_worker)
    return _WORKER


def _close_worker() -> None:
    global _WORKER
    if _WORKER is not None:
        _WORKER.close()
        import shutil

        shutil.rmtree(_WORKER.tmp, ignore_errors=True)
        _WORKER = None


def run_child(path: str, plans: list[ClassPlan], timeout: float, device: str | None,
              memory_mb: int, calls: Sequence[str] = (), script: bool = False,
              also: Sequence[str] = ()) -> dict[str, Any]:
    """One file's jobs in the worker: a class job per buildable plan, the script job if asked."""
    classes = []
    for p in plans:
        r = p.request()
        # a configuration's own call that cannot be evaluated does not fall back to another
        r["fallback"] = p.context is None or p.context.get("kind") != "call"
        r["why_not_built"] = p.why_not_built
        classes.append(r)
    req = {"path": os.path.abspath(path), "device": device, "timeout": timeout,
           "memory_mb": memory_mb, "classes": classes, "calls": list(calls), "script": script,
           "also": list(also)}
    jobs = len(classes) + (1 if script else 0)
    if not jobs:
        return {"classes": []}
    return worker().run(req, budget=jobs * (timeout + 10) + 30)


# ---- verdicts ---------------------------------------------------------------------------------


def _class_spans(fm: FileModel) -> dict[str, tuple[int, int]]:
    from .positions import locate

    classes = fm.module_classes()
    spans = locate(fm.module, [c.node for c in classes])
    out = {}
    for c in classes:
        sp = spans.get(id(c.node))
        if sp is not None:
            out[c.name] = (sp.line, sp.end_line)
    return out


def _class_of(f: Finding, spans: dict[str, tuple[int, int]]) -> str | None:
    for name, (a, b) in spans.items():
        if a <= f.line <= b:
            return name
    return None


def _near(lines: Sequence[int], targets: set[int]) -> int | None:
    for ln in lines:
        if any(abs(ln - t) <= 1 for t in targets):
            return ln
    return None


def script_verdict(f: Finding, script: dict[str, Any] | None) -> tuple[str | None, str]:
    """The file's own module-level run: ("confirmed", evidence) when its crash passes through
    the finding's line (or related line) with the kind of error the rule predicts; otherwise
    (None, what it showed) -- evidence, not a verdict."""
    if not script:
        return None, ""
    if script.get("failed"):
        return None, f"the file's own module-level run: {script['failed']}"
    raw = script.get("error")
    if raw is None:
        return None, "the file's own module-level run finished without error"
    err = RunError.from_child(raw)
    where = f" at line {err.line}" if err.line else ""
    said = f"the file's own module-level run raised {err.type}{where}: {err.message}"
    through = _near(err.frames, lines_of(f))
    rule = rule_by_code(f.code)
    kinds = rule.confirm_error if rule is not None else None
    if through is not None and kinds is not None and err.type in kinds[0] \
            and re.search(kinds[1], err.message):
        via = f" (its traceback passes through line {through})" if through != err.line \
            else ""
        return "confirmed", said + via
    return None, said


def _constraints_of(f: Finding) -> list[str]:
    cons = getattr(f, "constraints", None)
    return [str(c) for c in cons] if cons else []


def _broken(constraints: Sequence[str], env: dict[str, Any]) -> list[str]:
    bad = []
    for c in constraints:
        try:
            if not evaluate(c, env):
                bad.append(c)
        except Exception:
            bad.append(c)
    return bad


def _home(f: Finding, spans: dict[str, tuple[int, int]]) -> str:
    """The plan whose run judges ``f``: its configuration's, its owner's when it was found in a
    child's code as the owner calls it, else the class around its line."""
    conf = f.configuration
    if conf and conf.get("kind") in ("defaults", "call") and conf.get("class"):
        return _context_key(conf)
    if f.via and f.owner:
        return f.owner
    return _class_of(f, spans) or ""


def _context_key(conf: dict[str, Any]) -> str:
    path = os.path.abspath(conf["path"]) if conf.get("path") else ""
    return f"{conf['class']}@{conf['kind']}:{path}:{conf.get('line') or ''}"


def confirm_file(fa: FileAnalysis, findings: list[Finding], project: Any, timeout: float,
                 device: str | None, memory_mb: int = 4096,
                 user_args: Any = None) -> tuple[list[Evidence], list[Finding]]:
    """Attach verdicts to ``findings`` (in place); return the evidence and new LST900 findings.

    A finding reported in a context is judged by a run in that context: one found in a
    child's code as its parent calls it (``when called through self.decoder``) by the
    parent's run; one found under a configuration (``with the defaults ...``, ``as built at
    train.py:27``) by a run of the class built that way.
    """
    fm = fa.fm
    inst = instantiations_of(fa)
    spans = _class_spans(fm)
    judged = [f for f in findings if f.code not in ("LST000", "LST001")]
    own: dict[str, list[str]] = {}
    for f in judged:
        name = _home(f, spans)
        if name:
            mine = own.setdefault(name, [])
            mine += [c for c in _constraints_of(f) if c not in mine]
    raw = raw_instantiations(fa)
    classes = {c.name: c for c in fm.module_classes()}
    plans = [plan_class(fm, c, project, user_args, inst, own.get(c.name), raw.get(c.name))
             for c in classes.values()]
    by_key = {p.key: p for p in plans}
    for f in judged:
        conf = f.configuration
        key = _home(f, spans)
        if not conf or key in by_key or conf.get("class") not in classes:
            continue
        if conf["kind"] == "call" and not conf.get("line"):
            continue
        ctx = {"kind": conf["kind"], "path": conf.get("path"), "line": conf.get("line")}
        plan = plan_class(fm, classes[conf["class"]], project, None, inst, own.get(key),
                          (conf.get("args") or [], conf.get("kwargs") or {}), ctx)
        plan.context = dict(ctx, label=conf.get("label", ""))
        its = [g for g in judged if _home(g, spans) == key]
        if all((r := rule_by_code(g.code)) is not None and r.confirm_at_build for g in its):
            # the configuration's findings are decided by building the model: no forward run
            plan.inputs = None
            plan.why_no_inputs = "its findings in this configuration are decided by building it"
        by_key[key] = plan
        plans.append(plan)
    # findings in another file's code (a child module the file's class builds): the runs
    # also place their ops at that file's lines
    also = sorted({os.path.realpath(f.path) for f in judged
                   if os.path.realpath(f.path) != os.path.realpath(fm.path)})
    result = run_child(fm.path, plans, timeout, device, memory_mb, also=also)
    evidence, failed, why = _evidence(result, by_key)
    verdicts: dict[int, tuple[str, str] | None] = {}
    for f in judged:
        verdicts[id(f)] = None if failed else _verdict(f, evidence, spans, by_key, fm.path)
    script: dict[str, Any] | None = None
    calls = _loss_functions(fm, [f for f in judged if verdicts[id(f)] is None])
    # the file's own module-level run: when some finding is still open and the file has
    # module-level code beyond its definitions (even when those definitions failed: a name
    # they need may be bound by that code)
    if not result.get("failed") and any(v is None for v in verdicts.values()) \
            and (result.get("skipped_lines") or calls):
        more = run_child(fm.path, [], timeout, device, memory_mb, calls, script=True)
        script = more.get("script") or ({"failed": more["failed"]} if more.get("failed")
                                        else None)
        if script is not None:
            script.setdefault("device", more.get("device"))
        if script and script.get("calls"):
            extra_ev, _f, _w = _evidence({"classes": script["calls"],
                                          "device": more.get("device")}, by_key)
            evidence += extra_ev
            for f in judged:
                if verdicts[id(f)] is None:
                    verdicts[id(f)] = _verdict(f, evidence, spans, by_key, fm.path)
    dev = evidence[0].device if evidence else None
    for f in judged:
        verdict = verdicts[id(f)]
        s_verdict, s_said = script_verdict(f, script)
        if failed and s_verdict == "confirmed":
            f.confirmation = {"verdict": "confirmed", "evidence": s_said, "method": "script",
                              "device": (script or {}).get("device")}
            continue
        if failed:
            f.confirmation = {"verdict": "unconfirmed", "evidence": failed}
            if s_said:
                f.confirmation["script"] = s_said
            continue
        home = _home(f, spans)
        runs = [e for e in evidence if e.key == home]
        run_method = ", ".join(sorted({e.method for e in (runs or evidence) if e.method}))
        if s_verdict == "confirmed" and (verdict is None or verdict[0] != "confirmed"):
            verdict = ("confirmed", s_said)
            s_said = ""
            run_method = "script"
        rule = rule_by_code(f.code)
        clean = [e for e in runs if e.error is None and e.method is not None]
        if verdict is None and rule is not None and rule.confirm_at_build and clean \
                and not any(op.op == "build" and op.line in lines_of(f)
                            for e in clean for op in e.ops):
            # the model was built, but not the layer the finding is about
            verdict = ("unconfirmed", f"{clean[0].cls} was built ({clean[0].built_from}) "
                       f"without building the layer at line {f.line}: with these values its "
                       "code does not reach it")
        if verdict is None:
            verdict = ("unconfirmed", why.get(home, "")
                       or "; ".join(sorted(set(why.values())))
                       or "the run shows nothing at this line")
        elif run_method != "script":
            verdict = (verdict[0], verdict[1] + _notes(runs))
        f.confirmation = {"verdict": verdict[0], "evidence": verdict[1], "method": run_method,
                          "device": dev or (script or {}).get("device")}
        built = sorted({e.built_from for e in runs if e.built_from})
        if built and run_method != "script":
            f.confirmation["built"] = "; ".join(built)
        if home in by_key and by_key[home].context is not None:
            f.confirmation["context"] = by_key[home].source
        elif f.via and f.owner:
            f.confirmation["context"] = f"{f.owner}, which calls {' -> '.join(f.via)}"
        if s_said:
            f.confirmation["script"] = s_said
    extra = [] if failed else _unexplained_crashes(fm, findings, evidence)
    if extra:
        extra = _crashes_for_any_batch_and_length(fm.path, extra, evidence, by_key, timeout,
                                                  device, memory_mb)
    return evidence, extra


#: the batch and length of the second run that an LST900 crash must survive
OTHER_BATCH_TIME = {"B": 5, "T": 29}


def _crashes_for_any_batch_and_length(path: str, extra: list[Finding], evidence: list[Evidence],
                                      plans: dict[str, ClassPlan], timeout: float,
                                      device: str | None, memory_mb: int) -> list[Finding]:
    """Keep the LST900 crashes that a second run, with another batch size and length, repeats
    (same error, same line): B and T are the caller's to choose, and a crash that only some
    of their values produce (a kernel longer than a short sequence) is no finding."""
    keep: list[Finding] = []
    for f in extra:
        ev = next((e for e in evidence if e.error is not None and e.error.line == f.line
                   and not e.invented), None)
        plan = plans.get(ev.key) if ev is not None else None
        if ev is None or plan is None:
            continue
        if ev.error is not None and ev.error.stage == "construct":
            keep.append(f)  # nothing of the inputs is involved
            continue
        req = plan.request()
        req["batch_time"] = OTHER_BATCH_TIME
        req["fallback"] = plan.context is None or plan.context.get("kind") != "call"
        more = worker().run({"path": os.path.abspath(path), "device": device,
                             "timeout": timeout, "memory_mb": memory_mb, "classes": [req],
                             "calls": [], "script": False}, budget=timeout + 40)
        raw = (more.get("classes") or [{}])[0].get("error")
        again = RunError.from_child(raw) if raw else None
        if again is not None and ev.error is not None and again.line == f.line \
                and again.type == ev.error.type:
            if f.confirmation is not None:
                f.confirmation["evidence"] += (f" (again with B={OTHER_BATCH_TIME['B']}, "
                                               f"T={OTHER_BATCH_TIME['T']})")
            keep.append(f)
    return keep


def _notes(runs: list[Evidence]) -> str:
    """What the evidence owes to lstm-lint's stand-ins (said with every verdict)."""
    notes = []
    placeholders = sorted({n for e in runs for n in e.no_value})
    if placeholders:
        notes.append("built with a placeholder for " + ", ".join(repr(n) for n in placeholders)
                     + " (no value lstm-lint stands behind: any use of it stops the run)")
    if any(e.cuda_on_cpu for e in runs):
        notes.append("the model's .cuda() calls ran on the CPU (no CUDA device here)")
    return "".join(f"; {n}" for n in notes)


def _evidence(result: dict[str, Any], plans: dict[str, ClassPlan]
              ) -> tuple[list[Evidence], str | None, dict[str, str]]:
    """Evidence per class run, the reason the whole file failed, why each class was not run
    (by plan key)."""
    failed = result.get("failed")
    if failed is None and result.get("error"):
        ferr = RunError.from_child(result["error"])
        where = f" (line {ferr.line})" if ferr.line else ""
        failed = f"running the file's definitions raised {ferr.type}{where}: {ferr.message}"
    dev = result.get("device") or "cpu"
    why: dict[str, str] = {}
    for key, p in plans.items():
        if p.inputs is None and p.why_no_inputs:
            why[key] = f"{p.cls.name} built only: {p.why_no_inputs}"
    evidence = []
    for c in result.get("classes", []):
        name = c.get("class", "?")
        key = c.get("key") or name
        plan = plans.get(key)
        if c.get("failed"):
            why[key] = f"running {name}: {c['failed']}"
            continue
        if c.get("not_run"):
            why[key] = f"{name}: {c['not_run']}"
        used = c.get("no_value_used")
        if used and plan is not None:
            what = plan.missing.get(used["name"], "not known to be a size")
            at = f" at line {used['line']}" if used.get("line") else ""
            stage = {"construct": "building it", "forward": "running it",
                     "inputs": "its inputs"}.get(used.get("stage"), "the run")
            why[key] = (f"{name} not run: no value for constructor parameter {used['name']!r} "
                        f"({what}), which {stage} uses{at}: give --args or build the model "
                        "in the file")
        err = RunError.from_child(c["error"]) if c.get("error") is not None else None
        if err is not None and plan is not None:
            where = f" at line {err.line}" if err.line else ""
            stage = {"construct": "building", "forward": "running"}.get(err.stage or "",
                                                                         "running")
            why[key] = f"{stage} {name} raised {err.type}{where}: {err.message}"
        invented = bool(plan and (plan.invented or c.get("no_value") or c.get("ctor_filled"))
                        and (c.get("ctor_source") != "call" or c.get("ctor_filled")))
        evidence.append(Evidence(name, [ObservedOp.from_child(o) for o in c.get("ops", [])],
                                 err, c.get("warnings", []),
                                 c.get("method"), dev, c.get("output"),
                                 {"B": BATCH_SIZE, "T": TIME_SIZE, **(c.get("env") or {})},
                                 c.get("fx_error", ""), why.get(key, ""), invented,
                                 list(c.get("constraints_broken") or []),
                                 dict(c.get("constructor") or {}), c.get("wall_s"), key,
                                 list(c.get("no_value") or []), int(c.get("cuda_on_cpu") or 0),
                                 _built_from(c, plan)))
    return evidence, failed, why


def _built_from(c: dict[str, Any], plan: ClassPlan | None) -> str:
    """Where a run's constructor values came from, in words."""
    if c.get("ctor_source") != "call":
        if plan is None:
            return ""
        if not plan.calls:
            return plan.source
        # the file's calls could not be used: the plan's own values
        text = "the constructor's defaults" + (", and distinct primes for the required sizes"
                                               if plan.invented else "")
        return text + (f" ({c['ctor_note']})" if c.get("ctor_note") else "")
    where = f"{os.path.basename(c['ctor_path'])}:{c.get('ctor_line')}" if c.get("ctor_path") \
        else f"line {c.get('ctor_line')}"
    text = f"the call at {where}"
    if c.get("ctor_filled"):
        text += (", with " + ", ".join(c["ctor_filled"]) + " not evaluable there (a size "
                 "gets a prime, anything else a placeholder)")
    return text


def _verdict(f: Finding, evidence: list[Evidence], spans: dict[str, tuple[int, int]],
             plans: dict[str, ClassPlan], main: str = "") -> tuple[str, str] | None:
    """``main``: the analysed file (a finding in another file's code is judged at that
    file's lines)."""
    rule = rule_by_code(f.code)
    if rule is None:
        return None
    home = _home(f, spans)
    in_context = bool(f.via and f.owner) or home in plans and plans[home].context is not None
    # a finding reported in a context is judged by the run in that context only
    pool = [e for e in evidence if e.key == home or e.cls.endswith("()")] if in_context \
        else evidence
    if main and os.path.realpath(f.path) != os.path.realpath(main):
        pool = [_in_file(e, os.path.realpath(f.path)) for e in pool]
    verdict = rule.confirm(f, pool)
    if verdict is None or verdict[0] not in ("confirmed", "refuted"):
        return verdict
    # a run counts only if its sizes satisfy every constraint recorded for the finding
    runs = [e for e in pool if e.key == home] or pool
    cons = _constraints_of(f)
    for e in runs:
        bad = _broken(cons, e.env) if cons else []
        if bad:
            return ("unconfirmed", f"the run of {e.cls} used sizes that break "
                    f"{', '.join(bad)} ({', '.join(f'{k}={v}' for k, v in sorted(e.env.items()))})"
                    f"; it would have said: {verdict[0]}: {verdict[1]}")
    return verdict


def _in_file(e: Evidence, path: str) -> Evidence:
    """The run as seen from another file's lines: its ops placed there (``op.at``), its
    error at that file's innermost line of the traceback (none when the crash did not pass
    through it: the run then did not run clean there either)."""
    ops = [replace(o, line=o.at[1]) for o in e.ops if o.at and o.at[0] == path]
    err = None
    if e.error is not None:
        line = e.error.at.get(path)
        err = replace(e.error, line=line, frames=[line] if line else [])
    return replace(e, ops=ops, error=err)


def _unexplained_crashes(fm: FileModel, findings: list[Finding],
                         evidence: list[Evidence]) -> list[Finding]:
    """LST900: a shape error that the file's own construction and analysed inputs produce."""
    extra: list[Finding] = []
    for ev in evidence:
        err = ev.error
        if err is None or err.line is None or ev.invented or ev.cls.endswith("()"):
            continue
        if err.type not in SHAPE_ERRORS or err.stage not in ("construct", "forward"):
            continue
        if not re.search(SHAPE_ERROR[1], err.message or ""):
            continue  # not a shape error ("RPC has not been initialized")
        line = err.line
        if any(any(abs(ln - line) <= 1 for ln in lines_of(f)) for f in findings
               if os.path.realpath(f.path) == os.path.realpath(fm.path)):
            continue
        # a crash through a finding in another file's code (a child module) is explained
        at = err.at
        if any(any(abs(ln - at[os.path.realpath(f.path)]) <= 1 for ln in lines_of(f))
               for f in findings if os.path.realpath(f.path) in at):
            continue
        if any(f.line == line for f in extra):
            continue
        extra.append(Finding(
            "LST900", "runtime-shape-error", "error",
            f"LST900 running {ev.cls} raised {err.type}: {err.message}", fm.path, None, fm,
            line, 1, line, 1,
            confirmation={"verdict": "confirmed", "evidence": f"{err.type}: {err.message}",
                          "method": ev.method, "device": ev.device}))
    return extra


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
        c = by_name.get(p.cls.name)
        env = {**p.env, **((c or {}).get("env") or {})}
        static = shape_str(_bound(static_output(p.static), env))
        used = (c or {}).get("no_value_used")
        if c is None or c.get("failed") or c.get("not_run") or used or p.inputs is None:
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


__all__ = ["ConfirmUnavailable", "Evidence", "confirm_file", "const", "shape_str",
           "torch_available"]
