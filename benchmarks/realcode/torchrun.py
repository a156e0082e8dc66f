"""Build one driven class with torch and run ``forward`` once, recording what torch saw.

Imported only in child processes (torch and the repositories' code run there).  Used by
``truth.py`` for the originals and by ``mutate.py`` for the mutants.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import sys
import traceback
import types
import warnings
from pathlib import Path
from typing import Any

MAX_CALLS = 24
MAX_ITEMS = 32


# ---- permissive stubs for third-party packages -------------------------------------------


import typing  # noqa: E402

#: the metaclass of a stub class derives from typing's protocol metaclass (itself an ABCMeta),
#: so a package class that mixes a stubbed base with ``ABC`` or ``Protocol`` can be defined
_META_BASE: type = getattr(typing, "_ProtocolMeta", type)
STUB_VERSION = "0.0.0"


class _StubMeta(_META_BASE):  # type: ignore[misc, valid-type]
    def __getattr__(cls, name: str) -> Any:
        if name == "__version__":
            return STUB_VERSION
        if name.startswith("_"):  # dunders and the ABC/protocol machinery's own names
            raise AttributeError(name)
        return _stub_class(f"{cls.__name__}.{name}")

    def __getitem__(cls, item: Any) -> Any:  # Stub[int] in an annotation or a generic base
        return cls

    def __call__(cls, *a: Any, **k: Any) -> Any:  # instances are stubs too
        return type.__call__(cls, *a, **k)


class Stub(metaclass=_StubMeta):
    _is_protocol = False  # what the protocol metaclass asks of every class it checks

    def __init__(self, *a: Any, **k: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        if name in ("__name__", "__qualname__"):
            return type(self).__name__
        if name == "__version__":
            return STUB_VERSION
        if name.startswith("__"):
            raise AttributeError(name)
        return _stub_class(name)()

    def __getitem__(self, item: Any) -> Any:
        return Stub()

    def __call__(self, *a: Any, **k: Any) -> Any:
        return Stub()

    def __iter__(self) -> Any:
        return iter(())

    def __len__(self) -> int:  # an empty container, as iteration says
        return 0

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def __delitem__(self, key: Any) -> None:
        pass

    def __contains__(self, item: Any) -> bool:
        return False

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def _stub(self, *_a: Any, **_k: Any) -> Any:
        return Stub()

    # arithmetic on a stubbed value (a frame's column times two) gives a stub
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _stub
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _stub
    __pow__ = __rpow__ = __neg__ = __pos__ = __abs__ = __and__ = __or__ = __invert__ = _stub


def _stub_class(name: str) -> type:
    return _StubMeta(name, (Stub,), {})


def _lightning_module() -> type:
    """A stubbed Lightning's ``LightningModule``: a torch module (as the drivers' preludes make
    it), so that a model deriving from it is a module whose call runs its ``forward``."""
    import torch

    class LightningModule(torch.nn.Module):
        def save_hyperparameters(self, *a: Any, **k: Any) -> None:
            pass

        def log(self, *a: Any, **k: Any) -> None:
            pass

    return LightningModule


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name == "__version__":
            return STUB_VERSION
        if name.startswith("__"):
            raise AttributeError(name)
        v = _lightning_module() if name == "LightningModule" else _stub_class(name)
        setattr(self, name, v)
        return v


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, prefixes: list[str]):
        self.prefixes = prefixes

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if any(fullname == p or fullname.startswith(p + ".") for p in self.prefixes):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: Any) -> Any:
        m = _StubModule(spec.name)
        m.__path__ = []  # type: ignore[attr-defined]
        return m

    def exec_module(self, module: Any) -> None:
        pass


def install_stubs(prefixes: list[str]) -> None:
    if prefixes:
        for p in prefixes:
            for k in [k for k in sys.modules if k == p or k.startswith(p + ".")]:
                del sys.modules[k]
        sys.meta_path.insert(0, _StubFinder(prefixes))


# ---- values -------------------------------------------------------------------------------


class NS:
    """A configuration object: attribute and item access, ``in``, ``get``, ``**`` and vars()."""

    def __init__(self, **kw: Any):
        self.__dict__.update(kw)

    def __getitem__(self, k: str) -> Any:
        return self.__dict__[k]

    def __setitem__(self, k: str, v: Any) -> None:
        self.__dict__[k] = v

    def __contains__(self, k: object) -> bool:
        return k in self.__dict__

    def get(self, k: str, d: Any = None) -> Any:
        return self.__dict__.get(k, d)

    def keys(self) -> Any:
        return self.__dict__.keys()

    def items(self) -> Any:
        return self.__dict__.items()


def _dtype(name: str) -> Any:
    import torch

    table = {"float": torch.float32, "float32": torch.float32, "float64": torch.float64,
             "double": torch.float64, "float16": torch.float16, "half": torch.float16,
             "int": torch.int64, "int64": torch.int64, "long": torch.int64, "int32": torch.int32,
             "int8": torch.int8, "uint8": torch.uint8, "bool": torch.bool}
    return table[name]


def make_tensor(entry: Any) -> Any:
    import torch
    from rc_common import TENSOR_SPEC

    spec = entry if isinstance(entry, str) else entry["spec"]
    m = TENSOR_SPEC.match(spec)
    if not m:
        raise ValueError(f"bad tensor spec {spec!r}")
    dt = _dtype(m.group(1))
    dims = [int(d) for d in m.group(2).split(",") if d.strip()]
    opts = entry if isinstance(entry, dict) else {}
    if "values" in opts:
        return torch.tensor(opts["values"], dtype=dt).reshape(dims)
    if "fill" in opts:
        return torch.full(dims, opts["fill"], dtype=dt)
    if dt.is_floating_point:
        return torch.randn(dims, dtype=dt)
    if dt == torch.bool:
        return torch.ones(dims, dtype=dt)
    return torch.randint(int(opts.get("low", 0)), int(opts.get("high", 2)), dims, dtype=dt)


def make_value(v: Any, ctx: dict[str, Any]) -> Any:
    """The value grammar (constructor arguments)."""
    if isinstance(v, list):
        return [make_value(i, ctx) for i in v]
    if not isinstance(v, dict):
        return v
    if "ns" in v:
        return NS(**{k: make_value(x, ctx) for k, x in v["ns"].items()})
    if "dict" in v:
        return {k: make_value(x, ctx) for k, x in v["dict"].items()}
    if "tuple" in v:
        return tuple(make_value(x, ctx) for x in v["tuple"])
    if "new" in v:
        mod = importlib.import_module(v["module"]) if "module" in v else ctx["mod"]
        cls = getattr(mod, v["new"])
        return cls(*[make_value(a, ctx) for a in v.get("args", [])],
                   **{k: make_value(a, ctx) for k, a in v.get("kwargs", {}).items()})
    if "tensor" in v:
        return make_tensor(v["tensor"])
    if "expr" in v:
        return eval(v["expr"], ctx)  # noqa: S307 - the benchmark's own driver text
    raise ValueError(f"unknown value form {v!r}")


def make_input(e: Any, ctx: dict[str, Any]) -> Any:
    """The input grammar (forward arguments)."""
    if isinstance(e, str):
        return None if e.lower() == "none" else make_tensor(e)
    if isinstance(e, dict):
        if "spec" in e:
            return make_tensor(e)
        if "json" in e:
            return e["json"]
        if "tuple" in e:
            return tuple(make_input(x, ctx) for x in e["tuple"])
        if "list" in e:
            return [make_input(x, ctx) for x in e["list"]]
        if "dict" in e:
            return {k: make_input(x, ctx) for k, x in e["dict"].items()}
        if "value" in e:
            return make_value(e["value"], ctx)
    raise ValueError(f"unknown input form {e!r}")


# ---- what torch saw -----------------------------------------------------------------------


def tree(v: Any, depth: int = 0) -> Any:
    import torch

    if depth > 6:
        return {"obj": "deep"}
    if isinstance(v, torch.Tensor):
        return {"t": list(v.shape), "dtype": str(v.dtype).replace("torch.", "")}
    if isinstance(v, torch.nn.utils.rnn.PackedSequence):
        return {"packed": tree(v.data, depth + 1)}
    if isinstance(v, torch.distributions.Distribution):
        # Normal(loc, scale) and kin: its batch shape is what the engine infers for it
        return {"dist": type(v).__name__, "batch": list(v.batch_shape)}
    if isinstance(v, tuple | list):
        return {"seq": [tree(i, depth + 1) for i in list(v)[:MAX_ITEMS]], "len": len(v)}
    if isinstance(v, dict):
        return {"dict": {str(k): tree(x, depth + 1) for k, x in list(v.items())[:MAX_ITEMS]}}
    if v is None:
        return None
    if isinstance(v, bool | int | float | str):
        return {"py": v}
    return {"obj": type(v).__name__}


def _rnn_config(m: Any) -> dict[str, Any]:
    keys = ("input_size", "hidden_size", "num_layers", "bidirectional", "batch_first",
            "proj_size", "dropout")
    return {k: getattr(m, k) for k in keys if hasattr(m, k)}


def _where(tb: Any, workdir: str) -> dict[str, Any]:
    frames = traceback.extract_tb(tb)
    user = [f for f in frames if os.path.realpath(f.filename).startswith(workdir)]
    f = user[-1] if user else (frames[-1] if frames else None)
    if f is None:
        return {}
    fn = os.path.realpath(f.filename)
    rel = os.path.relpath(fn, workdir) if fn.startswith(workdir) else os.path.basename(fn)
    return {"file": rel, "line": f.lineno,
            "stack": [[os.path.relpath(os.path.realpath(x.filename), workdir), x.lineno]
                      for x in user][-8:]}


def run_class(drv: Any, path_override: Path | None = None) -> dict[str, Any]:
    """Build and run one class; the result is JSON-able.  ``path_override``: a mutant file
    that replaces the driven file (same module name)."""
    import torch

    spec = drv.spec
    workdir = os.path.realpath(drv.workdir)
    sys.path[:0] = [str(drv.file.parent), str(drv.sys_root)]
    install_stubs(list(spec.get("stubs", [])))
    ctx: dict[str, Any] = {"torch": torch, "nn": torch.nn, "NS": NS, "Stub": Stub,
                           "install_stubs": install_stubs, "sys": sys}
    result: dict[str, Any] = {"status": "error"}
    stage = "prelude"
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if spec.get("prelude"):
                exec(spec["prelude"], ctx)  # noqa: S102 - the benchmark's own driver text
            stage = "import"
            if path_override is not None:
                loader = importlib.machinery.SourceFileLoader(drv.module, str(path_override))
                ispec = importlib.util.spec_from_loader(drv.module, loader)
                assert ispec is not None
                mod = importlib.util.module_from_spec(ispec)
                sys.modules[drv.module] = mod
                loader.exec_module(mod)
            else:
                mod = importlib.import_module(drv.module)
            ctx["mod"] = mod
            cls = getattr(mod, drv.cls)
            torch.manual_seed(0)
            stage = "construct"
            args = [make_value(a, ctx) for a in spec.get("args", [])]
            kwargs = {k: make_value(a, ctx) for k, a in spec.get("kwargs", {}).items()}
            model = cls(*args, **kwargs)
            model.train(bool(spec.get("train", False)))
            if spec.get("setup"):  # optional: code run on the built model (e.g. model.reset(...))
                stage = "setup"
                ctx["model"] = model
                exec(spec["setup"], ctx)  # noqa: S102 - the benchmark's own driver text
            stage = "inputs"
            inputs = [make_input(e, ctx) for e in spec.get("inputs", [])]
            in_kwargs = {k: make_input(e, ctx) for k, e in spec.get("input_kwargs", {}).items()}
            calls: list[dict[str, Any]] = []
            counter = {"n": 0}
            names = {id(m): n for n, m in model.named_modules()}

            def hook(m: Any, a: Any, k: Any, out: Any) -> None:
                counter["n"] += 1
                if len(calls) >= MAX_CALLS:
                    return
                hx = a[1] if len(a) > 1 else k.get("hx")
                calls.append({"name": names.get(id(m), "?"), "type": type(m).__name__,
                              "config": _rnn_config(m), "input": tree(a[0] if a else None),
                              "hx": tree(hx), "output": tree(out)})

            for m in model.modules():
                if isinstance(m, torch.nn.RNNBase | torch.nn.RNNCellBase):
                    m.register_forward_hook(hook, with_kwargs=True)
            stage = "forward"
            torch.manual_seed(1)
            with torch.no_grad():
                out = model(*inputs, **in_kwargs)
            result = {"status": "ok", "output": tree(out), "rnn_calls": calls,
                      "rnn_call_count": counter["n"]}
    except BaseException as exc:  # noqa: BLE001 - everything the user's code raises
        if isinstance(exc, KeyboardInterrupt):
            raise
        result = {"status": "error", "stage": stage,
                  "error": {"type": type(exc).__name__, "message": str(exc)[:600],
                            **_where(exc.__traceback__, workdir)}}
    result["warnings"] = sorted({str(w.message)[:300] for w in caught
                                 if issubclass(w.category, UserWarning)})
    return result
