"""Module-level configuration names of another project file taken at their literal default.

``config.py`` assigns ``model_type = 'vanilla'`` at its top level and ``init_param(opt)``
rebinds it from the command line; a model file compares ``cfg.model_type == 'LSTM'``.  The
program's value is not known statically, but the file's literal is one configuration the
project runs with (the one any importer sees until something rebinds it).  Under a concrete
configuration (the caller's constructor arguments) the interpreter takes that literal where the
code compares the name, and names it (``model_type='vanilla' (config.py:47)``) with the
result: never a silent claim of the value.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from ..values import Const, Value
from .objects import Ref

_NO = object()


def literal_default(interp: Any, v: Value) -> Value:
    """``v`` as the literal its file assigns it at the top level, when ``v`` names such a
    constant of another project file and the interpreter takes defaults (recorded in
    ``interp.assumed``); else ``v`` itself."""
    if not isinstance(v, Ref) or not interp.config_defaults or interp.project is None \
            or not hasattr(interp.project, "constant"):
        return v
    found = interp.project.constant(v.qual, interp.fm)
    if found is None:
        return v
    expr, owner = found
    value = _literal(expr)
    name = v.qual.rpartition(".")[2]
    if value is _NO or not _assigned_once(owner.module, name):
        return v
    if v.qual not in interp.assumed:
        interp.assumed[v.qual] = f"{name}={value!r} ({_where(owner, expr)})"
    return Const(value)


def _literal(e: cst.BaseExpression) -> Any:
    """The Python value of a plain literal (a string, a number, True/False/None), else _NO."""
    if isinstance(e, cst.SimpleString):
        try:
            return e.evaluated_value
        except Exception:  # an odd prefix: not a plain string
            return _NO
    if isinstance(e, cst.Integer | cst.Float):
        try:
            return e.evaluated_value
        except ValueError:
            return _NO
    if isinstance(e, cst.UnaryOperation) and isinstance(e.operator, cst.Minus) \
            and isinstance(e.expression, cst.Integer | cst.Float):
        inner = _literal(e.expression)
        return _NO if inner is _NO else -inner
    if isinstance(e, cst.Name) and e.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[e.value]
    return _NO


def _assigned_once(module: cst.Module, name: str) -> bool:
    """The file's top level binds ``name`` once (a second binding, augmented or in a branch,
    would make the literal one of several values the importer may see)."""
    n = 0
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    n += sum(1 for t in small.targets
                             if isinstance(t.target, cst.Name) and t.target.value == name)
                elif isinstance(small, cst.AnnAssign | cst.AugAssign) \
                        and isinstance(small.target, cst.Name) and small.target.value == name:
                    n += 1 if isinstance(small, cst.AnnAssign) else 2
        elif not isinstance(stmt, cst.FunctionDef | cst.ClassDef) and _binds(stmt, name):
            n += 2  # bound inside a top-level if/for/try/with: not one literal
    return n == 1


def _binds(stmt: cst.CSTNode, name: str) -> bool:
    found = False

    class _V(cst.CSTVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            nonlocal found
            if isinstance(node.target, cst.Name) and node.target.value == name:
                found = True

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

    stmt.visit(_V())
    return found


def _where(owner: Any, expr: cst.CSTNode) -> str:
    import os

    from ..positions import locate

    file = os.path.basename(owner.path)
    try:
        span = locate(owner.module, [expr]).get(id(expr))
    except Exception:  # a position not found costs the line only
        span = None
    return f"{file}:{span.line}" if span is not None else file
