"""Forward in the contexts the class's own methods give it: ``sample``, ``generate``,
``decode`` call the model with the step inputs and states they make (one job of the analysis
step, run by :func:`lstm_lint.analyze.analyze_module` once forward is analysed)."""

from __future__ import annotations

from typing import Any

import libcst as cst

from .extract import ClassInfo, FileModel
from .infer import Budget, Env, Interpreter, Ref
from .node_memo import NodeMemo
from .values import UNKNOWN, Const, Int, Value

#: at most this many of a class's own methods are run as contexts of its forward
MAX_METHOD_CONTEXTS = 3
#: the step budget of each such run (forward's own analysis is done before they start); a
#: sampling loop around forward takes a few hundred
METHOD_STEPS = 2000


def run_calling_methods(interp: Interpreter, cls: ClassInfo, fm: FileModel, obj: Any) -> None:
    """The class's own methods that call the model (``sample``, ``generate``, ``decode``...)
    run on the instantiated object, their parameters symbolic, recording into the module's
    graph: what ``forward`` does with the step inputs and states they make is then seen, and a
    finding there names the method (``when called through self.sample``).

    Each run has a budget of its own; a run that exceeds it or nests too deeply keeps what it
    recorded and stops, and never touches forward's own analysis (its inputs and output)."""
    methods = calling_methods(interp, cls, fm)
    if not methods:
        return
    graph = interp.graph
    constraints = list(graph.constraints)  # forward's own: a method's sizes are its caller's
    saved = (interp.fm, interp.context, interp.current, interp.depth, list(interp.selves),
             list(interp.frames), list(interp.loop_iters), graph.via, interp.max_steps)
    try:
        for name, fn, owner_fm in methods:
            me = fn.params.params[0].name.value
            interp.steps = 0
            interp.max_steps = METHOD_STEPS
            interp.context = (graph.key((), fn),)
            graph.via = (f"{me}.{name}",)
            before = set(graph.g.nodes)
            try:
                interp.call_function(fn, owner_fm, [], method_params(interp, fn, owner_fm),
                                     bound=obj)
            except (Budget, RecursionError):
                pass
            finally:
                (interp.fm, interp.context, interp.current, interp.depth, selves, frames,
                 loops, graph.via, interp.max_steps) = saved
                interp.selves, interp.frames, interp.loop_iters = \
                    list(selves), list(frames), list(loops)
                for nid in set(graph.g.nodes) - before:
                    # what forward's own views (shapes, graph) leave out
                    graph.g.nodes[nid]["method"] = name
        interp.run_rechecks()
    except (Budget, RecursionError):
        pass
    finally:
        graph.constraints = constraints


def method_params(interp: Interpreter, fn: cst.FunctionDef, fm: FileModel
                  ) -> dict[str, Value]:
    """A method's parameters as the constructor's get them (sizes as symbols, flags as
    flags, other defaults as written); a number computed for a default
    (``start_letter=cfg.start_letter``) is a symbol too, and a parameter without a default
    whose name is no size (``x``, ``features``) is unknown: a tensor or an object whose shape
    nothing here tells."""
    from .symbolic import sym

    _a, kwargs = interp.symbolic_params(fn, fm)
    for p in list(fn.params.params)[1:] + list(fn.params.kwonly_params):
        name = p.name.value
        if p.default is None:
            if not _size_like(name):
                kwargs[name] = UNKNOWN
        elif kwargs.get(name) is UNKNOWN or isinstance(kwargs.get(name), Ref):
            saved = interp.fm
            interp.fm = fm
            try:
                v = interp.eval(p.default, Env({}))
            finally:
                interp.fm = saved
            if isinstance(v, Int) or isinstance(v, Const) and isinstance(v.value, int) \
                    and not isinstance(v.value, bool) or _int_constant(interp, v, fm):
                kwargs[name] = Int(sym(name), param=name)
    return kwargs


def _int_constant(interp: Interpreter, v: Value, fm: FileModel) -> bool:
    """Is ``v`` a name another project file assigns an int literal at its top level
    (``cfg.start_letter``, with ``start_letter = 1`` in config.py)?  The file may set it again
    when the program runs: the parameter is a symbol, never that number."""
    if not isinstance(v, Ref) or interp.project is None \
            or not hasattr(interp.project, "constant"):
        return False
    found = interp.project.constant(v.qual, fm)
    if found is None:
        return False
    e = found[0]
    if isinstance(e, cst.UnaryOperation) and isinstance(e.operator, cst.Minus):
        e = e.expression
    return isinstance(e, cst.Integer)


_SIZE_WORDS = ("size", "len", "length", "num", "count", "steps", "step")


def _size_like(name: str) -> bool:
    """Does a parameter's name say it is a size (``batch_size``, ``num_samples``,
    ``max_len``, ``n``)?  Others (``x``, ``features``, ``src``) are tensors or objects."""
    from .values import size_name_role

    if size_name_role(name) is not None or name in ("n", "k"):
        return True
    parts = name.lower().split("_")
    return any(p in _SIZE_WORDS for p in parts) or parts[0] in ("n", "max", "min")


def calling_methods(interp: Interpreter, cls: ClassInfo, fm: FileModel
                    ) -> list[tuple[str, cst.FunctionDef, FileModel]]:
    """The methods of the class (and of its bases the engine resolves) that call the model
    itself, ``self(...)`` or ``self.forward(...)``: at most :data:`MAX_METHOD_CONTEXTS`, the
    class's own first."""
    out: list[tuple[str, cst.FunctionDef, FileModel]] = []
    seen: set[str] = set()
    for c, f in interp.mro(cls, fm):
        if f.path != fm.path:
            # a base from another file (a framework's BaseModel: predict, training_step...)
            # calls the model with what its caller gives: nothing made there, and shared by
            # every model of the package, so it would be run for each of them
            seen.update(c.methods)
            continue
        for name in _callers(c, f):
            if name not in seen:
                out.append((name, c.methods[name], f))
                if len(out) >= MAX_METHOD_CONTEXTS:
                    return out
        seen.update(c.methods)
    return out


#: each class's methods that call the model, by the class's node: a base class shared by the
#: models of a file is read once
_CALLERS: NodeMemo[cst.ClassDef, list[str]] = NodeMemo()


def _callers(c: ClassInfo, f: FileModel) -> list[str]:
    hit = _CALLERS.get(c.node)
    if hit is not None:
        return hit
    names: list[str] = []
    if f.mentions("self(") or f.mentions(".forward("):  # a cheap text test first
        for name, fn in c.methods.items():
            if name in ("__init__", "forward") or name.startswith("__") \
                    or not fn.params.params or fn.decorators \
                    or isinstance(fn.params.star_arg, cst.Param):
                continue  # (``*args`` passed on: a wrapper, nothing made there)
            if _calls_itself(fn, fn.params.params[0].name.value):
                names.append(name)
    return _CALLERS.put(c.node, names)


def _calls_itself(fn: cst.FunctionDef, me: str) -> bool:
    """Does the method call ``me(...)`` or ``me.forward(...)``?"""
    from .walk import descendants  # reads the tree without libcst's visitor machinery

    for node in descendants(fn.body):
        if type(node) is not cst.Call:
            continue
        f = node.func
        if (type(f) is cst.Name and f.value == me) or (
                type(f) is cst.Attribute and f.attr.value == "forward"
                and type(f.value) is cst.Name and f.value.value == me):
            return True
    return False
