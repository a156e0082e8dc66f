"""Drive the shape engine over one file: every module class, then the file's script code.

For each ``nn.Module`` class: ``__init__`` runs on symbolic constructor parameters, ``forward``
on symbolic inputs (two passes: the first learns each input's layout from its first consumer).
The file's module-level code and functions run afterwards, so that ``model = Net(10, 20, 5)``,
``model(x)`` and ``criterion(out, y)`` are followed with concrete sizes.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from .dataflow import Dataflow
from .extract import ClassInfo, FileModel
from .infer import TORCH_LAYER, Budget, Env, Instantiation, Interpreter, Ref
from .layers import Layer
from .values import UNKNOWN, Const, Flag, Int, Seq, Tensor, Value


@dataclass
class ModuleShapes:
    cls: ClassInfo
    input_names: list[str]
    inputs: list[Value]
    output: Value
    graph: Dataflow
    note: str | None = None  # why the analysis stopped early, if it did

    @property
    def constraints(self) -> list[str]:
        """Size equalities the model needs to run (``T == seq_len``), each with its layer."""
        return [f"{c.render()} ({c.why})" if c.why else c.render()
                for c in self.graph.constraints]


@dataclass
class FileAnalysis:
    fm: FileModel
    modules: list[ModuleShapes] = field(default_factory=list)
    script: Dataflow = field(default_factory=Dataflow)
    #: module classes built by the file's own code, with their (abstract) arguments
    instantiations: list[Instantiation] = field(default_factory=list)

    def graphs(self) -> list[Dataflow]:
        return [m.graph for m in self.modules] + [self.script]


def forward_params(cls: ClassInfo, interp: Interpreter, fm: FileModel) -> list[cst.Param]:
    found = interp.find_method(cls, fm, "forward")
    if found is None:
        return []
    return list(found[0].params.params)[1:]


def analyze_module(fm: FileModel, cls: ClassInfo, project: Any = None,
                   args: Sequence[Value] | None = None, kwargs: dict[str, Value] | None = None,
                   inputs: Sequence[Value] | None = None) -> ModuleShapes:
    """Shapes of one module: symbolic unless constructor arguments / inputs are given."""
    bindings: dict[str, Any] = {}
    parts: dict[str, tuple[int, bool]] = {}
    time_names: dict[str, str] = {}
    result: ModuleShapes | None = None
    # each pass runs with the inputs the last one solved; one solved input can tell another's
    # shape (a decoder's token input gives the batch its state arguments need): run until
    # nothing new is solved, at most 4 passes
    passes = 1 if inputs is not None else 4
    last: tuple[Interpreter, Any] | None = None  # the last complete pass and its instance
    for _ in range(passes):
        last = None
        graph = Dataflow()
        interp = Interpreter(fm, graph, project)
        interp.hole_bindings = dict(bindings)
        interp.hole_parts = dict(parts)
        interp.time_names = dict(time_names)
        params = forward_params(cls, interp, fm)
        names = [p.name.value for p in params]
        try:
            a, kw = _constructor_args(interp, cls, fm, args, kwargs)
            obj = interp.instantiate(cls, fm, a, kw)
            fwd = interp.find_method(cls, fm, "forward")
            if fwd is None and isinstance(obj.attrs.get(TORCH_LAYER), Layer):
                # a subclass of a torch layer that keeps torch's forward(input, hx)
                names = ["input"]
                if inputs is not None:
                    x = list(inputs)[:1]
                elif "input" in interp.hole_bindings:
                    shape, roles, dtype = interp.hole_bindings["input"]
                    x = [Tensor(shape, dtype, roles)]
                else:
                    x = [Tensor(None, None, hole=("input", ()))]
                out = interp.run_forward(obj, x)
                result = ModuleShapes(cls, names, x, out, graph)
                if interp.hole_bindings == bindings:
                    break
                bindings = dict(interp.hole_bindings)
                time_names = dict(interp.time_names)
                continue
            if fwd is None:
                return ModuleShapes(cls, [], [], UNKNOWN, graph, "no forward method")
            ins = list(inputs) if inputs is not None else interp.holes(fwd[0])
            recorded: list[Value] = []
            for p, v in zip(params, ins, strict=False):
                if isinstance(v, Tensor):
                    v = interp.record("input", p, [], v, label=p.name.value)
                    if p.default is None and v.node is not None:
                        interp.caller_tensors.add(v.node)
                recorded.append(v)
            out = interp.run_forward(obj, recorded)
            interp.run_rechecks()
            interp.bind_unpacked()
            result = ModuleShapes(cls, names, recorded, out, graph)
            last = (interp, obj)
        except Budget:
            result = ModuleShapes(cls, names, [], UNKNOWN, graph, "analysis budget exceeded")
        except RecursionError:
            result = ModuleShapes(cls, names, [], UNKNOWN, graph, "code nested too deeply")
        if interp.hole_bindings == bindings and interp.hole_parts == parts:
            break
        bindings = dict(interp.hole_bindings)
        parts = dict(interp.hole_parts)
        time_names = dict(interp.time_names)
    assert result is not None
    if last is not None and inputs is None:
        run_calling_methods(last[0], cls, fm, last[1])
        last[0].run_rechecks()  # what the methods' runs left to decide once they ran
    return result


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


#: each class's methods that call the model, by the class's node (kept alive beside its
#: answer): a base class shared by many models is read once
_CALLERS: OrderedDict[int, tuple[cst.ClassDef, list[str]]] = OrderedDict()


def _callers(c: ClassInfo, f: FileModel) -> list[str]:
    hit = _CALLERS.get(id(c.node))
    if hit is not None and hit[0] is c.node:
        _CALLERS.move_to_end(id(c.node))
        return hit[1]
    names: list[str] = []
    if "self(" in f.text or ".forward(" in f.text:  # a cheap text test first
        for name, fn in c.methods.items():
            if name in ("__init__", "forward") or name.startswith("__") \
                    or not fn.params.params or fn.decorators \
                    or isinstance(fn.params.star_arg, cst.Param):
                continue  # (``*args`` passed on: a wrapper, nothing made there)
            if _calls_itself(fn, fn.params.params[0].name.value):
                names.append(name)
    _CALLERS[id(c.node)] = (c.node, names)
    while len(_CALLERS) > 1024:
        _CALLERS.popitem(last=False)
    return names


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


def _constructor_args(interp: Interpreter, cls: ClassInfo, fm: FileModel,
                      args: Sequence[Value] | None,
                      kwargs: dict[str, Value] | None) -> tuple[list[Value], dict[str, Value]]:
    if args is not None or kwargs is not None:
        return list(args or []), dict(kwargs or {})
    init = interp.find_method(cls, fm, "__init__")
    if init is None:
        return [], {}
    return interp.symbolic_params(init[0], init[1])


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
    except (Budget, RecursionError):
        pass
    interp.run_rechecks()
    return graph, interp.instantiations


def _builds_own_classes(fm: FileModel) -> bool:
    """Does the file's text call one of its module classes? (a cheap text test)"""
    return any(f"{c.name}(" in fm.text for c in fm.module_classes())


