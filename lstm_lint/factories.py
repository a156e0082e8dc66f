"""Factory methods that build a model: a ``@staticmethod`` or ``@classmethod`` of a class
(``def init_model(device=None, hidden=256): enc = Encoder(36, 1024, hidden) ...``) whose own
defaults are a configuration the project stands behind.  Each is run once with its defaults
(a parameter without one stays unknown), and the module classes it builds are its
instantiations, as a script's are."""

from __future__ import annotations

import ast
import re
from typing import Any

import libcst as cst

from .dataflow import Dataflow
from .extract import ClassInfo, FileModel
from .infer import Budget, Instantiation, Interpreter
from .interp.objects import OPEN_KWARGS, SPLAT

_DECORATORS = ("staticmethod", "classmethod")
#: factory methods run per file (each builds a whole model: bounded)
MAX_FACTORIES = 4
#: interpreter steps per factory method: building a model from its parts takes a few hundred;
#: one that builds a whole transformer stack (thousands) is not a configuration of the
#: recurrent classes this is for, and would cost more than the file's own analysis
FACTORY_STEPS = 3000


def factory_instantiations(fm: FileModel, project: Any, names: list[str]
                           ) -> list[Instantiation]:
    """The instantiations of ``names`` (module classes) made by the file's factory methods
    with their defaults; empty when the file has none (a cheap text test first)."""
    if not names or not any(d in fm.text for d in _DECORATORS):
        return []
    called = "|".join(re.escape(n) for n in names)
    if re.search(rf"(?<!class )\b(?:{called})\s*\(", fm.text) is None:
        return []  # no call of any of them (``class Net(`` is no call)
    found = _factory_methods(fm, set(names))
    if not found:
        return []
    interp = Interpreter(fm, Dataflow(), project)
    for cls, method in found[:MAX_FACTORIES]:
        fn = cls.methods.get(method)
        if fn is None or type(fn.params.star_arg) is cst.Param:
            continue  # (``*args``: what a caller passes there is unknown)
        # ``**kwargs``: whatever a caller forwards may set any parameter, defaults included
        kwargs: dict[str, Any] = {SPLAT: OPEN_KWARGS} if fn.params.star_kwarg is not None \
            else {}
        interp.max_steps = interp.steps + FACTORY_STEPS
        first = len(interp.instantiations)
        try:
            interp.call_function(fn, fm, [], kwargs)
        except (Budget, RecursionError):
            continue
        except Exception:  # an engine bug in one factory costs its instantiations only
            continue
        for i in interp.instantiations[first:]:
            i.via = f"{cls.name}.{method}()"
    wanted = set(names)
    return [i for i in interp.instantiations if i.cls.name in wanted]


def _factory_methods(fm: FileModel, names: set[str]) -> list[tuple[ClassInfo, str]]:
    """The static and class methods of the file's top-level classes that call one of
    ``names`` by name (Python's ``ast``, no code generation)."""
    from .summaries import parse_ast

    tree = parse_ast(fm.text)
    if tree is None:
        return []
    out: list[tuple[ClassInfo, str]] = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or node.name not in fm.classes:
            continue
        for item in node.body:
            if not isinstance(item, ast.FunctionDef) or not any(
                    isinstance(d, ast.Name) and d.id in _DECORATORS
                    for d in item.decorator_list):
                continue
            if any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                   and n.func.id in names for n in ast.walk(item)):
                out.append((fm.classes[node.name], item.name))
    return out
