"""A class job's forward inputs, in its forked process: the plan's specs (sizes bound to the
chosen values) made into tensors, tuples, lists, dicts and the user's values; and a tensor
the user gives as a constructor value (``{tensor = "float32[50,300]"}``).

A spec (see :func:`lstm_lint.given_values.input_spec`): ``None``; ``{"tensor": dims,
"dtype": "int" | "float" | "bool"}`` (``torch_dtype``: the user's exact one) with,
optionally, ``low``/``high`` (integers drawn from that range), ``values`` (these), ``fill``
(one value) or ``lengths`` (descending lengths from that one); ``{"tuple" | "list": [...]}``;
``{"dict": {...}}``; ``{"value": v}`` (a plain value); ``{"user": v}`` (a constructor value,
built as the constructor's are).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .confirm_sizes import evaluate


def make_tensor(s: dict[str, Any], device: Any = None) -> Any:
    """One tensor of a spec whose sizes are numbers."""
    import torch

    shape = [int(d) for d in s["tensor"]]
    dtype = s.get("dtype")
    tdtype = torch.long if dtype == "int" else torch.bool if dtype == "bool" else torch.float32
    if isinstance(s.get("torch_dtype"), str):  # the user's own (float64, int32, ...)
        tdtype = getattr(torch, s["torch_dtype"])
    if "values" in s:  # the user's values
        return torch.tensor(s["values"], dtype=tdtype, device=device).reshape(shape)
    if "fill" in s:  # the user's constant
        return torch.full(shape, s["fill"], dtype=tdtype, device=device)
    if dtype == "bool":
        return torch.randint(0, 2, shape, device=device).bool()
    if dtype == "int" and "low" in s:  # the user's range
        return torch.randint(int(s["low"]), int(s["high"]), shape, device=device,
                             dtype=tdtype)
    if dtype == "int":
        if s.get("lengths"):
            n = shape[0]
            # lengths stay on the CPU, as pack_padded_sequence wants
            return torch.tensor([max(1, s["lengths"] - i) for i in range(n)], dtype=torch.long)
        return torch.randint(0, max(1, int(s.get("high") or 3)), shape, device=device,
                             dtype=tdtype)
    return torch.randn(*shape, device=device, dtype=tdtype)


def make_inputs(specs: list[Any], device: Any, user: Callable[[Any], Any] | None = None
                ) -> list[Any]:
    """The inputs of bound specs; ``user``: builds a constructor value (``{"user": v}``)."""
    out: list[Any] = []
    for s in specs:
        if s is None:
            out.append(None)
        elif isinstance(s, dict) and "tuple" in s:
            out.append(tuple(make_inputs(s["tuple"], device, user)))
        elif isinstance(s, dict) and "list" in s:
            out.append(make_inputs(s["list"], device, user))
        elif isinstance(s, dict) and "dict" in s:
            keys = list(s["dict"])
            made = make_inputs([s["dict"][k] for k in keys], device, user)
            out.append(dict(zip(keys, made, strict=True)))
        elif isinstance(s, dict) and "tensor" in s:
            out.append(make_tensor(s, device))
        elif isinstance(s, dict) and "user" in s:
            out.append(user(s["user"]) if user is not None else s["user"])
        elif isinstance(s, dict) and "value" in s:
            out.append(s["value"])
        else:
            out.append(s)
    return out


def _each_tensor(v: Any, fn: Callable[[Any], Any]) -> Any:
    """``v`` with ``fn`` applied to every tensor in it, inside tuples, lists, namedtuples and
    dicts; a PackedSequence (its data's sizes are its own) is ``fn``'s to take or refuse."""
    import torch

    if isinstance(v, torch.Tensor) or isinstance(v, torch.nn.utils.rnn.PackedSequence):
        return fn(v)
    if type(v) in (tuple, list):
        return type(v)(_each_tensor(i, fn) for i in v)
    if isinstance(v, tuple) and hasattr(type(v), "_make"):
        named: Any = type(v)  # a namedtuple
        return named._make(_each_tensor(i, fn) for i in v)
    if isinstance(v, dict):
        return {k: _each_tensor(i, fn) for k, i in v.items()}
    return v


def resized(inputs: list[Any], size: int, avoid: set[int]) -> tuple[list[Any], int]:
    """The inputs with every tensor axis of ``size`` cut to a size no axis of theirs has and
    none of ``avoid`` (the first rows kept, so token ids and descending lengths stay what
    they were), or, where no smaller one is free, grown by repeating its rows; and that
    size.  ValueError: an input that cannot be cut (a PackedSequence, a nested tensor, a
    sparse one with an axis of that size)."""
    import torch

    sizes = {d for s in tensor_shapes(inputs) for d in s}
    new = next(n for n in [*range(size - 1, 1, -1), *range(size + 1, size + 2 + len(sizes)
                                                            + len(avoid))]
               if n not in sizes and n not in avoid)

    def cut(v: Any) -> Any:
        if not isinstance(v, torch.Tensor) or v.is_nested:
            raise ValueError(f"a {type(v).__name__} is not cut")
        if v.layout != torch.strided:
            if size in v.shape:
                raise ValueError(f"a {v.layout} tensor is not cut")
            return v  # (none of its axes is the one cut)
        for axis, d in enumerate(v.shape):
            if d == size:
                v = v.index_select(axis, torch.arange(new, device=v.device) % size)
        return v

    return [_each_tensor(v, cut) for v in inputs], new


def shifted(inputs: list[Any]) -> list[Any]:
    """The inputs with every float tensor's values moved (``x * 1.5 + 0.25``), sizes kept: a
    state the run computes from their values (one the user passes in, detached, scaled or
    not) moves with them; one built from their sizes alone (zeros, the code's own draw) does
    not.  A mask (only 0s and 1s) is left as it is, as is a tensor whose dtype cannot be
    moved."""
    import torch

    def shift(v: Any) -> Any:
        if not isinstance(v, torch.Tensor) or not v.is_floating_point() \
                or v.layout != torch.strided:
            return v
        try:
            if bool(((v == 0) | (v == 1)).all()):
                return v  # a mask: what the model checks of it stays true
            return v * 1.5 + 0.25
        except (RuntimeError, NotImplementedError, TypeError):
            return v  # (a dtype without these ops: float8)

    return [_each_tensor(v, shift) for v in inputs]


def tensor_shapes(inputs: Any) -> list[list[int]]:
    """The shape of every tensor among the inputs (inside tuples, lists and dicts too)."""
    import torch

    out: list[list[int]] = []

    def shape(v: Any) -> Any:
        if isinstance(v, torch.Tensor):
            out.append([int(d) for d in v.shape])
        return v

    _each_tensor(inputs, shape)
    return out


def _items(s: Any) -> list[Any]:
    """The specs inside a tuple, list or dict spec (else none)."""
    if isinstance(s, dict) and "tuple" in s:
        return list(s["tuple"])
    if isinstance(s, dict) and "list" in s:
        return list(s["list"])
    if isinstance(s, dict) and "dict" in s:
        return list(s["dict"].values())
    return []


def tensor_specs(specs: Any) -> list[dict[str, Any]]:
    """Every tensor spec, inside tuples, lists and dicts too."""
    out: list[dict[str, Any]] = []
    for s in specs or []:
        if isinstance(s, dict) and "tensor" in s:
            out.append(s)
        else:
            out += tensor_specs(_items(s))
    return out


def bind_specs(specs: Any, env: dict[str, Any]) -> Any:
    """The specs with their sizes evaluated (ValueError: a size that is no positive int)."""
    out = []
    for s in specs:
        if isinstance(s, dict) and ("tuple" in s or "list" in s):
            k = "tuple" if "tuple" in s else "list"
            out.append({k: bind_specs(s[k], env)})
        elif isinstance(s, dict) and "dict" in s:
            keys = list(s["dict"])
            bound = bind_specs([s["dict"][k] for k in keys], env)
            out.append({"dict": dict(zip(keys, bound, strict=True))})
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
