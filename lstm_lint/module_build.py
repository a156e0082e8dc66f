"""The instance a class's analysis runs on: its constructor's arguments (given, or the
parameters as symbols), objects given to build (:class:`~lstm_lint.values.Build`) built, and
the ``None`` defaults a constructor that raises with them needs opened
(:func:`opened_defaults`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import libcst as cst

from .dataflow import Dataflow
from .extract import ClassInfo, FileModel
from .infer import Budget, ClassRef, Env, Interpreter, Obj, Ref
from .layers import Layer
from .module_paths import canonical
from .values import UNKNOWN, Build, Const, Record, Seq, Value


def build_instance(interp: Interpreter, cls: ClassInfo, fm: FileModel,
                   args: Sequence[Value] | None, kwargs: dict[str, Value] | None,
                   opened: dict[str, Value] | None) -> Any:
    """The instance a pass analyses: the constructor's arguments (given, or symbolic), the
    ``None`` defaults the constructor needs opened (:func:`opened_defaults`) over them."""
    a, kw = _constructor_args(interp, cls, fm, args, kwargs)
    a = [build_value(interp, v) for v in a]
    kw = {k: build_value(interp, v) for k, v in kw.items()}
    if opened:
        kw = {**kw, **opened}
    return interp.instantiate(cls, fm, a, kw)


def build_value(interp: Interpreter, v: Value) -> Value:
    """A constructor argument given as an object to build (:class:`Build`): that object,
    built now with its own arguments (the class named in the file, one it imports, or
    ``module.name``); unknown when no class of the project has that name.  Anything else as
    given, lists and tuples with their items built."""
    if isinstance(v, Seq) and v.repeated is None and any(isinstance(i, Build | Seq)
                                                         for i in v.items):
        return Seq(tuple(build_value(interp, i) for i in v.items), v.is_list)
    if not isinstance(v, Build):
        return v
    func = Ref(canonical(f"{v.module}.{v.name}")) if v.module else interp.global_name(v.name)
    if not isinstance(func, Ref | ClassRef):
        return UNKNOWN
    args = [build_value(interp, a) for a in v.args]
    kwargs = {k: build_value(interp, a) for k, a in v.kwargs}
    call = cst.Call(func=cst.Name(v.name) if v.name.isidentifier() else cst.Name("built"))
    made = interp.call(func, args, kwargs, call, Env({}))
    return made if isinstance(made, Obj | Record | Layer) else UNKNOWN


def _constructor_args(interp: Interpreter, cls: ClassInfo, fm: FileModel,
                      args: Sequence[Value] | None,
                      kwargs: dict[str, Value] | None) -> tuple[list[Value], dict[str, Value]]:
    if args is not None or kwargs is not None:
        return list(args or []), dict(kwargs or {})
    init = interp.find_method(cls, fm, "__init__")
    if init is None:
        return [], {}
    return interp.symbolic_params(init[0], init[1])


def opened_defaults(fm: FileModel, cls: ClassInfo, project: Any) -> dict[str, Value] | None:
    """The constructor parameters whose default ``None`` the symbolic run must leave open.

    Defaults are taken as written (a configuration choice), but when the constructor raises on
    every path with them (``if input_shape is None and input_size is None: raise``), no caller
    builds the class that way: each ``None`` default is then whatever the caller gives, None
    or not (unknown), and every branch that tests it runs.  None when the defaults build it."""
    memo = cls.__dict__.get("_opened_defaults")
    if memo is not None and memo[0] == id(project):
        return memo[1]  # one answer per class and project (every pass and configuration asks)
    out = _opened_defaults(fm, cls, project)
    cls.__dict__["_opened_defaults"] = (id(project), out)
    return out


def _opened_defaults(fm: FileModel, cls: ClassInfo, project: Any) -> dict[str, Value] | None:
    interp = Interpreter(fm, Dataflow(), project)
    # whether the class's own constructor (its bases' too) raises: the modules it builds are
    # not built (their constructors cost as much again, for a question about this one)
    interp.build_children = False
    init = interp.find_method(cls, fm, "__init__")
    if init is None or not init[1].mentions("raise") or not _init_raises(init[1], init[0]):
        return None
    _a, kw = interp.symbolic_params(init[0], init[1])
    nones = {k: UNKNOWN for k, v in kw.items() if isinstance(v, Const) and v.value is None}
    if not nones:
        return None
    try:
        interp.instantiate(cls, fm, [], kw)
    except (Budget, RecursionError):
        return None
    return nones if interp.last_raised else None


def _init_raises(fm: FileModel, init: cst.FunctionDef) -> bool:
    """Does this ``__init__`` of the file hold a ``raise``?  (Python's ``ast``, once a file:
    running the constructor to find out costs far more.)"""
    memo = fm.__dict__.get("_raising_inits")
    if memo is None:
        import ast

        from .summaries import parse_ast

        tree = parse_ast(fm.text)
        if tree is None:
            return True
        memo = set()
        classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
        while classes:  # classes and the classes nested in them, never function bodies
            c = classes.pop()
            classes += [n for n in c.body if isinstance(n, ast.ClassDef)]
            ctor = next((n for n in c.body if isinstance(n, ast.FunctionDef)
                         and n.name == "__init__"), None)
            if ctor is not None and any(isinstance(x, ast.Raise) for x in ast.walk(ctor)):
                memo.add(c.name)
        fm.__dict__["_raising_inits"] = memo
    owner = next((c.name for c in fm.classes.values() if c.methods.get("__init__") is init), None)
    return owner is None or owner in memo

