"""``--confirm``: what a plan gives a model's constructor parameters.

Which parameters are sizes (the class analysed with symbolic arguments, a ``None`` default
opened as a size where the constructor raises without one: :func:`symbolic_run`), the
constructor's literal defaults, the required parameters the class's ``**kwargs`` hands to its
bases, the plain values the engine knows of a call's arguments, whether a file's call still
binds to the constructor, and what a parameter nobody stands behind gets: a prime for a size,
a placeholder (:func:`no_value`) or a configuration object's stand-in (``CONFIG``).  Nothing
here runs user code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import libcst as cst

from .analyze import ModuleShapes, analyze_module
from .confirm_facts import size_symbols
from .dataflow import Dataflow
from .extract import ClassInfo, FileModel
from .infer import Interpreter
from .interp.core import Budget
from .module_build import opened_defaults
from .symbolic import sym
from .values import UNKNOWN, Const, Int, Seq, Value

#: the values a plan gives the sizes nobody gives (distinct primes)
PRIMES = [5, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47]


def literal_default(p: Any) -> Any:
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


NO_VALUE = "lstm_lint_no_value"
#: a configuration object's stand-in: its size attributes and their values
CONFIG = "lstm_lint_config"


def no_value(name: str) -> dict[str, str]:
    """A constructor value nobody stands behind: the child passes a placeholder that fails on
    any use (see ``confirm_standins.LstmLintNoValue``)."""
    return {NO_VALUE: name}


def is_no_value(v: Any) -> bool:
    return isinstance(v, dict) and NO_VALUE in v


def is_standin(v: Any) -> bool:
    """A placeholder or a configuration object's stand-in (the engine knows neither)."""
    return isinstance(v, dict) and (NO_VALUE in v or CONFIG in v)


def plain_value(v: Value) -> tuple[bool, Any]:
    """An engine value as the plain value it stands for, when it is one (a literal int, bool,
    float, string or None, or a tuple or list of them)."""
    if isinstance(v, Int):
        n = v.expr.as_int() if v.expr is not None else None
        return n is not None, n
    if isinstance(v, Const) and (v.value is None or isinstance(v.value, bool | int | float | str)):
        return True, v.value
    if isinstance(v, Seq) and v.repeated is None:
        items = [plain_value(i) for i in v.items]
        if all(ok for ok, _x in items):
            vals = [x for _ok, x in items]
            return True, vals if v.is_list else tuple(vals)
    return False, None


def known_arguments(params: Sequence[Any], raw: tuple[list[Value], dict[str, Value]]
                     ) -> dict[str, Any]:
    """The call's arguments the engine knows a plain value of, by parameter name."""
    named = dict(zip([p.name.value for p in params], raw[0], strict=False))
    named.update({k: v for k, v in raw[1].items() if k in {p.name.value for p in params}})
    out: dict[str, Any] = {}
    for name, v in named.items():
        ok, plain = plain_value(v) if isinstance(v, Value) else (False, None)
        if ok:
            out[name] = plain
    return out


def forwarded_required(interp: Interpreter, cls: ClassInfo, fm: FileModel,
                        init: tuple[cst.FunctionDef, FileModel] | None,
                        own: list[cst.Param]) -> list[cst.Param]:
    """The required parameters of the bases' constructors that the class's ``**kwargs``
    reaches (``def __init__(self, hidden, **kwargs): super().__init__(**kwargs)`` under a
    base that needs ``input_chunk_length``): given like the class's own, or building it
    raises a TypeError that says nothing about the model."""
    if init is None or not isinstance(init[0].params.star_kwarg, cst.Param):
        return []
    names = {p.name.value for p in own}
    out: list[cst.Param] = []
    after = False
    for c, _f in interp.mro(cls, fm):
        fn = c.methods.get("__init__")
        if fn is None:
            continue
        if fn is init[0]:
            after = True
            continue
        if not after:
            continue
        for p in list(fn.params.params)[1:] + list(fn.params.kwonly_params):
            if p.name.value not in names:
                names.add(p.name.value)
                if p.default is None:
                    out.append(p)
        if not isinstance(fn.params.star_kwarg, cst.Param):
            break  # this one takes no more: the bases above it get nothing from the caller
    return out


def symbolic_run(fm: FileModel, cls: ClassInfo, project: Any) -> ModuleShapes:
    """The class analysed with symbolic constructor arguments.

    A constructor that raises with its ``None`` defaults (``if input_shape is None and
    input_size is None: raise``) is never built that way, so the analysis leaves those
    parameters open (:func:`~lstm_lint.analyze.opened_defaults`) and nothing sizes them.  To
    build it, one of them is given: the first that, taken as a size symbol with the others
    left at ``None``, lets the constructor finish and sizes a layer; the plan then gives it a
    prime as it does any size.  With none such, the plain symbolic run."""
    opened = opened_defaults(fm, cls, project)
    if opened:
        probe = Interpreter(fm, Dataflow(), project)
        init = probe.find_method(cls, fm, "__init__")
        if init is not None:
            _a, base = probe.symbolic_params(init[0], init[1])
            for name in opened:
                kw = {**base, name: Int(sym(name), param=name)}
                interp = Interpreter(fm, Dataflow(), project)
                try:
                    interp.instantiate(cls, fm, [], kw)
                except (Budget, RecursionError):
                    continue
                if interp.last_raised:
                    continue
                try:
                    ms = analyze_module(fm, cls, project, [], kw)
                except (Budget, RecursionError):
                    continue
                if name in size_symbols(ms):
                    return ms
    return analyze_module(fm, cls, project)


def fits(init: Any, params: list[Any], args: list[Any], kwargs: dict[str, Any]) -> bool:
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


def engine_value(v: Any, fm: Any = None) -> Value:
    """A constructor value as the analysis reads it (an expression as the file ``fm`` names
    things, never evaluated)."""
    from .shapes import from_json

    return UNKNOWN if is_standin(v) else from_json(v, fm)


def attr_slot(attrs: dict[str, Any], dotted: str) -> tuple[dict[str, Any], str] | None:
    """Where ``cfg.enc.hidden`` goes in a stand-in's nested attributes: the dict for
    ``cfg.enc`` (made on the way) and ``"hidden"``; None when the path runs through a value
    that is no nested stand-in."""
    *path, last = dotted.split(".")[1:]
    at = attrs
    for part in path:
        nxt = at.setdefault(part, {})
        if not isinstance(nxt, dict):
            return None
        at = nxt
    return at, last


def config_class_sizes(raw: tuple[list[Value], dict[str, Value]] | None, name: str
                        ) -> dict[str, Any]:
    """The attributes the engine read off the configuration-class instance it gave parameter
    ``name`` in a defaults configuration, where they are literals of the class's own
    (``cfg.hidden``: 64, ``cfg.dropout``: 0.2, ``cfg.bidirectional``: True); empty when none."""
    from .interp.objects import Obj

    obj = (raw[1] if raw else {}).get(name)
    out: dict[str, int] = {}
    stack: list[tuple[str, Any]] = [(name, obj)] if isinstance(obj, Obj) else []
    while stack:
        prefix, o = stack.pop()
        for k, v in o.attrs.items():
            if isinstance(v, Obj) and prefix.count(".") < 3:
                stack.append((f"{prefix}.{k}", v))
            elif isinstance(v, Int) and v.expr is not None:
                n = v.expr.as_int()
                if n is not None:
                    out[f"{prefix}.{k}"] = n
            elif isinstance(v, Const) and (v.value is None
                                           or type(v.value) in (bool, int, float, str)):
                out[f"{prefix}.{k}"] = v.value
    return out
