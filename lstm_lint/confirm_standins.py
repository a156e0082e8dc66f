"""What a ``--confirm`` job puts in place of what is missing.

A placeholder for a constructor value nobody stands behind (any use of it stops the run and
names the value), and no-op ``.cuda()`` calls on a machine without CUDA.
"""

from __future__ import annotations

from typing import Any

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


class LstmLintConfig(LstmLintNoValue):
    """Stands in for a configuration object (``opt``, ``config``) nobody gave a value of:
    the attributes the analysis used as sizes (``opt.hidden_dim``) hold the sizes planned for
    them (nested ones a stand-in of their own); any other use of it, or of any other attribute
    (a flag, a string, a probability, a tensor), raises :class:`NoValueUsed` with the
    attribute's dotted name, as a placeholder does."""

    __slots__ = ("_lstm_lint_attrs",)

    def __init__(self, name: str, attrs: dict[str, Any]) -> None:
        super().__init__(name)
        object.__setattr__(self, "_lstm_lint_attrs", dict(attrs))

    def __getattribute__(self, name: str) -> Any:
        if name == "__class__":
            return LstmLintConfig
        me = object.__getattribute__(self, "_lstm_lint_name")
        attrs = object.__getattribute__(self, "_lstm_lint_attrs")
        if name in attrs and not name.startswith("__"):
            v = attrs[name]
            return LstmLintConfig(f"{me}.{name}", v) if isinstance(v, dict) else v
        raise NoValueUsed(f"{me}.{name}" if not name.startswith("__") else me)

    def __getitem__(self, key: Any) -> Any:
        """``config["hidden_size"]``: the analysis names it as it names ``config.hidden_size``."""
        if isinstance(key, str) and not key.startswith("__"):
            return LstmLintConfig.__getattribute__(self, key)
        _no_value(self)

    def __repr__(self) -> str:
        return f"<configuration stand-in for {object.__getattribute__(self, '_lstm_lint_name')}>"


def standin_attr(v: Any, name: str) -> Any:
    """Attribute ``name`` of a stand-in, None when it holds no value for it."""
    if isinstance(v, LstmLintConfig):
        try:
            return getattr(v, name)
        except NoValueUsed:
            return None
    return None


def placeholder_error(exc: BaseException) -> str | None:
    """The parameter a crash needed a value for, when the crash comes from a placeholder."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, NoValueUsed):
            return str(e.args[0]) if e.args else "?"
        e = e.__cause__ or e.__context__
    return "?" if "LstmLintNoValue" in str(exc) or "LstmLintConfig" in str(exc) else None



# ---- ``.cuda()`` on a machine without CUDA --------------------------------------------------


class CudaOnCpu:
    """``Tensor.cuda``/``Module.cuda`` as no-ops while a model runs on the CPU (no CUDA device,
    or ``--device cpu``: models that call ``.cuda()`` unconditionally); counts the calls."""

    def __init__(self, on_cpu: bool = True) -> None:
        self.calls = 0
        self.on_cpu = on_cpu
        self._saved: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> CudaOnCpu:
        import torch

        if not self.on_cpu and torch.cuda.is_available():
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


# ---- the user's values ([tool.lstm-lint.confirm]) ----------------------------------------


class LstmLintRecord(dict[str, Any]):
    """A table the user gave as a constructor value: a configuration object with attribute
    and key access (``opt.hidden`` and ``opt["hidden"]``), as the analysis reads it."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value
