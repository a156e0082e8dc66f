"""``--confirm``: how a run comes to a finding's line that the planned run does not reach.

The constructor flags that lead a run into the branch holding a finding (or the training
mode, for ``if self.training:``), and the state method a training loop calls before
``forward`` (``init_hidden(bsz)``).

A finding inside ``if self.recurrent:`` (``self.recurrent = recurrent``, a constructor flag)
is one the analysis reported for the configurations that take that branch; a run built with
``recurrent=False`` never comes to it.  This module reads, from the source alone, which
values of which constructor parameters the ``if`` statements around a line ask for, so that
the run can be repeated in that configuration.  Only what the code states is used: a flag
(a parameter whose default is a bool) made true or false, or a parameter compared with a
literal (``self.mode == "lstm"``); a condition of any other form is left as it is.
"""

from __future__ import annotations

import ast
from typing import Any

from .state_consumers import BATCH_PARAM, is_state_method
from .summaries import parse_ast

#: a value that no literal takes: a condition asks for something this module cannot give
_UNKNOWN = object()


def branch_flags(text: str, cls_name: str, line: int) -> dict[str, Any]:
    """The constructor parameters, and their values, that the ``if`` statements around
    ``line`` in class ``cls_name`` ask for (empty when none can be read off the code)."""
    cls = _class_at(text, cls_name, line)
    if cls is None:
        return {}
    methods = [n for n in cls.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    init = next((m for m in methods if m.name == "__init__"), None)
    method = next((m for m in methods
                   if m.lineno <= line <= (m.end_lineno or m.lineno)), None)
    if init is None or method is None or method is init:
        return {}
    sources = _attribute_sources(init)
    for m in methods:  # an attribute another method sets (forward resets it) is no flag's
        if m is not init:
            for attr in _assigned(m):
                sources.pop(attr, None)
    out: dict[str, Any] = {}
    for test, taken in _guards(method.body, line):
        for attr, value in _wanted(test, taken):
            src = sources.get(attr)
            if src is None:
                continue
            param, default = src
            if value is True or value is False:
                if not isinstance(default, bool):
                    continue  # truth of a value that is no flag: nothing to choose
            elif value is _UNKNOWN or not isinstance(value, int | float | str | type(None)):
                continue  # (a bytes or complex literal: no value the run is told)
            if param in out and out[param] != value:
                return {}  # the conditions contradict each other: no configuration
            out[param] = value
    return out


def wants_training(text: str, cls_name: str, line: int) -> bool:
    """Whether the ``if`` statements around ``line`` ask for the module's training mode
    (``if self.training:``, teacher forcing in a decoder; the planned run is in eval mode),
    and none asks for eval mode."""
    cls = _class_at(text, cls_name, line)
    if cls is None:
        return False
    method = next((m for m in cls.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)
                   and m.lineno <= line <= (m.end_lineno or m.lineno)), None)
    if method is None or "training" in _assigned(method):
        return False
    asked = {value for test, taken in _guards(method.body, line)
             for attr, value in _wanted(test, taken) if attr == "training"}
    return asked == {True}


def state_method_call(text: str, cls_name: str, line: int) -> tuple[str, str] | None:
    """``(method, batch parameter)`` when ``line`` lies in a method of class ``cls_name`` that
    builds a recurrent state for the batch size it is given (``def init_hidden(self, bsz)``:
    its one parameter without a default is the batch), which ``forward`` may never call (the
    training loop calls it first): the run calls it with the run's batch."""
    cls = _class_at(text, cls_name, line)
    if cls is None:
        return None
    for m in cls.body:
        if not isinstance(m, ast.FunctionDef) or not m.lineno <= line <= (m.end_lineno or 0):
            continue
        if not is_state_method(m.name) or m.args.vararg or m.args.kwonlyargs:
            return None
        positional = [a.arg for a in [*m.args.posonlyargs, *m.args.args]][1:]
        required = positional[:len(positional) - len(m.args.defaults)]
        if len(required) == 1 and BATCH_PARAM.match(required[0]):
            return m.name, required[0]
        return None
    return None


