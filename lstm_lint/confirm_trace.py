"""A class job's record of its forward run: each op, its line in the user's file, its shapes.

From a torch.fx trace with shape propagation, or, when fx cannot trace the model, from an
eager run under a TorchFunctionMode (and forward hooks on the submodules).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from .confirm_lines import also_at, place_entry, real_path, user_line


def shape_of(v: Any) -> Any:
    import torch

    if isinstance(v, torch.Tensor):
        return list(v.shape)
    if isinstance(v, torch.nn.utils.rnn.PackedSequence):
        return {"packed": list(v.data.shape)}
    if isinstance(v, tuple | list) and len(v) <= 16:
        inner = [shape_of(i) for i in v]
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


def trace_fx(model: Any, inputs: list[Any], path: str, device: Any) -> list[dict[str, Any]]:
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
                if real_path(f.f_code.co_filename) == target_file:
                    proxy.node.meta["lstm_lint_line"] = f.f_lineno
                    break
                f = f.f_back  # type: ignore[assignment]
            at = also_at(1)
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


def function_recorder(seen: list[dict[str, Any]], path: str) -> Any:
    """A torch function mode that records each torch call made from the analysed file's
    lines into ``seen`` (its line, name, argument and output shapes)."""
    import torch
    from torch.overrides import TorchFunctionMode

    class Recorder(TorchFunctionMode):
        def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            kwargs = kwargs or {}
            out = func(*args, **kwargs)
            line = user_line(path)
            if line is not None and len(seen) < 20000:
                name = getattr(func, "__name__", str(func))
                rec_args = []
                for a in args:
                    if isinstance(a, torch.Tensor) or isinstance(a, tuple | list) and a \
                            and isinstance(a[0], torch.Tensor):
                        rec_args.append(shape_of(a))
                    elif name == "__getitem__":
                        rec_args.append(_index_repr(a))
                    else:
                        rec_args.append(_plain_arg(a))
                entry = {"line": line, "op": "call_function", "name": name, "args": rec_args,
                         "out": shape_of(out)}
                if name == "__getitem__" and isinstance(out, torch.Tensor) and out.dim() >= 1 \
                        and out.numel() <= 4096:
                    entry["zero_rows"] = [bool((r == 0).all()) for r in out.reshape(out.shape[0], -1)]
                    src = args[0] if args else None
                    if isinstance(src, torch.Tensor) and src.dim() >= 3 \
                            and src.numel() <= 1 << 20:
                        # whether the indexed tensor holds padding at all: a zero vector at
                        # some (row, step) of its first two axes (either layout)
                        flat = (src == 0).reshape(src.shape[0], src.shape[1], -1)
                        entry["padded"] = bool(flat.all(dim=-1).any())
                seen.append(place_entry(entry, 1))
            return out

    return Recorder()


def record_call(fn: Any, path: str, ops: list[dict[str, Any]]) -> Any:
    """``fn()`` with its torch calls recorded into ``ops`` (kept when it raises)."""
    with function_recorder(ops, path):
        return fn()


def _fingerprint(state: Any) -> list[float] | None:
    """The sum and the sum of squares of a dense float state's values (None for any other:
    never an exception inside the model's run)."""
    import torch

    try:
        if not isinstance(state, torch.Tensor) or not state.is_floating_point() \
                or state.layout != torch.strided or state.numel() > 1_000_000:
            return None
        h = state.detach().double()
        return [float(h.sum()), float((h * h).sum())]
    except Exception:
        return None


def trace_eager(model: Any, inputs: list[Any], path: str,
                ops: list[dict[str, Any]] | None = None,
                calling: list[dict[str, Any]] | None = None
                ) -> tuple[list[dict[str, Any]], Any]:
    """Run the model eagerly, recording its operations into ``ops`` (the caller's list keeps
    what ran before an exception: the operations a crashed run went through happened).
    ``calling``: the submodule calls under way, outermost first, each with the line of the
    analysed file that made it and its input shapes; after an exception it holds the calls
    the exception came out of (a layer refusing its input or state: what it was given)."""
    seen: list[dict[str, Any]] = [] if ops is None else ops
    hooks = []
    under_way: list[dict[str, Any]] = [] if calling is None else calling

    def enter(mod: Any, inp: Any, kw: Any) -> None:
        args = [*inp, *(kw or {}).values()]
        call = {"line": user_line(path), "name": type(mod).__name__,
                "args": [shape_of(i) for i in args]}
        state: Any = args[1] if call["name"] in ("LSTM", "GRU", "RNN") and len(args) > 1 \
            else None
        if isinstance(state, tuple | list) and state:
            state = state[0]  # an LSTM's (h_0, c_0)
        if state is not None:
            # the state's values, summed: the resized runs (confirm_resize) compare them
            # between the user's inputs cut and the same with their values moved
            call["state_sum"] = _fingerprint(state)
        under_way.append(call)

    def hook(mod: Any, inp: Any, out: Any) -> None:
        if under_way:
            under_way.pop()
        line = user_line(path)
        if line is not None:
            seen.append(place_entry({"line": line, "op": "call_module", "name": type(mod).__name__,
                                     "module": type(mod).__name__,
                                     "args": [shape_of(i) for i in inp], "out": shape_of(out)}, 1))

    for m in model.modules():
        if m is not model:
            hooks.append(m.register_forward_pre_hook(enter, with_kwargs=True))
            hooks.append(m.register_forward_hook(hook))
    try:
        with function_recorder(seen, path):
            result = model(*inputs)
    finally:
        for h in hooks:
            h.remove()
    return seen, result
