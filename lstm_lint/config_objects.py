"""Configuration objects under a configuration: the instance a parameter annotated with a
project configuration class gets from that class's defaults (``cfg: NetConfig``), and the
sizes a configuration object gives the attributes a finding's run left open (named in the
finding's message: ``opt.hidden_dim=128``)."""

from __future__ import annotations

from typing import Any

import libcst as cst

from .analyze import ModuleShapes
from .dataflow import Dataflow
from .extract import ClassInfo, FileModel
from .infer import Budget, Interpreter
from .values import UNKNOWN, Int, Value

#: how much of a configuration class's instance counts as its defaults' work
_MAX_CONFIG_FIELDS = 200


def annotated_config(interp: Interpreter, fm: FileModel, ann: cst.BaseExpression
                     ) -> tuple[Value, str] | None:
    """The instance a parameter annotated with a project configuration class (a dataclass, a
    class whose ``__init__`` stores its defaults: ``NetConfig``) gets from that class's own
    defaults, and the class's name; None when the annotation is no such class, or when the
    class cannot be built without arguments (a field or parameter with no default).

    Only what the class itself says is kept: a negative size (``-1``: filled in at run time)
    or a ``None`` stays unknown, and an attribute the class never sets is not invented."""
    from .extract import dotted
    from .interp.config import CONFIG_NAME, record_fields
    from .interp.objects import ClassRef, Env, Obj, Ref

    qual = dotted(ann)
    if qual is None or not CONFIG_NAME.search(qual.rsplit(".", 1)[-1]):
        return None
    saved = interp.fm
    interp.fm = fm
    try:
        ref = interp.eval(ann, Env({}))
        if isinstance(ref, Ref):
            ref = interp.resolve_ref(ref.qual) or ref
    finally:
        interp.fm = saved
    if not isinstance(ref, ClassRef) or ref.cls.is_module:
        return None
    cls, cfm = ref.cls, ref.fm
    if any(_rewrites_itself(c) for c, _f in interp.mro(cls, cfm)):
        return None
    fields = record_fields(cls)
    if fields is not None and "__init__" not in cls.methods:
        if any(d is None for _n, d in fields):
            return None
    else:
        init = interp.find_method(cls, cfm, "__init__")
        if init is None:
            return None
        ps = init[0].params
        if any(q.default is None for q in list(ps.params)[1:] + list(ps.kwonly_params)):
            return None
    try:
        obj = interp.instantiate_plain(cls, cfm, [], {})
    except (Budget, RecursionError):
        return None
    if not isinstance(obj, Obj) or len(obj.attrs) > _MAX_CONFIG_FIELDS:
        return None
    for k, v in list(obj.attrs.items()):
        if isinstance(v, Int) and v.expr is not None:
            n = v.expr.as_int()
            if n is not None and n < 0:
                obj.attrs[k] = UNKNOWN  # a placeholder the run fills (``vocab_size = -1``)
    if not any(isinstance(v, Int) and v.expr is not None and v.expr.as_int() is not None
               for v in obj.attrs.values()):
        return None  # no size of its own: nothing for the configuration to decide
    return obj, cls.name


#: methods through which an instance's attributes can differ from what its fields and
#: ``__init__`` say (``__post_init__: self.hidden = self.emb_dim``)
_REWRITING = ("__post_init__", "__setattr__", "__getattr__", "__getattribute__",
              "__new__", "__init_subclass__")


def _rewrites_itself(cls: ClassInfo) -> bool:
    """Could an instance's attributes be other than what the engine reads off the class's
    fields and ``__init__``?  Yes when the class has a method that rewrites them, a field the
    constructor does not take (``field(init=False)``), or an ``__init__`` that sets attributes
    by name (``setattr``, ``self.__dict__``, ``vars(self)``) or calls a method of its own
    (``self.load(path)``): then its defaults are no configuration the engine can stand behind.
    (Other methods, ``from_dict`` and ``__eq__`` say, build or read other instances.)"""
    from .walk import descendants

    if any(m in cls.methods for m in _REWRITING):
        return True
    body = cls.node.body
    if isinstance(body, cst.IndentedBlock):
        for stmt in body.body:
            if isinstance(stmt, cst.FunctionDef):
                continue
            for n in descendants(stmt):
                if isinstance(n, cst.Arg) and n.keyword is not None \
                        and n.keyword.value == "init":
                    return True
    init = cls.methods.get("__init__")
    if init is not None:
        for n in descendants(init.body):
            if isinstance(n, cst.Name) and n.value in ("setattr", "__dict__", "vars"):
                return True
            if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) \
                    and isinstance(n.func.value, cst.Name) and n.func.value.value == "self":
                return True
    return False


def config_values(cls: ClassInfo, fm: FileModel, project: Any, args: list[Value] | None,
                  kwargs: dict[str, Value] | None, ms: ModuleShapes,
                  layer_params: tuple[str, ...]) -> str:
    """The sizes a configuration object gives the attributes the symbolic run left open
    (``opt.hidden_dim=128, opt.emb_dim=64``): what decided a finding under it, for its
    message; empty when no argument is such an object."""
    from .interp.objects import Obj
    from .values import Record

    values = [*(args or []), *(kwargs or {}).values()]
    if not any(isinstance(v, Record | Obj) for v in values):
        return ""
    bound = dict(kwargs or {})
    if args:
        init = Interpreter(fm, Dataflow(), project).find_method(cls, fm, "__init__")
        if init is None:
            return ""
        names = [p.name.value for p in list(init[0].params.params)[1:]]
        bound.update(zip(names, args, strict=False))
    symbols: list[str] = []
    for c in ms.graph.constraints:  # (``cfg.layers > 1`` of a dropout too)
        for side in (c.lhs, c.rhs):
            symbols += sorted(getattr(side, "symbols", lambda: set())())
    for n in ([] if symbols else ms.graph.nodes("build")):
        params = getattr(n.attrs.get("layer"), "params", {})
        for k in layer_params:
            p = params.get(k)
            if isinstance(p, Int) and p.expr is not None and p.expr.as_int() is None:
                symbols += sorted(p.expr.symbols())
    parts: list[str] = []
    for name in dict.fromkeys(symbols):
        base, *path = name.split(".")
        v: Value | None = bound.get(base)
        if not path or not isinstance(v, Record | Obj):
            continue
        for attr in path:
            v = v.get(attr) if isinstance(v, Record) else \
                v.attrs.get(attr) if isinstance(v, Obj) else None
        if isinstance(v, Int) and v.expr is not None and v.expr.as_int() is not None:
            parts.append(f"{name}={v.expr.as_int()}")
    return ", ".join(parts[:4])
