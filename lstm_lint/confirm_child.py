"""The child process of ``--confirm``: build the user's model, trace it, record real shapes.

Run as ``python -m lstm_lint.confirm_child REQUEST.json RESULT.json``.  This is the only
place where lstm-lint imports torch or executes user code.  The user's file is imported under
a private module name (so ``if __name__ == "__main__":`` blocks do not run), its prints go to
stderr, and the result is written to a file so nothing the user prints can corrupt it.

For every requested class: construct it, synthesise inputs, trace ``forward`` with torch.fx
(stack traces recorded, so each node maps to a source line) and propagate shapes with
ShapeProp on the chosen device; when fx cannot trace the model, run it eagerly under a
TorchFunctionMode that records every op issued from the user's file with its shapes.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
import traceback
import warnings
from typing import Any


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
    target = os.path.realpath(path)
    while f is not None:
        if os.path.realpath(f.f_code.co_filename) == target:
            return f.f_lineno
        f = f.f_back  # type: ignore[assignment]
    return None


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
                if os.path.realpath(f.f_code.co_filename) == target_file:
                    proxy.node.meta["lstm_lint_line"] = f.f_lineno
                    break
                f = f.f_back  # type: ignore[assignment]
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
        ops.append({"line": line, "op": node.op, "name": str(name), "args": args, "out": out})
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
                ops.append(entry)
            return out

    hooks = []

    def hook(mod: Any, inp: Any, out: Any) -> None:
        line = _user_line(path)
        if line is not None:
            ops.append({"line": line, "op": "call_module", "name": type(mod).__name__,
                        "args": [_shape(i) for i in inp], "out": _shape(out)})

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


def run_class(mod: Any, req: dict[str, Any], path: str, device_name: str) -> dict[str, Any]:
    import torch

    out: dict[str, Any] = {"class": req["class"], "warnings": [], "ops": [], "error": None,
                           "method": None, "output": None}
    cls = getattr(mod, req["class"], None)
    if cls is None:
        out["error"] = {"type": "LookupError", "message": f"class {req['class']} not found",
                        "line": None}
        return out
    device = torch.device(device_name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = cls(*req.get("args", []), **req.get("kwargs", {}))
        except Exception as exc:
            out["error"] = _error(exc, path, "construct")
            out["warnings"] = [str(w.message) for w in caught]
            return out
    out["warnings"] = [str(w.message) for w in caught]
    model = model.to(device).eval()
    try:
        inputs = _make_inputs(req.get("inputs", []), device)
    except Exception as exc:
        out["error"] = _error(exc, path, "inputs")
        return out
    t0 = time.perf_counter()
    with torch.no_grad():
        try:
            out["ops"] = _trace_fx(model, inputs, path, device)
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
                out["error"] = _error(exc, path, "forward")
                ops = ops or []
            out["ops"] = ops
    out["seconds"] = round(time.perf_counter() - t0, 4)
    return out


def _error(exc: BaseException, path: str, stage: str) -> dict[str, Any]:
    target = os.path.realpath(path)
    line = None
    for fr in traceback.extract_tb(exc.__traceback__):
        if os.path.realpath(fr.filename) == target:
            line = fr.lineno
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return {"type": type(exc).__name__, "message": msg[:500], "line": line, "stage": stage}


def main(argv: list[str]) -> int:
    req_path, res_path = argv[0], argv[1]
    with open(req_path) as fh:
        req = json.load(fh)
    path = req["path"]
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # user prints must not reach the parent's protocol
    result: dict[str, Any] = {"path": path, "classes": [], "error": None}
    try:
        import torch

        device = req.get("device") or ("cuda" if torch.cuda.is_available() else "cpu")
        result["device"] = device
        if device.startswith("cuda"):
            result["device_name"] = torch.cuda.get_device_name(0)
        torch.manual_seed(0)
        sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
        spec = importlib.util.spec_from_file_location("lstm_lint_confirm_target", path)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        t0 = time.perf_counter()
        try:
            spec.loader.exec_module(mod)
        except SystemExit as exc:
            result["error"] = {"type": "SystemExit", "message": f"module called sys.exit({exc.code})",
                               "line": None, "stage": "import"}
        except BaseException as exc:
            result["error"] = _error(exc, path, "import")
        result["import_seconds"] = round(time.perf_counter() - t0, 4)
        if result["error"] is None:
            for creq in req["classes"]:
                try:
                    result["classes"].append(run_class(mod, creq, path, device))
                except SystemExit as exc:
                    result["classes"].append({"class": creq["class"], "error": {
                        "type": "SystemExit", "message": f"sys.exit({exc.code})", "line": None}})
            for name in req.get("calls", []):
                entry: dict[str, Any] = {"class": f"{name}()", "error": None, "ops": [],
                                         "warnings": []}
                fn = getattr(mod, name, None)
                try:
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always")
                        fn()  # type: ignore[misc]
                    entry["warnings"] = [str(w.message) for w in caught]
                    entry["method"] = "call"
                except SystemExit as exc:
                    entry["error"] = {"type": "SystemExit", "message": f"sys.exit({exc.code})",
                                      "line": None}
                except Exception as exc:
                    entry["error"] = _error(exc, path, "call")
                    entry["method"] = "call"
                result["classes"].append(entry)
    finally:
        sys.stdout = real_stdout
        with open(res_path, "w") as fh:
            json.dump(result, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
