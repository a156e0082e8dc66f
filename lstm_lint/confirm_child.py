"""The ``--confirm`` worker: the only place where lstm-lint imports torch or runs user code.

``python -m lstm_lint.confirm_child --serve`` imports torch once and then serves requests, one
file each, read as JSON lines on stdin (``{"request": REQ.json, "result": RES.json}``); it
answers one line per request on its original stdout.  Every job of a file (one per model
class, and the file's own module-level run when asked for) is run in a forked process with
its own timeout, memory limit and process group, so one model's crash, hang or memory
blow-up cannot take the worker or the other models down.  CUDA is initialised only inside a
job (after the fork); the worker itself never touches the device.

``python -m lstm_lint.confirm_child REQ.json RES.json`` serves one request and exits (one
torch start per file, the old way; kept for the benchmark).

A class job runs the file's *definitions* only (see :mod:`lstm_lint.confirm_defs`), builds the
model from the constructor arguments the parent planned (or from the file's own
instantiation, evaluated among those definitions), picks sizes that satisfy the recorded
constraints (:mod:`lstm_lint.confirm_sizes`), traces ``forward`` with torch.fx (each node
mapped to a source line) and propagates shapes; when fx cannot trace the model it runs it
eagerly under a TorchFunctionMode that records every op issued from the user's file.  With no
forward input known, the model is built only (enough for construction-time rules).

The script job imports the whole file under a private module name (so ``if __name__ ==
"__main__":`` blocks do not run), records the crash of its module-level code with the lines
of the user's file in the traceback, then calls the argument-free functions the parent named.
User prints go to stderr; results are written to files, never to a pipe the user can reach.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import signal
import sys
import time
import traceback
import types
import warnings
from typing import Any

from .confirm_defs import definitions
from .confirm_sizes import evaluate, solve, symbols

PRIVATE = "lstm_lint_confirm_target"


def _shape(v: Any) -> Any:
    import torch

    if isinstance(v, torch.Tensor):
        return list(v.shape)
    if isinstance(v, torch.nn.utils.rnn.PackedSequence):
        return {"packed": list(v.data.shape)}
    if isinstance(v, tuple | list) and len(v) <= 16:
        inner = [_shape(i) for i in v]
        return inner if any(i is not None for i in inner) else None
    return None


def _index_repr(idx: Any) -> Any:
    import torch

    if isinstance(idx, tuple):
        return [_index_repr(i) for i in idx]
    if isinstance(idx, slice):
        return {"slice": [_plain(idx.start), _plain(idx.stop), _plain(idx.step)]}
    if idx is Ellipsis:
        return "..."
    if idx is None:
        return None
    if isinstance(idx, int):
        return idx
    if isinstance(idx, torch.Tensor):
        return {"tensor": list(idx.shape)}
    return repr(idx)


def _plain(v: Any) -> Any:
    return v if v is None or isinstance(v, int) else repr(v)


def _user_line(path: str) -> int | None:
    f = sys._getframe(2)
    target = _real(path)
    while f is not None:
        if _real(f.f_code.co_filename) == target:
            return f.f_lineno
        f = f.f_back  # type: ignore[assignment]
    return None


_REAL: dict[str, str] = {}
#: other files whose lines the ops are also placed at (the files of findings made in another
#: file's code, e.g. a child module's): ``op["at"] = [file, line]``, the innermost such frame
ALSO: set[str] = set()


def _real(name: str) -> str:
    r = _REAL.get(name)
    if r is None:
        r = _REAL[name] = os.path.realpath(name)
    return r


def _also_at(depth: int) -> list[Any] | None:
    if not ALSO:
        return None
    f = sys._getframe(depth + 1)
    while f is not None:
        r = _real(f.f_code.co_filename)
        if r in ALSO:
            return [r, f.f_lineno]
        f = f.f_back  # type: ignore[assignment]
    return None


def _place(entry: dict[str, Any], depth: int) -> dict[str, Any]:
    at = _also_at(depth + 1)
    if at is not None:
        entry["at"] = at
    return entry


def _make_inputs(specs: list[Any], device: Any) -> list[Any]:
    import torch

    out: list[Any] = []
    for s in specs:
        if s is None:
            out.append(None)
        elif isinstance(s, dict) and "tuple" in s:
            out.append(tuple(_make_inputs(s["tuple"], device)))
        elif isinstance(s, dict) and "tensor" in s:
            shape = s["tensor"]
            if s.get("dtype") == "int":
                high = max(1, int(s.get("high") or 3))
                if s.get("lengths"):
                    n = shape[0]
                    t = torch.tensor([max(1, s["lengths"] - i) for i in range(n)], dtype=torch.long)
                    out.append(t)  # lengths stay on the CPU, as pack_padded_sequence wants
                    continue
                out.append(torch.randint(0, high, shape, device=device))
            else:
                out.append(torch.randn(*shape, device=device))
        elif isinstance(s, dict) and "value" in s:
            out.append(s["value"])
        else:
            out.append(s)
    return out


def _trace_fx(model: Any, inputs: list[Any], path: str, device: Any) -> list[dict[str, Any]]:
    import torch.fx as fx
    from torch.fx.passes.shape_prop import ShapeProp

    target_file = os.path.realpath(path)

    class Tracer(fx.Tracer):
        """Records, for each node, the line of the user's file that created it.

        (fx's own ``record_stack_traces`` symbolises whole stacks: about 1.6 s the first time;
        walking the frames to the user's file costs microseconds.)
        """

        def create_proxy(self, *args: Any, **kwargs: Any) -> Any:
            proxy = super().create_proxy(*args, **kwargs)
            f = sys._getframe(1)
            while f is not None:
                if _real(f.f_code.co_filename) == target_file:
                    proxy.node.meta["lstm_lint_line"] = f.f_lineno
                    break
                f = f.f_back  # type: ignore[assignment]
            at = _also_at(1)
            if at is not None:
                proxy.node.meta["lstm_lint_at"] = at
            return proxy

    tracer = Tracer()
    graph = tracer.trace(model)
    gm = fx.GraphModule(model, graph)
    ShapeProp(gm).propagate(*inputs)
    ops = []
    for node in gm.graph.nodes:
        line = node.meta.get("lstm_lint_line")
        meta = node.meta.get("tensor_meta")
        out = _meta_shape(meta)
        args = []
        for a in node.args:
            if isinstance(a, fx.Node):
                args.append(_meta_shape(a.meta.get("tensor_meta")))
            else:
                builtin = node.target.__class__.__name__ == "builtin_function_or_method"
                args.append(_index_repr(a) if builtin else _plain_arg(a))
        target = node.target
        name = target if isinstance(target, str) else getattr(target, "__name__", str(target))
        entry = {"line": line, "op": node.op, "name": str(name), "args": args, "out": out}
        if node.meta.get("lstm_lint_at"):
            entry["at"] = node.meta["lstm_lint_at"]
        if node.op == "call_module":
            try:
                entry["module"] = type(gm.get_submodule(str(target))).__name__
            except AttributeError:
                pass
        ops.append(entry)
    return ops


def _plain_arg(a: Any) -> Any:
    if isinstance(a, int | float | str | bool) or a is None:
        return a
    if isinstance(a, tuple | list):
        return [_plain_arg(i) for i in a]
    if isinstance(a, slice):
        return {"slice": [_plain(a.start), _plain(a.stop), _plain(a.step)]}
    return repr(a)[:40]


def _meta_shape(meta: Any) -> Any:
    if meta is None:
        return None
    if hasattr(meta, "shape"):
        return list(meta.shape)
    if isinstance(meta, tuple | list):
        return [_meta_shape(m) for m in meta]
    if isinstance(meta, dict):
        return None
    return None


def _trace_eager(model: Any, inputs: list[Any], path: str) -> tuple[list[dict[str, Any]], Any]:
    import torch
    from torch.overrides import TorchFunctionMode

    ops: list[dict[str, Any]] = []

    class Recorder(TorchFunctionMode):
        def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            kwargs = kwargs or {}
            out = func(*args, **kwargs)
            line = _user_line(path)
            if line is not None and len(ops) < 20000:
                name = getattr(func, "__name__", str(func))
                rec_args = []
                for a in args:
                    if isinstance(a, torch.Tensor) or isinstance(a, tuple | list) and a \
                            and isinstance(a[0], torch.Tensor):
                        rec_args.append(_shape(a))
                    elif name == "__getitem__":
                        rec_args.append(_index_repr(a))
                    else:
                        rec_args.append(_plain_arg(a))
                entry = {"line": line, "op": "call_function", "name": name, "args": rec_args,
                         "out": _shape(out)}
                if name == "__getitem__" and isinstance(out, torch.Tensor) and out.dim() >= 1 \
                        and out.numel() <= 4096:
                    entry["zero_rows"] = [bool((r == 0).all()) for r in out.reshape(out.shape[0], -1)]
                ops.append(_place(entry, 1))
            return out

    hooks = []

    def hook(mod: Any, inp: Any, out: Any) -> None:
        line = _user_line(path)
        if line is not None:
            ops.append(_place({"line": line, "op": "call_module", "name": type(mod).__name__,
                               "module": type(mod).__name__,
                               "args": [_shape(i) for i in inp], "out": _shape(out)}, 1))

    for m in model.modules():
        if m is not model:
            hooks.append(m.register_forward_hook(hook))
    try:
        with Recorder():
            result = model(*inputs)
    finally:
        for h in hooks:
            h.remove()
    return ops, result




# ---- no value: a constructor parameter nothing stands behind -----------------------------


class NoValueUsed(Exception):
    """The model used a constructor parameter that ``--confirm`` has no value for."""


def _no_value(self: Any, *_a: Any, **_k: Any) -> Any:
    raise NoValueUsed(object.__getattribute__(self, "_lstm_lint_name"))


class LstmLintNoValue:
    """Stands in for a constructor parameter with no value lstm-lint stands behind (not a size,
    no default, not given by ``--args`` or the file's own call): any use of it (an attribute,
    arithmetic, a comparison, truth, iteration, a call) raises :class:`NoValueUsed`.  A model
    built without touching it did not depend on it; one that touches it is not run further
    and says which value it needed."""

    __slots__ = ("_lstm_lint_name",)

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_lstm_lint_name", name)

    def __getattribute__(self, name: str) -> Any:
        if name == "__class__":  # isinstance() checks (nn.Module.__setattr__ makes them)
            return LstmLintNoValue
        _no_value(self)

    def __repr__(self) -> str:
        return f"<no value for {object.__getattribute__(self, '_lstm_lint_name')}>"

    __hash__ = __setattr__ = __getitem__ = __setitem__ = __call__ = __iter__ = __len__ = _no_value
    __bool__ = __int__ = __index__ = __float__ = __format__ = __contains__ = _no_value
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _no_value
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _no_value
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _no_value
    __pow__ = __rpow__ = __neg__ = __pos__ = __abs__ = __matmul__ = __rmatmul__ = _no_value


def _placeholder_error(exc: BaseException) -> str | None:
    """The parameter a crash needed a value for, when the crash comes from a placeholder."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, NoValueUsed):
            return str(e.args[0]) if e.args else "?"
        e = e.__cause__ or e.__context__
    return "?" if "LstmLintNoValue" in str(exc) else None


# ---- ``.cuda()`` on a machine without CUDA --------------------------------------------------


class _CudaOnCpu:
    """``Tensor.cuda``/``Module.cuda`` as no-ops while a model without a CUDA device is built
    and run (models that call ``.cuda()`` unconditionally); counts the calls."""

    def __init__(self) -> None:
        self.calls = 0
        self._saved: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> _CudaOnCpu:
        import torch

        if torch.cuda.is_available():
            return self
        me = self

        def tensor_cuda(t: Any, *_a: Any, **_k: Any) -> Any:
            me.calls += 1
            return t

        def module_cuda(m: Any, *_a: Any, **_k: Any) -> Any:
            me.calls += 1
            return m

        for owner, name, fn in ((torch.Tensor, "cuda", tensor_cuda),
                                (torch.nn.Module, "cuda", module_cuda)):
            self._saved.append((owner, name, getattr(owner, name)))
            setattr(owner, name, fn)
        return self

    def __exit__(self, *exc: Any) -> None:
        for owner, name, fn in self._saved:
            setattr(owner, name, fn)
        self._saved = []


# ---- the file's definitions, the model's constructor arguments and sizes --------------------


def package_of(path: str) -> tuple[str, str]:
    """The folder to import the file's package from, and the package's dotted name ("" when
    the file is in no package): so that its relative imports work."""
    folder = os.path.dirname(os.path.abspath(path))
    parts: list[str] = []
    while os.path.exists(os.path.join(folder, "__init__.py")) and len(parts) < 16:
        parts.insert(0, os.path.basename(folder))
        folder = os.path.dirname(folder)
    return folder, ".".join(parts)


def _new_module(path: str, name: str = PRIVATE) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__file__ = path
    root, pkg = package_of(path)
    if pkg:
        mod.__package__ = pkg
        if root not in sys.path:
            sys.path.insert(1, root)
    # the project's own absolute imports (``from kospeech.models import ...`` in a namespace
    # package): the folders above the file, after everything installed, so they shadow nothing
    folder = os.path.dirname(os.path.abspath(path))
    for _ in range(6):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
        if folder not in sys.path:
            sys.path.append(folder)
    sys.modules[name] = mod
    return mod


def load_definitions(path: str, name: str = PRIVATE
                     ) -> tuple[types.ModuleType, dict[str, Any] | None, list[int]]:
    """Run the file's definitions only; return the module, the error that stopped them (if
    any) and the lines of the module-level statements left out."""
    import __future__

    mod = _new_module(path, name)
    with open(path, encoding="utf-8", errors="replace") as fh:
        src = fh.read()
    try:
        kept, skipped = definitions(src, path)
    except SyntaxError as exc:
        return mod, {"type": "SyntaxError", "message": str(exc), "line": exc.lineno,
                     "stage": "definitions", "frames": []}, []
    flags = 0
    for m in kept:
        st = m.body[0]
        if isinstance(st, ast.ImportFrom) and st.module == "__future__":
            for a in st.names:
                feat = getattr(__future__, a.name, None)
                flags |= getattr(feat, "compiler_flag", 0)
        try:
            exec(compile(m, path, "exec", flags=flags, dont_inherit=True), mod.__dict__)  # noqa: S102
        except SystemExit as exc:
            return mod, {"type": "SystemExit", "message": f"sys.exit({exc.code})",
                         "line": st.lineno, "stage": "definitions", "frames": [st.lineno]}, skipped
        except BaseException as exc:
            real = _imported_as_itself(path)
            if real is not None:
                return real, None, skipped
            return mod, _error(exc, path, "definitions"), skipped
    return mod, None, skipped


def _imported_as_itself(path: str) -> types.ModuleType | None:
    """The file as its own package imported it (under its real name) while its definitions
    ran: a file that registers itself in a registry cannot run twice, and its package's import
    already ran it."""
    _root, pkg = package_of(path)
    if not pkg:
        return None
    stem = os.path.splitext(os.path.basename(path))[0]
    real = sys.modules.get(pkg if stem == "__init__" else f"{pkg}.{stem}")
    file = getattr(real, "__file__", None)
    if real is None or not file or _real(file) != _real(path):
        return None
    return real


def _params(cls: Any, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The constructor's parameters as the call binds them, defaults included."""
    try:
        bound = inspect.signature(cls).bind(*args, **kwargs)
        bound.apply_defaults()
    except (TypeError, ValueError):
        return dict(kwargs)
    out: dict[str, Any] = {}
    for k, v in bound.arguments.items():
        if isinstance(v, dict) and inspect.signature(cls).parameters[k].kind \
                == inspect.Parameter.VAR_KEYWORD:
            out.update(v)
        else:
            out[k] = v
    return out


def _resolve(name: str, params: dict[str, Any], fixed: dict[str, Any]) -> Any:
    parts = name.split(".")
    if parts[0] in params:
        v = params[parts[0]]
        for p in parts[1:]:
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
    """Records each recurrent layer built from the user's file: its line and configuration."""

    def __init__(self, path: str):
        self.path = path
        self.builds: list[dict[str, Any]] = []
        self._orig: Any = None

    def __enter__(self) -> _BuildRecorder:
        from torch.nn.modules.rnn import RNNBase

        orig = RNNBase.__init__
        rec = self

        def init(mod: Any, *a: Any, **k: Any) -> None:
            orig(mod, *a, **k)
            line = _user_line(rec.path)
            if line is not None:
                rec.builds.append(_place({
                    "line": line, "op": "build", "name": type(mod).__name__,
                    "config": {n: getattr(mod, n, None) for n in (
                        "input_size", "hidden_size", "num_layers", "dropout",
                        "bidirectional", "batch_first", "proj_size")}}, 1))

        self._orig = orig
        RNNBase.__init__ = init  # type: ignore[method-assign, assignment]
        return self

    def __exit__(self, *exc: Any) -> None:
        from torch.nn.modules.rnn import RNNBase

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
    args = [_arg(a) for a in req.get("args", [])]
    kwargs = {k: _arg(v) for k, v in (req.get("kwargs") or {}).items()}
    out["ctor_source"] = "plan"
    tried: list[str] = []
    found = False
    for call in req.get("calls") or []:
        ns, where, why = _call_namespace(call, mod, path)
        if ns is None:
            tried.append(why)
            continue
        try:
            a, k = _eval_call(call, ns)
        except BaseException as exc:
            msg = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            tried.append(f"the arguments of {name}(...) at {where} cannot be evaluated from "
                         f"the file's definitions ({type(exc).__name__}: {msg})")
            continue
        called = _call_class(call, ns, cls)
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
            ns, where, _why = _call_namespace(call, mod, path)
            parts = _eval_parts(call, ns, cls, fill) if ns is not None else None
            if parts is None or ns is None:
                continue
            a, k, filled = parts
            try:
                inspect.signature(_call_class(call, ns, cls)).bind(*a, **k)
            except TypeError:
                continue  # the file's own call does not fit the class (stale code)
            except ValueError:
                pass
            holes = sum(1 for v in [*a, *k.values()] if isinstance(v, LstmLintNoValue))
            if best is not None and (holes, i) >= best:
                continue
            best = (holes, i)
            args, kwargs = a, k
            cls = _call_class(call, ns, cls)
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
    params = _params(cls, args, kwargs)
    out["constructor"] = {k: v for k, v in params.items()
                          if v is None or isinstance(v, bool | int | float | str)}
    out["no_value"] = sorted(k for k, v in params.items() if isinstance(v, LstmLintNoValue))
    device = torch.device(device_name)
    with warnings.catch_warnings(record=True) as caught, _BuildRecorder(path) as rec, \
            _CudaOnCpu() as cuda:
        warnings.simplefilter("always")
        try:
            model = cls(*args, **kwargs)
        except Exception as exc:
            out["warnings"] = [str(w.message) for w in caught]
            out["ops"] = rec.builds
            out["cuda_on_cpu"] = cuda.calls
            used = _placeholder_error(exc)
            if used is not None:
                out["no_value_used"] = {"name": used, "stage": "construct",
                                        "line": _error(exc, path, "construct")["line"]}
            else:
                out["error"] = _error(exc, path, "construct")
            return out
    out["built"] = True
    out["cuda_on_cpu"] = cuda.calls
    out["warnings"] = [str(w.message) for w in caught]
    builds = rec.builds
    out["ops"] = list(builds)
    specs = req.get("inputs")
    if specs is None:
        out["method"] = "build"
        return out
    needed: set[str] = set()
    for s in _tensor_specs(specs):
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
        bound = _bind_specs(specs, {**params, **env})
    except KeyError as exc:
        out["not_run"] = f"no value the analysis stands behind for the size {exc.args[0]}"
        return out
    except ValueError as exc:
        out["not_run"] = str(exc)
        return out
    except NoValueUsed as exc:
        out["no_value_used"] = {"name": str(exc.args[0]), "stage": "inputs", "line": None}
        return out
    model = model.to(device).eval()
    try:
        inputs = _make_inputs(bound, device)
    except Exception as exc:
        out["error"] = _error(exc, path, "inputs")
        return out
    t0 = time.perf_counter()
    with torch.no_grad(), _CudaOnCpu() as cuda_fwd:
        try:
            out["ops"] = builds + _trace_fx(model, inputs, path, device)
            out["method"] = "fx"
            final = [o for o in out["ops"] if o["op"] == "output"]
            out["output"] = final[-1]["args"][0] if final else None
        except Exception as fx_exc:
            out["fx_error"] = f"{type(fx_exc).__name__}: {str(fx_exc).splitlines()[0][:200]}" \
                if str(fx_exc) else type(fx_exc).__name__
            out["method"] = "eager"
            ops: list[dict[str, Any]] = []
            try:
                ops, result = _trace_eager(model, inputs, path)
                out["output"] = _shape(result)
            except Exception as exc:
                used = _placeholder_error(exc)
                if used is not None:
                    out["no_value_used"] = {"name": used, "stage": "forward",
                                            "line": _error(exc, path, "forward")["line"]}
                else:
                    out["error"] = _error(exc, path, "forward")
            out["ops"] = builds + ops
    out["cuda_on_cpu"] = out.get("cuda_on_cpu", 0) + cuda_fwd.calls
    out["seconds"] = round(time.perf_counter() - t0, 4)
    if device.type == "cuda":
        out["device_name"] = torch.cuda.get_device_name(device)
    return out


def _arg(v: Any) -> Any:
    """A planned constructor value: a placeholder where the plan has none."""
    if isinstance(v, dict) and "lstm_lint_no_value" in v:
        return LstmLintNoValue(str(v["lstm_lint_no_value"]))
    return v


def _call_namespace(call: dict[str, Any], mod: Any, path: str
                    ) -> tuple[dict[str, Any] | None, str, str]:
    """Where a call's arguments are evaluated: the file's definitions or, for a call in a
    script beside it (``train.py``), that script's definitions."""
    other = call.get("path")
    line = call.get("line")
    if not other or os.path.realpath(other) == os.path.realpath(path):
        return mod.__dict__, f"line {line}", ""
    where = f"{os.path.basename(other)}:{line}"
    folder = os.path.dirname(os.path.abspath(other))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    bmod, err, _skipped = load_definitions(other, PRIVATE + "_builder")
    if err is not None:
        return None, where, (f"the definitions of {os.path.basename(other)} raised "
                             f"{err['type']}: {err['message']}")
    return bmod.__dict__, where, ""


def _call_class(call: dict[str, Any], ns: dict[str, Any], default: Any) -> Any:
    """The class the call builds, as its file names it (``models.Net`` from ``train.py``)."""
    func = call.get("func")
    if not func:
        return default
    try:
        cls = eval(func, dict(ns))  # noqa: S307
    except Exception:
        return default
    return cls if isinstance(cls, type) else default


def _eval_parts(call: dict[str, Any], ns: dict[str, Any], cls: Any, fill: dict[str, Any]
                ) -> tuple[list[Any], dict[str, Any], list[str]] | None:
    """The call's arguments one by one; those that cannot be evaluated are bound as the plan
    binds a parameter without a value.  None when the call cannot be split that way."""
    parts = call.get("parts") or {}
    if not parts:
        return None
    cls = _call_class(call, ns, cls)
    try:
        names = [p.name for p in inspect.signature(cls).parameters.values()
                 if p.kind in (inspect.Parameter.POSITIONAL_ONLY,
                               inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return None
    filled: list[str] = []

    def one(src: str, pname: str | None) -> Any:
        try:
            a, _k = _eval_call(dict(call, call=f"__lstm_lint_args__({src})"), ns)
            return a[0]
        except BaseException:
            filled.append(pname or "?")
            if pname is not None and pname in fill:
                return _arg(fill[pname])
            return LstmLintNoValue(pname or "?")

    args = [one(src, names[i] if i < len(names) else None)
            for i, src in enumerate(parts.get("args", []))]
    kwargs = {k: one(src, k) for k, src in (parts.get("kwargs") or {}).items()}
    return args, kwargs, filled


def _eval_call(call: dict[str, Any], ns: dict[str, Any]) -> tuple[Any, Any]:
    """The arguments of the file's own call, evaluated among its definitions; names the call
    needs from the code around it are evaluated from the assignments before it (each with
    the configuration calls made on it afterwards: ``parser.add_argument(...)``)."""
    glob = {**ns, "__lstm_lint_args__": lambda *a, **k: (a, k)}
    prelude: dict[str, Any] = call.get("prelude") or {}
    local: dict[str, Any] = {}

    def run(src: str, depth: int, mode: str) -> Any:
        for _ in range(len(prelude) + 1):
            try:
                if mode == "exec":
                    exec(src, glob, local)  # noqa: S102
                    return None
                return eval(src, glob, local)  # noqa: S307
            except NameError as exc:
                missing = exc.name
                if missing is None or missing in local or missing not in prelude or depth > 8:
                    raise
                entry = prelude[missing]
                if isinstance(entry, str):
                    local[missing] = run(entry, depth + 1, "eval")
                    continue
                local[missing] = run(entry["expr"], depth + 1, "eval")
                for stmt in entry.get("then", []):
                    try:
                        run(stmt, depth + 1, "exec")
                    except Exception:  # noqa: BLE001 - a setup step the run cannot replay
                        continue
        return eval(src, glob, local)  # noqa: S307

    result: tuple[Any, Any] = run(call["call"], 0, "eval")
    return result


def _tensor_specs(specs: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for s in specs or []:
        if isinstance(s, dict) and "tensor" in s:
            out.append(s)
        elif isinstance(s, dict) and "tuple" in s:
            out += _tensor_specs(s["tuple"])
    return out


def _bind_specs(specs: Any, env: dict[str, Any]) -> Any:
    out = []
    for s in specs:
        if isinstance(s, dict) and "tuple" in s:
            out.append({"tuple": _bind_specs(s["tuple"], env)})
        elif isinstance(s, dict) and "tensor" in s:
            dims = []
            for d in s["tensor"]:
                v = evaluate(d, env)
                if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                    raise ValueError(f"the size {d} is {v!r} with the constructor's values")
                dims.append(v)
            b = dict(s, tensor=dims)
            if isinstance(s.get("lengths"), str):
                b["lengths"] = evaluate(s["lengths"], env)
            out.append(b)
        else:
            out.append(s)
    return out


def _error(exc: BaseException, path: str, stage: str) -> dict[str, Any]:
    target = _real(path)
    frames = []
    at: dict[str, int] = {}
    for fr in traceback.extract_tb(exc.__traceback__):
        if fr.lineno is None:
            continue
        r = _real(fr.filename)
        if r == target:
            frames.append(fr.lineno)
        elif r in ALSO:
            at[r] = fr.lineno
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    out: dict[str, Any] = {"type": type(exc).__name__, "message": msg[:500],
                           "line": frames[-1] if frames else None, "frames": frames,
                           "stage": stage}
    if at:
        out["at"] = at
    return out


def run_script(path: str, calls: list[str]) -> dict[str, Any]:
    """The file's own module-level code (not ``__main__``), then the named functions."""
    mod = _new_module(path)
    sys.argv = [path]
    out: dict[str, Any] = {"error": None, "calls": []}
    with open(path, encoding="utf-8", errors="replace") as fh:
        src = fh.read()
    t0 = time.perf_counter()
    try:
        exec(compile(src, path, "exec", dont_inherit=True), mod.__dict__)  # noqa: S102
    except SystemExit as exc:
        out["error"] = {"type": "SystemExit", "message": f"module called sys.exit({exc.code})",
                        "line": None, "frames": [], "stage": "script"}
    except BaseException as exc:
        out["error"] = _error(exc, path, "script")
    out["seconds"] = round(time.perf_counter() - t0, 4)
    if out["error"] is not None:
        return out
    for name in calls:
        entry: dict[str, Any] = {"class": f"{name}()", "error": None, "ops": [], "warnings": [],
                                 "method": "call"}
        fn = getattr(mod, name, None)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fn()  # type: ignore[misc]
            entry["warnings"] = [str(w.message) for w in caught]
        except SystemExit as exc:
            entry["error"] = {"type": "SystemExit", "message": f"sys.exit({exc.code})",
                              "line": None, "frames": []}
        except Exception as exc:
            entry["error"] = _error(exc, path, "call")
        out["calls"].append(entry)
    return out


# ---- isolation: one forked process per job ----------------------------------------------------


def _forked(fn: Any, path: str, out_path: str, timeout: float, memory_mb: int) -> dict[str, Any]:
    """Run ``fn()`` in a forked process (own session, memory limit, timeout); its result."""
    err_path = out_path + ".err"
    sys.stdout.flush()
    sys.stderr.flush()
    worker_pid = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the job process
        code = 0
        try:
            _die_with(worker_pid)
            os.setsid()
            if _PROTOCOL_FD is not None:
                os.close(_PROTOCOL_FD)  # only the worker answers its parent
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)  # the worker's stdin carries its requests
            fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            if memory_mb > 0:
                import resource

                # RLIMIT_DATA, not RLIMIT_AS: CUDA reserves a huge (inaccessible) address
                # range that an address-space limit would refuse
                lim = memory_mb * 1024 * 1024
                resource.setrlimit(resource.RLIMIT_DATA, (lim, lim))
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            sys.argv = [path]  # a parser the file runs sees no options: its defaults
            os.chdir(os.path.dirname(os.path.abspath(path)))
            folder = os.path.dirname(os.path.abspath(path))
            root, pkg = package_of(path)
            # a file in a package is imported from the package's root (its own folder first
            # would make ``dnc/dnc.py`` shadow the package ``dnc``); its neighbours stay
            # importable after everything else, as a script importing them expects
            if pkg:
                sys.path.insert(0, root)
                sys.path.append(folder)
            else:
                sys.path.insert(0, folder)
            res = fn()
            with open(out_path, "w") as fh:
                json.dump(res, fh, default=repr)
        except BaseException:
            traceback.print_exc()
            code = 70
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    deadline = time.monotonic() + timeout
    pause = 0.002
    status = 0
    while True:
        wpid, status = os.waitpid(pid, os.WNOHANG)
        if wpid:
            break
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return {"failed": f"timed out after {timeout:g} s"}
        time.sleep(pause)
        pause = min(pause * 1.5, 0.05)
    try:
        os.killpg(pid, signal.SIGKILL)  # whatever the job left running
    except (ProcessLookupError, PermissionError):
        pass
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and os.path.exists(out_path):
        with open(out_path) as fh:
            result: dict[str, Any] = json.load(fh)
        return result
    tail = ""
    try:
        with open(err_path, errors="replace") as fh:
            lines = [ln.strip() for ln in fh.read().splitlines() if ln.strip()]
        tail = lines[-1][:200] if lines else ""
    except OSError:
        pass
    if os.WIFSIGNALED(status):
        why = f"the process was killed by signal {os.WTERMSIG(status)}"
    else:
        why = f"the process exited with code {os.WEXITSTATUS(status)} before reporting"
    return {"failed": why + (f" ({tail})" if tail else "")}


def _die_with(parent: int) -> None:
    """Linux: the job is killed when the worker dies (a job in its own session would
    otherwise outlive an interrupted run)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)


def run_request(req: dict[str, Any], res_path: str) -> dict[str, Any]:
    """Every job of one file, each in its own forked process."""
    path = req["path"]
    timeout = float(req.get("timeout", 60))
    memory_mb = int(req.get("memory_mb", 4096))
    device = req.get("device") or _default_device()
    result: dict[str, Any] = {"path": path, "device": device, "classes": [], "error": None,
                              "script": None, "skipped_lines": None}
    for i, creq in enumerate(req.get("classes", [])):
        def job(creq: dict[str, Any] = creq) -> dict[str, Any]:
            import torch

            torch.manual_seed(0)
            ALSO.update(_real(p) for p in req.get("also") or [])
            mod, err, skipped = load_definitions(path)
            if err is not None:
                return {"class": creq["class"], "defs_error": err, "skipped_lines": skipped}
            r = run_class(mod, creq, path, device)
            r["skipped_lines"] = skipped
            return r

        t0 = time.perf_counter()
        r = _forked(job, path, f"{res_path}.{i}", timeout, memory_mb)
        r.setdefault("class", creq["class"])
        r["key"] = creq.get("key") or creq["class"]
        r["wall_s"] = round(time.perf_counter() - t0, 4)
        if r.get("defs_error") is not None:
            result["error"] = r["defs_error"]
            result["skipped_lines"] = r.get("skipped_lines")
            break
        if result["skipped_lines"] is None:
            result["skipped_lines"] = r.pop("skipped_lines", None)
        r.pop("skipped_lines", None)
        if r.get("device_name"):
            result["device_name"] = r["device_name"]
        result["classes"].append(r)
    if req.get("script"):
        calls = list(req.get("calls", []))

        def script() -> dict[str, Any]:
            import torch

            torch.manual_seed(0)
            return run_script(path, calls)

        t0 = time.perf_counter()
        result["script"] = _forked(script, path, f"{res_path}.script", timeout, memory_mb)
        result["script"]["wall_s"] = round(time.perf_counter() - t0, 4)
    return result


def _default_device() -> str:
    import torch

    # NVML-based check (set before torch is imported): tells whether CUDA is there without
    # initialising it, so that forked jobs can still initialise it themselves
    return "cuda" if torch.cuda.is_available() else "cpu"


def _serve_one(req_path: str, res_path: str) -> None:
    with open(req_path) as fh:
        req = json.load(fh)
    try:
        result = run_request(req, res_path)
    except BaseException as exc:  # the worker itself must survive and answer
        result = {"path": req.get("path"), "classes": [], "error": None,
                  "failed": f"the confirm worker failed: {type(exc).__name__}: {exc}"}
    with open(res_path, "w") as fh:
        json.dump(result, fh, default=repr)


_PROTOCOL_FD: int | None = None


def main(argv: list[str]) -> int:
    global _PROTOCOL_FD
    os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")
    if argv and argv[0] == "--serve":
        _die_with(os.getppid())  # the worker ends with the run that started it
    _PROTOCOL_FD = os.dup(1)
    proto = os.fdopen(_PROTOCOL_FD, "w")
    os.dup2(2, 1)  # user prints (and torch's) never reach the protocol
    t0 = time.perf_counter()
    import torch  # noqa: F401  (once, for every file and job)

    torch_s = round(time.perf_counter() - t0, 4)
    if argv and argv[0] == "--serve":
        proto.write(json.dumps({"ready": True, "torch_import_s": torch_s}) + "\n")
        proto.flush()
        for line in sys.stdin:
            msg = json.loads(line)
            if msg.get("quit"):
                break
            _serve_one(msg["request"], msg["result"])
            proto.write(json.dumps({"done": msg["result"]}) + "\n")
            proto.flush()
        return 0
    _serve_one(argv[0], argv[1])
    with open(argv[1]) as fh:
        res = json.load(fh)
    res["torch_import_s"] = torch_s
    with open(argv[1], "w") as fh:
        json.dump(res, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
