"""The configurations a model is built with: each class analysed again under its literal
defaults and under the instantiations of the file's own code and of the scripts beside it
(``train.py``: ``model = Net(args.hidden, ...)``); a finding that holds only there names it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from .analyze import FileAnalysis, ModuleShapes, analyze_module
from .config_objects import annotated_config, config_values
from .dataflow import Dataflow
from .extract import ClassInfo, FileModel
from .factories import factory_instantiations
from .infer import Budget, Instantiation, Interpreter
from .module_build import opened_defaults
from .script_analysis import analyze_script
from .values import UNKNOWN, Const, Flag, Int, Seq, Value


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
    #: the sizes a configuration object passed gives (``opt.hidden_dim=128``), if any
    values: str = ""
    #: the literals of other project files the analysis took as their defaults
    #: (``model_type='vanilla' (config.py:47)``): the configuration includes them
    assumed: str = ""

    @property
    def label(self) -> str:
        line = self.call[0].line(self.call[1]) if self.call else None
        label = f"{self.base_label}:{line}" if line is not None else self.base_label
        if self.assumed:
            label = f"{label}, with the default {self.assumed}"
        return f"{label}, where {self.values}" if self.values else label

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
    names = [m.cls.name for m in fa.modules if _open_configuration(m)]
    seen = {id(i.node) for i in insts}
    # factory methods of the file's classes (``@staticmethod def init_model(hidden=256)``)
    for i in factory_instantiations(fm, project, names):
        if _same_file(i.fm, fm) and id(i.node) not in seen:
            seen.add(id(i.node))
            insts.append(i)
            lines.add(fm.module, i.node)
    # scripts beside the file that build its classes (train.py: model = Net(args.hidden, ...)),
    # at their top level, in their functions and in their classes' factory methods
    if project is not None and fa.modules and hasattr(project, "builders"):
        for other in project.builders(fm, names):
            built = _script_instantiations(other, project)
            built = built + factory_instantiations(other, project, names)
            for i in built:
                if _same_file(i.fm, fm) and id(i.node) not in seen:
                    seen.add(id(i.node))
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
            if not any(not _untold(v) for v in [*inst.args, *inst.kwargs.values()]):
                continue  # nothing the caller's code tells: the symbolic run again
            file = os.path.basename(inst.at.path)
            how = f"as built by {inst.via} with its defaults at" if inst.via else "as built at"
            found.append((f"{how} {file}", inst.args, inst.kwargs,
                          {"kind": "call", "path": inst.at.path, "line": None},
                          (lines, inst.node)))
        for label, args, kwargs, meta, call in found:
            given = _unknowns_as_symbols(cls, fm, project, args, kwargs)
            try:
                sub = analyze_module(fm, cls, project, *given)
            except (Budget, RecursionError):
                continue
            sub_fa = FileAnalysis(fm, [sub])
            out.append(Context(label, sub_fa, {**meta, "class": cls.name},
                               list(args or []), dict(kwargs or {}), call,
                               config_values(cls, fm, project, *given, ms, _CONFIG_PARAMS),
                               ", ".join(sub.assumed)))
    return out


def _unknowns_as_symbols(cls: ClassInfo, fm: FileModel, project: Any,
                         args: list[Value] | None, kwargs: dict[str, Value] | None
                         ) -> tuple[list[Value] | None, dict[str, Value] | None]:
    """A configuration's arguments with each one the caller's code does not tell (``X.shape[1]``
    of data never seen) taken as the symbolic run takes it, a size symbol or a flag: unknown
    there would make every layer it sizes unknown, and the other arguments still decide."""
    if args is None and kwargs is None:
        return args, kwargs
    if not any(_untold(v) for v in [*(args or []), *(kwargs or {}).values()]):
        return args, kwargs
    interp = Interpreter(fm, Dataflow(), project)
    init = interp.find_method(cls, fm, "__init__")
    if init is None:
        return args, kwargs
    names = [p.name.value for p in list(init[0].params.params)[1:]]
    if len(args or []) > len(names):
        return args, kwargs  # more than the parameters: a *args the engine cannot place
    _a, symbolic = interp.symbolic_params(init[0], init[1])
    symbolic.update(opened_defaults(fm, cls, project) or {})  # as the symbolic run opens them
    out = dict(zip(names, args or [], strict=False))
    out.update(kwargs or {})
    for name, v in list(out.items()):
        if _untold(v) and name in symbolic:
            out[name] = symbolic[name]
    return [], out


def _untold(v: Value) -> bool:
    """A value the caller's code does not tell: unknown, or a name of a project module that
    could not be read (``hp.rnn_dims`` of an ``hparams.py`` not in the tree), or a negative
    number (``input_size=-1``: a placeholder the caller fills in from its data, as an argparse
    default of -1 is); a name of a library (``torch.nn.GRU``, ``math.pi``) says what it is."""
    from .interp.objects import Ref

    if v is UNKNOWN:
        return True
    if isinstance(v, Int) and v.expr is not None:
        n = v.expr.as_int()
        return n is not None and n < 0
    if not isinstance(v, Ref) or v.qual.startswith(_LIBRARIES):
        return False
    last = v.qual.rsplit(".", 1)[-1]
    return not (last[:1].isupper() and not last.isupper())  # a CamelCase class says what it is


_LIBRARIES = ("torch.", "numpy.", "math.", "typing.", "functools.", "operator.", "builtins.")


_CONFIG_PARAMS = ("num_layers", "dropout", "bidirectional", "proj_size", "batch_first",
                  "hidden_size", "input_size", "in_features")


def _open_configuration(ms: ModuleShapes) -> bool:
    """Could a concrete configuration decide more than the symbolic run did?  Yes when a size
    equality was left as a constraint, or a layer's configuration is not a known constant."""
    if any(c.op == "==" for c in ms.graph.constraints):
        return True  # (``B != 1`` of a squeeze: no configuration decides the caller's batch)
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
        if c.op != "==":
            continue
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
    kwargs.update(opened_defaults(fm, cls, project) or {})
    fixed: list[str] = []
    for p in list(fn.params.params)[1:] + list(fn.params.kwonly_params):
        d = p.default
        name = p.name.value
        if d is None and p.annotation is not None:
            # ``def __init__(self, config: NetConfig)``: the configuration class's defaults
            try:
                built = annotated_config(interp, owner, p.annotation.annotation)
            except Exception:  # an engine bug here costs this configuration only
                built = None
            if built is not None:
                kwargs[name] = built[0]
                fixed.append(f"{name}={built[1]}()")
            continue
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