class _Lines:
    """Lines of instantiation calls, located only when a label is shown: locating a node
    renders its whole module, and most configurations never yield a finding."""

    def __init__(self) -> None:
        self.nodes: dict[int, tuple[cst.Module, cst.CSTNode]] = {}
        self.found: dict[int, int | None] = {}

    def add(self, module: cst.Module, node: cst.CSTNode) -> None:
        self.nodes[id(node)] = (module, node)

    def line(self, node: cst.CSTNode) -> int | None:
        if id(node) not in self.found:
            from .positions import locate

            module = self.nodes[id(node)][0]
            mine = [n for m, n in self.nodes.values() if m is module]
            spans = locate(module, mine)
            for n in mine:
                sp = spans.get(id(n))
                self.found[id(n)] = sp.line if sp else None
        return self.found.get(id(node))


@dataclass
class Context:
    """One concrete configuration a class is built with, and its analysis under it."""

    base_label: str  # "with the defaults num_layers=2", "as built at train.py"
    analysis: FileAnalysis
    #: what ``--confirm`` needs to build the class in this configuration: ``kind``
    #: ("defaults" or "call"), ``label``, ``class``, and for a call its file (and ``line``)
    base_meta: dict[str, Any] = field(default_factory=dict)
    #: the configuration's constructor arguments, as the engine sees them
    args: list[Value] = field(default_factory=list)
    kwargs: dict[str, Value] = field(default_factory=dict)
    #: for a call: where its line is found when first asked for
    call: tuple[_Lines, cst.CSTNode] | None = None

    @property
    def label(self) -> str:
        line = self.call[0].line(self.call[1]) if self.call else None
        return f"{self.base_label}:{line}" if line is not None else self.base_label

    @property
    def meta(self) -> dict[str, Any]:
        if self.call is None:
            return {**self.base_meta, "label": self.label}
        return {**self.base_meta, "label": self.label, "line": self.call[0].line(self.call[1])}


