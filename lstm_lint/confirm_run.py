"""The ``--confirm`` class job, in its forked process: build one model class and run it.

A class job runs the file's *definitions* only (see :mod:`lstm_lint.confirm_defs`), builds the
model from the constructor arguments the parent planned (or from the file's own
instantiation, evaluated among those definitions: :mod:`lstm_lint.confirm_ctor`), picks sizes
that satisfy the recorded constraints (:mod:`lstm_lint.confirm_sizes`), traces ``forward``
with torch.fx (each node mapped to a source line) and propagates shapes; when fx cannot trace
the model it runs it eagerly under a TorchFunctionMode that records every op issued from the
user's file (:mod:`lstm_lint.confirm_trace`).  With no forward input known, the model is
built only (enough for construction-time rules).
"""

from __future__ import annotations

import inspect
import time
import warnings
from typing import Any

from .confirm_ctor import (
    bound_params,
    call_class,
    call_namespace,
    eval_call,
    eval_parts,
    planned_value,
    user_value,
    with_flags,
)
from .confirm_inputs import (
    bind_specs,
    make_inputs,
    resized,
    shifted,
    tensor_shapes,
    tensor_specs,
)
from .confirm_lines import error_record, place_entry, user_line
from .confirm_sizes import DEFAULTS, solve, symbols
from .confirm_standins import (
    CudaOnCpu,
    LstmLintConfig,
    LstmLintNoValue,
    NoValueUsed,
    placeholder_error,
    standin_attr,
)
from .confirm_trace import record_call, shape_of, trace_eager, trace_fx


class _NoneInput(Exception):
    """An input is None: the run is eager (fx would trace the other branch)."""


def _resolve(name: str, params: dict[str, Any], fixed: dict[str, Any]) -> Any:
    parts = name.split(".")
    if parts[0] in params:
        v = params[parts[0]]
        for p in parts[1:]:
            if isinstance(v, LstmLintConfig):
                v = standin_attr(v, p)
                continue
            if isinstance(v, LstmLintNoValue):
                return None
            if isinstance(v, dict):
                v = v.get(p)
            else:
                v = getattr(v, p, None)
        if isinstance(v, LstmLintNoValue):
            return None
        if isinstance(v, bool | int) and not (isinstance(v, int) and not isinstance(v, bool)
                                              and v <= 0):
            return v
        return None
    return fixed.get(name)


def _int_env(env: dict[str, Any]) -> dict[str, int]:
    return {k: v for k, v in env.items() if isinstance(v, int) and not isinstance(v, bool)}


class _BuildRecorder:
    """Records each recurrent layer built from the user's file (its line and configuration)
    and the lines of the user's file that called torch while building the model (a state
    ``init_hidden`` makes in ``__init__``: the build went through its line)."""

    def __init__(self, path: str):
        self.path = path
        self.builds: list[dict[str, Any]] = []
        self.lines: set[int] = set()
        self._orig: Any = None
        self._mode: Any = None

    def __enter__(self) -> _BuildRecorder:
        from torch.nn.modules.rnn import RNNBase
        from torch.overrides import TorchFunctionMode

        seen = self.lines
        path = self.path

        class Lines(TorchFunctionMode):
            def __torch_function__(self, func: Any, types: Any, args: Any = (),
                                   kwargs: Any = None) -> Any:
                line = user_line(path)
                if line is not None and len(seen) < 5000:
                    seen.add(line)
                return func(*args, **(kwargs or {}))

        orig = RNNBase.__init__
        rec = self

        def init(mod: Any, *a: Any, **k: Any) -> None:
            orig(mod, *a, **k)
            line = user_line(rec.path)
            if line is not None:
                rec.builds.append(place_entry({
                    "line": line, "op": "build", "name": type(mod).__name__,
                    "config": {n: getattr(mod, n, None) for n in (
                        "input_size", "hidden_size", "num_layers", "dropout",
                        "bidirectional", "batch_first", "proj_size")}}, 1))

        self._orig = orig
        RNNBase.__init__ = init  # type: ignore[method-assign, assignment]
        self._mode = Lines()
        self._mode.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        from torch.nn.modules.rnn import RNNBase

        self._mode.__exit__(*exc)
        RNNBase.__init__ = self._orig  # type: ignore[method-assign]


