"""A file's script code: its module-level code and top-level functions (where models are
built with concrete sizes, called and trained), and the plain classes that build its models in
a method; :func:`script_builds_a_model` tells whether a file holds such code."""

from __future__ import annotations

from typing import Any

from .dataflow import Dataflow
from .extract import FileModel
from .infer import Budget, Env, Instantiation, Interpreter
from .values import UNKNOWN


def analyze_script(fm: FileModel, project: Any = None
                   ) -> tuple[Dataflow, list[Instantiation]]:
    """Module-level code and top-level functions, where models are built, called and trained."""
    graph = Dataflow()
    interp = Interpreter(fm, graph, project)
    env = Env({})
    try:
        interp.exec_block(fm.script, env)
        for fn in fm.functions.values():
            if fn.params.params or fn.params.kwonly_params:
                if not _builds_own_classes(fm):
                    continue
            fenv = Env(dict(env.vars))
            for p in list(fn.params.params) + list(fn.params.kwonly_params):
                fenv.vars[p.name.value] = UNKNOWN
            interp.exec_block(fn.body, fenv)
        if _builds_own_classes(fm):
            _run_builders(interp, fm)
    except (Budget, RecursionError):
        pass
    interp.run_rechecks()
    return graph, interp.instantiations


def _run_builders(interp: Interpreter, fm: FileModel) -> None:
    """Plain classes of the file that build its models in a method (an estimator, a trainer:
    ``self.model = Net(self.hidden, self.n_layers)``): each is built with its own defaults and
    each such method run once, so the models it builds carry the sizes its defaults give (a
    parameter without a default, or a method's argument, stays unknown)."""
    plain = {c.name: c for c in fm.classes.values() if not c.is_module and c.methods}
    if not plain:
        return
    building = _building_methods(fm.text, {c.name for c in fm.module_classes()}, set(plain))
    for cname, methods in building.items():
        cls = plain[cname]
        builders = [cls.methods[m] for m in methods if m in cls.methods and m != "__init__"]
        if not builders:
            continue
        obj = interp.instantiate(cls, fm, [], {}, label="builder")
        for fn in builders:
            interp.call_function(fn, fm, [], {}, bound=obj)


def _building_methods(text: str, models: set[str], plain: set[str]) -> dict[str, list[str]]:
    """The methods of the file's plain classes that call one of its module classes, by class
    (Python's ``ast``: a fraction of what generating each method's code costs)."""
    import ast

    from .summaries import parse_ast

    tree = parse_ast(text)
    if tree is None:
        return {}
    out: dict[str, list[str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or node.name not in plain:
            continue
        for item in node.body:
            if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            # the class called by its name, or through a local it was assigned to
            # (``model_cls = _BlockRNNModule`` ... ``return model_cls(...)``)
            callers = models | {t.id for n in ast.walk(item) if isinstance(n, ast.Assign)
                                and isinstance(n.value, ast.Name) and n.value.id in models
                                for t in n.targets if isinstance(t, ast.Name)}
            if any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                   and n.func.id in callers for n in ast.walk(item)):
                out.setdefault(node.name, []).append(item.name)
    return out


def _builds_own_classes(fm: FileModel) -> bool:
    """Does the file's text call one of its module classes, or assign one to a name it may
    call (``model_cls = Net``)? (a cheap text test)"""
    from .index import names_a_model

    return any(names_a_model(c.name, fm.text) for c in fm.module_classes())


def script_builds_a_model(fm: FileModel) -> bool:
    """Cheap text test: does the file's own code build one of its models (or, when it computes
    a loss, an imported one)?

    Script analysis follows module-level code and functions, where models get concrete sizes
    and LST401/LST402 are found; it is skipped for files that cannot hold such code.
    """
    from .index import builds_a_model  # the same test decides what the project index parses

    return builds_a_model(fm.text, [c.name for c in fm.module_classes()], fm.imports)