MAX_CONFIGURATIONS = 3


def configurations(fa: FileAnalysis, project: Any = None) -> list[Context]:
    """Each module class of the file analysed under the configurations the code gives it:
    its literal defaults (sizes and flags fixed, the rest symbolic) and the instantiations of
    the file's own code (scripts, ``__main__`` blocks, training functions)."""
    fm = fa.fm
    out: list[Context] = []
    if not any(_open_configuration(m) for m in fa.modules):
        return out  # every check was already decided symbolically
    insts = [i for i in fa.instantiations if i.fm is fm]
    lines = _Lines()
    for i in insts:
        lines.add(fm.module, i.node)
    # scripts beside the file that build its classes (train.py: model = Net(args.hidden, ...))
    if project is not None and fa.modules and hasattr(project, "builders"):
        for other in project.builders(fm, [m.cls.name for m in fa.modules]):
            built = _script_instantiations(other, project)
            mine = [i for i in built if _same_file(i.fm, fm)]
            for i in mine:
                insts.append(i)
                lines.add(other.module, i.node)
    for ms in fa.modules:
        cls = ms.cls
        if not _open_configuration(ms):
            continue
        found: list[tuple[str, list[Value] | None, dict[str, Value] | None,
                          dict[str, Any], Any]] = []
        defaults = _default_configuration(cls, fm, project)
        if defaults is not None and _fixes_open_name(defaults[0], ms):
            found.append((*defaults, {"kind": "defaults"}, None))
        for inst in insts:
            if inst.cls.name != cls.name or not _same_file(inst.fm, fm) \
                    or len(found) >= MAX_CONFIGURATIONS:
                continue
            if not any(v is not UNKNOWN for v in [*inst.args, *inst.kwargs.values()]):
                continue
            file = os.path.basename(inst.at.path)
            found.append((f"as built at {file}", inst.args, inst.kwargs,
                          {"kind": "call", "path": inst.at.path, "line": None},
                          (lines, inst.node)))
        for label, args, kwargs, meta, call in found:
            try:
                sub = analyze_module(fm, cls, project, args, kwargs)
            except (Budget, RecursionError):
                continue
            sub_fa = FileAnalysis(fm, [sub])
            out.append(Context(label, sub_fa, {**meta, "class": cls.name},
                               list(args or []), dict(kwargs or {}), call))
    return out


_CONFIG_PARAMS = ("num_layers", "dropout", "bidirectional", "proj_size", "batch_first",
                  "hidden_size", "input_size", "in_features")


def _open_configuration(ms: ModuleShapes) -> bool:
    """Could a concrete configuration decide more than the symbolic run did?  Yes when a size
    equality was left as a constraint, or a layer's configuration is not a known constant."""
    if ms.graph.constraints:
        return True
    for n in ms.graph.nodes("build"):
        layer = n.attrs.get("layer")
        params = getattr(layer, "params", {})
        for k in _CONFIG_PARAMS:
            v = params.get(k)
            if v is None:
                continue
            if isinstance(v, Int) and v.expr is not None and v.expr.as_int() is not None:
                continue
            if isinstance(v, Const):
                continue
            return True
    return False


def _same_file(a: FileModel, b: FileModel) -> bool:
    return a is b or os.path.abspath(a.path) == os.path.abspath(b.path)


def _script_instantiations(fm: FileModel, project: Any) -> list[Instantiation]:
    """What a builder script (``train.py``) instantiates: analysed once per run, however many
    files of its package look at it."""
    cache: dict[str, tuple[list[Instantiation], set[str]]] | None = getattr(
        project, "script_builds", None)
    touched: set[str] | None = getattr(getattr(project, "index", None), "touched", None)
    if cache is not None and fm.path in cache:
        built, read = cache[fm.path]
        if touched is not None:
            touched |= read  # the files it read count as read for this file too (cache deps)
        return built
    before = set(touched) if touched is not None else set()
    try:
        _g, built = analyze_script(fm, project)
    except (Budget, RecursionError):
        built = []
    if cache is not None:
        cache[fm.path] = (built, (touched - before) if touched is not None else set())
    return built