def run_class(mod: Any, req: dict[str, Any], path: str, device_name: str) -> dict[str, Any]:
    import torch

    name = req["class"]
    out: dict[str, Any] = {"class": name, "warnings": [], "ops": [], "error": None,
                           "method": None, "output": None, "env": {}, "built": False}
    cls = getattr(mod, name, None)
    if cls is None:
        out["not_run"] = f"class {name} is not defined once the file's definitions have run"
        return out
    fill = dict(req.get("fill") or {})
    part_fill = dict(req.get("part_fill") or {})
    args = [planned_value(a) for a in req.get("args", [])]
    kwargs = {k: planned_value(v) for k, v in (req.get("kwargs") or {}).items()}
    out["ctor_source"] = "plan"
    if req.get("given") or req.get("from_table"):
        try:
            if req.get("given"):
                args = [user_value(a, mod.__dict__) for a in args]
                kwargs = {k: user_value(v, mod.__dict__) for k, v in kwargs.items()}
            for k in req.get("from_table") or []:  # a configuration's values from the table
                for held in (fill, part_fill, kwargs):
                    if k in held:
                        held[k] = user_value(held[k], mod.__dict__)
        except Exception as exc:  # an object the user named that cannot be built
            msg = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            where = req["given"] if isinstance(req.get("given"), str) \
                else "[tool.lstm-lint.confirm]"
            out["not_run"] = (f"the values {where} gives {name} cannot be "
                              f"built ({type(exc).__name__}: {msg})")
            out["given_failed"] = where
            return out
    tried: list[str] = []
    found = False
    for call in req.get("calls") or []:
        ns, where, why = call_namespace(call, mod, path)
        if ns is None:
            tried.append(why)
            continue
        try:
            a, k = eval_call(call, ns)
        except BaseException as exc:
            msg = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            tried.append(f"the arguments of {name}(...) at {where} cannot be evaluated from "
                         f"the file's definitions ({type(exc).__name__}: {msg})")
            continue
        called = call_class(call, ns, cls)
        try:
            inspect.signature(called).bind(*a, **k)
        except TypeError as exc:  # the file's own call does not fit the class (stale code)
            tried.append(f"the call {name}(...) at {where} does not fit its constructor "
                         f"({exc})")
            continue
        except ValueError:
            pass
        args, kwargs = list(a), dict(k)
        cls = called
        out["ctor_source"] = "call"
        out["ctor_line"] = call.get("line")
        found = True
        break
    if not found:
        # the first call argument by argument: each one the definitions give, the others as
        # a parameter without a value gets them (a prime for a size, else a placeholder)
        # (not a call inside a class: its arguments are the enclosing method's parameters);
        # of several calls, the one that leaves the fewest values to placeholders
        best: tuple[int, int] | None = None
        for i, call in enumerate([c for c in req.get("calls") or []
                                  if not c.get("in_class")][:5]):
            ns, where, _why = call_namespace(call, mod, path)
            parts = eval_parts(call, ns, cls, {**part_fill, **fill}) \
                if ns is not None else None
            if parts is None or ns is None:
                continue
            a, k, filled = parts
            try:
                inspect.signature(call_class(call, ns, cls)).bind(*a, **k)
            except TypeError:
                continue  # the file's own call does not fit the class (stale code)
            except ValueError:
                pass
            holes = sum(1 for v in [*a, *k.values()] if isinstance(v, LstmLintNoValue))
            if best is not None and (holes, i) >= best:
                continue
            best = (holes, i)
            args, kwargs = a, k
            cls = call_class(call, ns, cls)
            out["ctor_source"] = "call"
            out["ctor_line"] = call.get("line")
            out["ctor_path"] = call.get("path")
            out["ctor_filled"] = filled
            found = True
        if not found and tried and not req.get("fallback"):
            out["not_run"] = tried[0] + (f"; {req['why_not_built']}"
                                         if req.get("why_not_built") else "")
            return out
        if not found and tried:
            out["ctor_note"] = tried[0]
    if req.get("flags"):
        args, kwargs = with_flags(cls, args, kwargs, req["flags"])
    params = bound_params(cls, args, kwargs)
    out["constructor"] = {k: v for k, v in params.items()
                          if v is None or isinstance(v, bool | int | float | str)}
    out["no_value"] = sorted(k for k, v in params.items() if isinstance(v, LstmLintNoValue)
                             and not isinstance(v, LstmLintConfig))
    out["standins"] = sorted(k for k, v in params.items() if isinstance(v, LstmLintConfig))
    device = torch.device(device_name)
    with warnings.catch_warnings(record=True) as caught, _BuildRecorder(path) as rec, \
            CudaOnCpu(device.type != "cuda") as cuda:
        warnings.simplefilter("always")
        try:
            # built without autograd: an initialiser written for an older torch
            # (``rnn.bias_hh_l0.chunk(4)[1].fill_(1)``, an in-place write into one of several
            # views of a parameter) raises in grad mode today, and says nothing of shapes
            with torch.no_grad():
                model = cls(*args, **kwargs)
        except Exception as exc:
            out["warnings"] = [str(w.message) for w in caught]
            out["ops"] = rec.builds
            out["built_lines"] = sorted(rec.lines)
            out["cuda_on_cpu"] = cuda.calls
            used = placeholder_error(exc)
            if used is not None:
                out["no_value_used"] = {"name": used, "stage": "construct",
                                        "line": error_record(exc, path, "construct")["line"]}
            else:
                out["error"] = error_record(exc, path, "construct")
            return out
    out["built"] = True
    out["cuda_on_cpu"] = cuda.calls
    out["warnings"] = [str(w.message) for w in caught]
    builds = rec.builds
    out["ops"] = list(builds)
    out["built_lines"] = sorted(rec.lines)
    specs = req.get("inputs")
    if specs is None:
        out["method"] = "build"
        return out
    needed: set[str] = set()
    for s in tensor_specs(specs):
        for d in s["tensor"]:
            if isinstance(d, str):
                needed |= symbols(d)
        if isinstance(s.get("lengths"), str):
            needed |= symbols(s["lengths"])
    fixed = dict(req.get("env", {}))
    env, broken = solve(needed, req.get("constraints", []),
                        lambda n: _resolve(n, params, fixed), req.get("batch_time"))
    out["env"] = _int_env(env)
    out["constraints_broken"] = broken
    try:
        bound = bind_specs(specs, {**params, **env})
    except KeyError as exc:
        out["not_run"] = f"no value the analysis stands behind for the size {exc.args[0]}"
        return out
    except ValueError as exc:
        out["not_run"] = str(exc)
        return out
    except NoValueUsed as exc:
        out["no_value_used"] = {"name": str(exc.args[0]), "stage": "inputs", "line": None}
        return out
    model = model.to(device)
    # eval mode, unless the finding sits in ``if self.training:`` (confirm_reach)
    model = model.train() if req.get("train") else model.eval()
    try:
        inputs = make_inputs(bound, device, lambda v: user_value(v, mod.__dict__))
    except Exception as exc:  # the inputs' fault, never the model's
        msg = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        out["not_run"] = f"its forward inputs could not be made ({type(exc).__name__}: {msg})"
        return out
    if req.get("resize"):
        # the user's inputs again, the state's batch axis cut to another size: a state that
        # follows it is no constant of the code's; the same with their float values moved
        # ("shift"): a state computed from them (one the user passed in, detached, scaled or
        # not) is told from one built from their sizes alone
        try:
            inputs, size = resized(inputs, int(req["resize"]["from"]),
                                   {int(n) for n in req["resize"].get("avoid", [])})
        except ValueError as exc:
            out["not_run"] = f"its inputs could not be cut to another batch ({exc})"
            return out
        shift = bool(req["resize"].get("shift"))
        out["resized"] = {"from": int(req["resize"]["from"]), "to": size, "shift": shift,
                          "shapes": tensor_shapes(inputs)}
        if shift:
            inputs = shifted(inputs)
    t0 = time.perf_counter()
    call = req.get("state_call")
    if call:
        # the state method the training loop calls before forward (init_hidden(bsz)), with
        # the run's batch
        batch = call.get("B") or out["env"].get("B") or DEFAULTS["B"]
        state_ops: list[dict[str, Any]] = []
        try:
            with torch.no_grad(), CudaOnCpu(device.type != "cuda"):
                state = record_call(
                    lambda: getattr(model, call["method"])(**{call["param"]: batch}),
                    path, state_ops)
            out["state_call"] = {"returned": _tensors(state)}
        except Exception as exc:
            out["ops"] = builds + state_ops
            out["method"] = "eager"
            out["error"] = error_record(exc, path, "forward")
            return out
        builds = builds + state_ops
    saved = _attributes(model)
    with torch.no_grad(), CudaOnCpu(device.type != "cuda") as cuda_fwd:
        try:
            if any(i is None or (isinstance(i, tuple | list) and any(j is None for j in i))
                   for i in inputs):
                # fx traces with proxies: ``h is None`` is False there, so the graph would
                # hold the branch a tensor takes and run it on None
                raise _NoneInput("a None input: the branch the code takes on None runs "
                                 "eagerly")
            out["ops"] = builds + trace_fx(model, inputs, path, device)
            out["method"] = "fx"
            final = [o for o in out["ops"] if o["op"] == "output"]
            out["output"] = final[-1]["args"][0] if final else None
        except Exception as fx_exc:
            out["fx_error"] = f"{type(fx_exc).__name__}: {str(fx_exc).splitlines()[0][:200]}" \
                if str(fx_exc) else type(fx_exc).__name__
            out["method"] = "eager"
            # fx ran forward on proxies: ``self.hidden = ...`` there left a proxy behind
            _restore(saved)
            ops: list[dict[str, Any]] = []
            calling: list[dict[str, Any]] = []
            try:
                ops, result = trace_eager(model, inputs, path, ops, calling)
                out["output"] = shape_of(result)
            except Exception as exc:
                inner = [c for c in calling if c["line"] is not None]
                if inner:
                    # the innermost call of the file's code the exception came out of
                    out["raised_in"] = inner[-1]
                used = placeholder_error(exc)
                if used is not None:
                    out["no_value_used"] = {"name": used, "stage": "forward",
                                            "line": error_record(exc, path, "forward")["line"]}
                else:
                    out["error"] = error_record(exc, path, "forward")
            out["ops"] = builds + ops
    out["cuda_on_cpu"] = out.get("cuda_on_cpu", 0) + cuda_fwd.calls
    out["seconds"] = round(time.perf_counter() - t0, 4)
    if device.type == "cuda":
        out["device_name"] = torch.cuda.get_device_name(device)
    return out


def _tensors(v: Any) -> bool:
    """A tensor, or a tuple or list of them (an LSTM's (h, c))."""
    import torch

    if isinstance(v, tuple | list):
        return bool(v) and all(isinstance(t, torch.Tensor) for t in v)
    return isinstance(v, torch.Tensor)


def _attributes(model: Any) -> list[tuple[Any, dict[str, Any]]]:
    """Each submodule's attributes as they are (a shallow copy of its ``__dict__``)."""
    return [(m, dict(m.__dict__)) for m in model.modules()]


def _restore(saved: list[tuple[Any, dict[str, Any]]]) -> None:
    """Put back the attributes ``_attributes`` saved: what a forward run assigned to ``self``
    (a state kept between calls) is undone."""
    for m, attrs in saved:
        m.__dict__.clear()
        m.__dict__.update(attrs)