def _class_at(text: str, cls_name: str, line: int) -> ast.ClassDef | None:
    """Class ``cls_name`` whose body holds ``line`` (the file parsed once: summaries.parse_ast)."""
    tree = parse_ast(text)
    return next((n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)
                 and n.name == cls_name and n.lineno <= line <= (n.end_lineno or n.lineno)),
                None) if tree is not None else None


def _guards(body: list[ast.stmt], line: int) -> list[tuple[ast.expr, bool]]:
    """The ``if`` tests around ``line`` (outermost first) and whether the line is in the
    branch each test takes when true."""
    for stmt in body:
        if not stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno):
            continue
        if isinstance(stmt, ast.If):
            if any(s.lineno <= line <= (s.end_lineno or s.lineno) for s in stmt.body):
                return [(stmt.test, True), *_guards(stmt.body, line)]
            if any(s.lineno <= line <= (s.end_lineno or s.lineno) for s in stmt.orelse):
                return [(stmt.test, False), *_guards(stmt.orelse, line)]
            return []  # the line is the test itself
        inner: list[ast.stmt] = []
        for name in ("body", "orelse", "finalbody"):
            inner += getattr(stmt, name, None) or []
        for h in getattr(stmt, "handlers", None) or []:
            inner += h.body
        return _guards(inner, line)
    return []


def _wanted(test: ast.expr, taken: bool) -> list[tuple[str, Any]]:
    """What ``test`` asks of ``self``'s attributes for its outcome to be ``taken``: (attr,
    True/False) for a truth value, (attr, literal) for an equality."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _wanted(test.operand, not taken)
    if isinstance(test, ast.BoolOp):
        # all parts true (``and``) or all false (``or``) is a single configuration
        if isinstance(test.op, ast.And) == taken:
            return [w for v in test.values for w in _wanted(v, taken)]
        return []
    attr = _self_attr(test)
    if attr is not None:
        return [(attr, taken)]
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        attr = _self_attr(test.left)
        right = test.comparators[0]
        if attr is None or not isinstance(right, ast.Constant):
            return []
        equal = isinstance(test.ops[0], ast.Eq | ast.Is)
        if not equal and not isinstance(test.ops[0], ast.NotEq | ast.IsNot):
            return []
        if equal == taken:
            return [(attr, right.value)]
        if isinstance(right.value, bool):
            return [(attr, not right.value)]  # ``self.flag != True`` taken: False
        return [(attr, _UNKNOWN)]
    return []


def _self_attr(e: ast.expr) -> str | None:
    if isinstance(e, ast.Attribute) and isinstance(e.value, ast.Name) and e.value.id == "self":
        return e.attr
    return None


def _attribute_sources(init: ast.FunctionDef | ast.AsyncFunctionDef
                       ) -> dict[str, tuple[str, Any]]:
    """Attributes ``__init__`` sets, once and unconditionally, to one of its parameters
    (``self.recurrent = recurrent``): the parameter and its literal default (None when it
    has none)."""
    args = init.args
    positional = [*args.posonlyargs, *args.args]
    defaults: dict[str, Any] = {}
    for a, d in zip(positional[len(positional) - len(args.defaults):], args.defaults,
                    strict=False):
        defaults[a.arg] = d.value if isinstance(d, ast.Constant) else _UNKNOWN
    for a, kd in zip(args.kwonlyargs, args.kw_defaults, strict=False):
        if kd is not None:
            defaults[a.arg] = kd.value if isinstance(kd, ast.Constant) else _UNKNOWN
    params = {a.arg for a in [*positional, *args.kwonlyargs]} - {"self"}
    seen: dict[str, int] = {}
    out: dict[str, tuple[str, Any]] = {}
    for name in _assigned(init):
        seen[name] = seen.get(name, 0) + 1
    for stmt in init.body:  # top-level statements only: set whatever branch runs
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            attr = _self_attr(stmt.targets[0])
            if attr is not None and seen.get(attr) == 1 and isinstance(stmt.value, ast.Name) \
                    and stmt.value.id in params:
                out[attr] = (stmt.value.id, defaults.get(stmt.value.id))
    return out


def _assigned(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """The attributes of ``self`` that ``fn`` assigns, once per assignment."""
    out = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for e in ast.walk(t):  # (self.a, self.b = ... too)
                    attr = _self_attr(e) if isinstance(e, ast.expr) else None
                    if attr is not None:
                        out.append(attr)
    return out