def _open_names(ms: ModuleShapes) -> set[str]:
    """The constructor parameters a configuration could decide something with: those in a
    constraint the symbolic run left, or in a layer's configuration it could not fix."""
    names: set[str] = set()
    for c in ms.graph.constraints:
        for side in (c.lhs, c.rhs):
            names |= {n.split(".")[0] for n in getattr(side, "symbols", lambda: set())()}
    for n in ms.graph.nodes("build"):
        params = getattr(n.attrs.get("layer"), "params", {})
        for k in _CONFIG_PARAMS:
            v = params.get(k)
            if isinstance(v, Int) and v.expr is not None and v.expr.as_int() is None:
                names |= {s.split(".")[0] for s in v.expr.symbols()}
                if v.param:
                    names.add(v.param.split(".")[0])
            elif isinstance(v, Flag):
                names.add(v.name.split(".")[0])
            elif v is not None and not isinstance(v, Int | Const):
                names.add("*")  # a value of unknown kind: anything may decide it
    return names


def _fixes_open_name(label: str, ms: ModuleShapes) -> bool:
    """Does the defaults configuration (``with the defaults a=1, b=True``) fix a parameter
    the symbolic run left open?  If not, analysing it again decides nothing new."""
    fixed = {part.split("=")[0].strip() for part in label.split("defaults", 1)[-1].split(",")}
    open_ = _open_names(ms)
    return "*" in open_ or bool(fixed & open_)


def _default_configuration(cls: ClassInfo, fm: FileModel, project: Any
                           ) -> tuple[str, list[Value], dict[str, Value]] | None:
    """Constructor parameters with int or bool literal defaults fixed to them (the others stay
    symbols); None when the class has no such default."""
    from .symbolic import const

    interp = Interpreter(fm, Dataflow(), project)
    init = interp.find_method(cls, fm, "__init__")
    if init is None:
        return None
    fn, owner = init
    _args, kwargs = interp.symbolic_params(fn, owner)
    fixed: list[str] = []
    for p in list(fn.params.params)[1:] + list(fn.params.kwonly_params):
        d = p.default
        name = p.name.value
        if isinstance(d, cst.Integer):
            try:
                n = int(d.value.replace("_", ""), 0)
            except ValueError:
                continue
            kwargs[name] = Int(const(n))
            fixed.append(f"{name}={n}")
        elif isinstance(d, cst.Name) and d.value in ("True", "False"):
            kwargs[name] = Const(d.value == "True")
            fixed.append(f"{name}={d.value}")
        elif isinstance(d, cst.Tuple | cst.List) and d.elements and all(
                isinstance(el.value, cst.Integer) for el in d.elements):
            # n_layers=(1, 1): one size per part of the model
            try:
                ns = [int(el.value.value.replace("_", ""), 0)  # type: ignore[attr-defined]
                      for el in d.elements]
            except ValueError:
                continue
            kwargs[name] = Seq(tuple(Int(const(n)) for n in ns), isinstance(d, cst.List))
            inner = ", ".join(map(str, ns)) + ("," if len(ns) == 1 and isinstance(d, cst.Tuple)
                                               else "")
            fixed.append(f"{name}=({inner})" if isinstance(d, cst.Tuple) else f"{name}=[{inner}]")
    if not fixed:
        return None
    return "with the defaults " + ", ".join(fixed), [], kwargs


def analyze_file(fm: FileModel, project: Any = None, script: bool | None = None) -> FileAnalysis:
    """Every module class of the file; then (``script``: None = when useful) its script code."""
    fa = FileAnalysis(fm)
    for cls in fm.module_classes():
        fa.modules.append(analyze_module(fm, cls, project))
    if script is None:
        script = _builds_a_model(fm)
    if script:
        fa.script, fa.instantiations = analyze_script(fm, project)
    return fa


def _builds_a_model(fm: FileModel) -> bool:
    """Cheap text test: does the file's own code build one of its models (or, when it computes
    a loss, an imported one)?

    Script analysis follows module-level code and functions, where models get concrete sizes
    and LST401/LST402 are found; it is skipped for files that cannot hold such code.
    """
    from .index import builds_a_model  # the same test decides what the project index parses

    return builds_a_model(fm.text, [c.name for c in fm.module_classes()], fm.imports)
