"""Constructor arguments written as Python expressions (``shapes --args '{"rnn_type":
{"expr": "nn.LSTM"}}'``): a class or function of a library named as the analysed file names it
(``nn.LSTM`` with ``import torch.nn as nn``, ``torch.nn.GRU``), literals, lists and tuples of
them, and a list repeated (``[nn.LeakyReLU] * 4``).  The expression is read, never run;
anything else is unknown."""

from __future__ import annotations

from typing import Any

import libcst as cst

from .extract import FileModel, dotted
from .module_paths import canonical
from .symbolic import const
from .values import UNKNOWN, Const, Int, Seq, Value

#: the packages whose names an expression may give (their classes and functions the engine
#: knows by name); a project class would need its file's analysis, not a name
_LIBRARIES = ("torch.",)
_MAX_REPEAT = 4096


def expr_value(text: str, fm: FileModel | None) -> Value:
    """The value of the expression ``text`` as the file ``fm`` would see it; unknown when it is
    not one of the forms read."""
    if len(text) > _MAX_TEXT or _depth(text) > _MAX_DEPTH:
        return UNKNOWN  # (libcst's native parser overflows its stack on deep nesting)
    try:
        e = cst.parse_expression(text)
        return _value(e, fm)
    except (ValueError, RecursionError):  # (a 5,000-digit int; nesting): not read
        return UNKNOWN
    except Exception:  # (libcst's parser errors): not an expression
        return UNKNOWN


_MAX_TEXT = 1_000  # (a chain of 9,000 unary minus signs overflows libcst too)
_MAX_DEPTH = 50


def _depth(text: str) -> int:
    """How deep brackets nest in ``text`` (strings not told apart: an overestimate)."""
    deepest = depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    return deepest


def _value(e: cst.BaseExpression, fm: FileModel | None) -> Value:
    from .interp.objects import Ref

    if isinstance(e, cst.Name | cst.Attribute):
        name = dotted(e)
        if name in ("True", "False", "None"):
            return Const({"True": True, "False": False, "None": None}[name])
        if name is None:
            return UNKNOWN
        head, _, rest = name.partition(".")
        imports: dict[str, str] = fm.imports if fm is not None else {}
        base = imports.get(head, head if head == "torch" else None)
        if base is None:
            return UNKNOWN
        qual = canonical(f"{base}.{rest}" if rest else base)
        return Ref(qual) if qual.startswith(_LIBRARIES) else UNKNOWN
    if isinstance(e, cst.Integer):
        return Int(const(int(e.value.replace("_", ""), 0)))
    if isinstance(e, cst.Float | cst.SimpleString):
        return Const(e.evaluated_value)
    if isinstance(e, cst.UnaryOperation) and isinstance(e.operator, cst.Minus) \
            and isinstance(e.expression, cst.Integer | cst.Float):
        inner = _literal(e.expression)
        return UNKNOWN if inner is None else _value_of(-inner)
    if isinstance(e, cst.List | cst.Tuple):
        if any(not isinstance(el, cst.Element) for el in e.elements):
            return UNKNOWN  # (a starred element)
        return Seq(tuple(_value(el.value, fm) for el in e.elements), isinstance(e, cst.List))
    if isinstance(e, cst.BinaryOperation) and isinstance(e.operator, cst.Multiply):
        seq, n = e.left, e.right
        if isinstance(seq, cst.Integer):
            seq, n = n, seq
        if isinstance(seq, cst.List | cst.Tuple) and isinstance(n, cst.Integer):
            items = _value(seq, fm)
            times = int(n.value.replace("_", ""), 0)
            if isinstance(items, Seq) and 0 <= times <= _MAX_REPEAT:
                return Seq(items.items * times, items.is_list)
    return UNKNOWN


def _literal(e: cst.Integer | cst.Float) -> int | float | None:
    try:
        return e.evaluated_value
    except ValueError:
        return None


def _value_of(n: Any) -> Value:
    return Int(const(n)) if isinstance(n, int) else Const(n)
