"""Drive the shape engine over one file: every module class, then the file's script code.

For each ``nn.Module`` class: ``__init__`` runs on symbolic constructor parameters, ``forward``
on symbolic inputs (two passes: the first learns each input's layout from its first consumer).
The file's module-level code and functions run afterwards, so that ``model = Net(10, 20, 5)``,
``model(x)`` and ``criterion(out, y)`` are followed with concrete sizes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import libcst as cst

from .dataflow import Dataflow
from .extract import ClassInfo, FileModel
from .infer import TORCH_LAYER, Budget, ClassRef, Env, Instantiation, Interpreter, Obj, Ref
from .layers import Layer
from .module_paths import canonical
from .node_memo import NodeMemo
from .values import UNKNOWN, Build, Const, Record, Seq, Shape, Tensor, Value
from .walk import descendants, descendants_outside


@dataclass
class ModuleShapes:
    cls: ClassInfo
    input_names: list[str]
    inputs: list[Value]
    output: Value
    graph: Dataflow
    note: str | None = None  # why the analysis stopped early, if it did
    #: the runs of forward with arguments a caller may pass in place of their None defaults
    #: (their findings count; the shapes shown are the defaults')
    extra_graphs: list[Dataflow] = field(default_factory=list)
    #: the module-level literals of other project files the run took as their defaults
    #: (``model_type='vanilla' (config.py:47)``, see interp.module_defaults): what the result
    #: holds under
    assumed: tuple[str, ...] = ()

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
        return [g for m in self.modules for g in (m.graph, *m.extra_graphs)] + [self.script]


def forward_params(cls: ClassInfo, interp: Interpreter, fm: FileModel) -> list[cst.Param]:
    found = interp.find_method(cls, fm, "forward")
    if found is None:
        return []
    return list(found[0].params.params)[1:]


def analyze_module(fm: FileModel, cls: ClassInfo, project: Any = None,
                   args: Sequence[Value] | None = None, kwargs: dict[str, Value] | None = None,
                   inputs: Sequence[Value] | None = None,
                   chosen: dict[str, Value] | None = None,
                   config_defaults: bool = False) -> ModuleShapes:
    """Shapes of one module: symbolic unless constructor arguments / inputs are given.
    ``chosen``: constructor parameters the symbolic run takes at these values (one candidate
    of a choice the caller makes), the others symbolic as usual.  ``config_defaults``: take
    the literals other project files assign at their top level where the code compares them
    (named in the result's ``assumed``): only for a configuration a user states (``shapes
    --args``), never for the ones lint finds in the project, whose program may set the name
    otherwise before it builds the model (a finding there would rest on a value not run)."""
    bindings: dict[str, Any] = {}
    parts: dict[str, tuple[int, bool]] = {}
    time_names: dict[str, str] = {}
    rnn_read: set[str] = set()
    carried_free: set[str] = set()
    settled: dict[str, Any] = {}
    nonempty: set[Any] = set()
    result: ModuleShapes | None = None
    # each pass runs with the inputs the last one solved; one solved input can tell another's
    # shape (a decoder's token input gives the batch its state arguments need): run until
    # nothing new is solved, at most 4 passes
    passes = 1 if inputs is not None else 4
    last: tuple[Interpreter, Any] | None = None  # the last complete pass and its instance
    opened: dict[str, Value] | None = None
    opened_inputs: set[str] = set()
    if args is None and kwargs is None:
        opened = opened_defaults(fm, cls, project)
        if chosen:
            opened = {**(opened or {}), **chosen}
    for _ in range(passes):
        last = None
        graph = Dataflow()
        interp = Interpreter(fm, graph, project)
        interp.hole_bindings = dict(bindings)
        interp.hole_parts = dict(parts)
        interp.time_names = dict(time_names)
        interp.rnn_read = set(rnn_read)
        interp.axis_settled = dict(settled)
        interp.nonempty = set(nonempty)
        interp.opened_inputs = set(opened_inputs)
        interp.carried_free = set(carried_free)
        interp.config_defaults = config_defaults
        found_fwd = interp.find_method(cls, fm, "forward")
        interp.unconditional_joins = _unconditional_joins_of(cls, found_fwd[0]) if found_fwd \
            else set()
        params = forward_params(cls, interp, fm)
        names = [p.name.value for p in params]
        try:
            obj = _build(interp, cls, fm, args, kwargs, opened)
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
                rnn_read = set(interp.rnn_read)
                continue
            if fwd is None:
                return ModuleShapes(cls, [], [], UNKNOWN, graph, "no forward method")
            ins = list(inputs) if inputs is not None else interp.holes(fwd[0])
            recorded: list[Value] = []
            for p, v in zip(params, ins, strict=False):
                if isinstance(v, Tensor):
                    v = interp.record("input", p, [], v, label=p.name.value)
                    if p.default is None and v.node is not None and inputs is None:
                        # a caller may pass None for it (given inputs are tensors: not None)
                        interp.caller_tensors.add(v.node)
                elif isinstance(v, Record | Seq):
                    v = _record_parts(interp, p, v)
                recorded.append(v)
            star = fwd[0].params.star_arg
            if inputs is not None and isinstance(star, cst.Param):
                # forward(self, *args): the caller's further inputs go to *args
                for v in ins[len(params):]:
                    if isinstance(v, Tensor):
                        v = interp.record("input", star, [], v, label=star.name.value)
                    recorded.append(v)
            out = interp.run_forward(obj, recorded)
            if inputs is None and interp.last_raised and not opened_inputs:
                # forward raised on every path with its None defaults (pyg's aggregations:
                # ``self.assert_index_present(index)``): no caller calls it so; each None
                # default is then the caller's value, None or not, in the next pass
                opened_inputs = {p.name.value for p in params if isinstance(p.default, cst.Name)
                                 and p.default.value == "None"}
                if opened_inputs:
                    continue
            interp.run_rechecks()
            interp.bind_fallbacks()
            interp.bind_unpacked()
            interp.settle_hole_axes()
            result = ModuleShapes(cls, names, recorded, partial_output(out), graph)
            last = (interp, obj)
        except Budget:
            result = ModuleShapes(cls, names, [], UNKNOWN, graph, "analysis budget exceeded")
        except RecursionError:
            result = ModuleShapes(cls, names, [], UNKNOWN, graph, "code nested too deeply")
        if interp.hole_bindings == bindings and interp.hole_parts == parts \
                and interp.axis_settled == settled and interp.nonempty == nonempty:
            break
        nonempty = set(interp.nonempty)
        carried_free = interp.free_names | interp.carried_free
        bindings = dict(interp.hole_bindings)
        parts = dict(interp.hole_parts)
        time_names = dict(interp.time_names)
        rnn_read = set(interp.rnn_read)
        settled = dict(interp.axis_settled)
    assert result is not None
    if last is not None and inputs is None:
        from .method_contexts import run_calling_methods

        run_calling_methods(last[0], cls, fm, last[1])
        last[0].run_rechecks()  # what the methods' runs left to decide once they ran
        if found_fwd is not None and args is None and kwargs is None:
            extra = _passed_none_defaults(fm, cls, project, found_fwd[0], last[0], opened)
            if extra is not None:
                result.extra_graphs.append(extra)
    if args is None and kwargs is None and inputs is None and chosen is None \
            and result.note is None:
        result = _under_each_choice(fm, cls, project, result)
    if interp.assumed:
        result.assumed = tuple(interp.assumed.values())
    return result


def _build(interp: Interpreter, cls: ClassInfo, fm: FileModel,
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


def _under_each_choice(fm: FileModel, cls: ClassInfo, project: Any,
                       result: ModuleShapes) -> ModuleShapes:
    """A class that builds ``getattr(nn, rnn_type)(...)`` with ``rnn_type`` the caller's: run
    under each value it can take (:func:`lstm_lint.choices.rnn_choices`) and keep what all the
    runs agree on, when that tells more than the run that left the choice open."""
    from .choices import complete, join_all, known_dims, may_choose, rnn_choices

    # (text first: the class walk is not cheap; and an answer known whole gains nothing)
    if not may_choose(fm.text) or complete(result.output):
        return result
    found = rnn_choices(cls)
    if found is None:
        return result
    param, candidates = found
    runs = [analyze_module(fm, cls, project, chosen={param: Const(c)}) for c in candidates]
    if any(r.note is not None for r in runs):
        return result
    out = join_all([r.output for r in runs])
    if known_dims(out) <= known_dims(result.output):
        return result
    ins = [join_all(list(vs)) for vs in zip(*(r.inputs for r in runs), strict=False)]
    if len(ins) != len(result.inputs):
        return result
    return replace(result, inputs=ins, output=out)


def _passed_none_defaults(fm: FileModel, cls: ClassInfo, project: Any, fwd: cst.FunctionDef,
                          done: Interpreter, opened: dict[str, Value] | None) -> Dataflow | None:
    """``forward(self, event, control=None)`` that tests ``if control is None:``: the run above
    took the default, so the branch a caller opens by passing it was never analysed.  One more
    pass, in a graph of its own, with each such argument a tensor of the caller's (solved from
    its consumers as any input is, starting from what the last pass solved): its findings are
    the code's under that call; the shapes shown stay those of the defaults."""
    names = _tested_none_defaults(fwd) - done.opened_inputs
    if not names:
        return None
    graph = Dataflow()
    interp = Interpreter(fm, graph, project)
    interp.hole_bindings = dict(done.hole_bindings)
    interp.hole_parts = dict(done.hole_parts)
    interp.time_names = dict(done.time_names)
    interp.rnn_read = set(done.rnn_read)
    interp.axis_settled = dict(done.axis_settled)
    interp.nonempty = set(done.nonempty)
    interp.opened_inputs = set(done.opened_inputs)
    interp.carried_free = done.free_names | done.carried_free
    interp.unconditional_joins = done.unconditional_joins
    try:
        obj = _build(interp, cls, fm, None, None, opened)
        params = list(fwd.params.params)[1:]
        ins: list[Value] = []
        for p, v in zip(params, interp.holes(fwd), strict=False):
            name = p.name.value
            if name in names:
                bound = interp.hole_bindings.get(name)
                v = Tensor(bound[0], bound[2], bound[1]) if bound is not None \
                    else Tensor(None, None, hole=(name, ()))
            if isinstance(v, Tensor):
                v = interp.record("input", p, [], v, label=name)
                if p.default is None and v.node is not None:
                    interp.caller_tensors.add(v.node)  # a caller may pass None for it
            elif isinstance(v, Record | Seq):
                v = _record_parts(interp, p, v)
            ins.append(v)
        interp.run_forward(obj, ins)
        interp.run_rechecks()
    except (Budget, RecursionError):
        return None
    return graph


def _tested_none_defaults(fn: cst.FunctionDef) -> frozenset[str]:
    """The parameters of ``fn`` whose default is None and that its body compares with None
    (``x is None``, ``x is not None``)."""
    known = _TESTED.get(fn)
    if known is not None:
        return known
    names = {p.name.value for p in list(fn.params.params)[1:]
             if isinstance(p.default, cst.Name) and p.default.value == "None"}
    tested: set[str] = set()
    if names:
        for n in descendants(fn.body):
            if type(n) is cst.Comparison and len(n.comparisons) == 1 \
                    and isinstance(n.comparisons[0].operator, cst.Is | cst.IsNot):
                left, right = n.left, n.comparisons[0].comparator
                for x, y in ((left, right), (right, left)):
                    if isinstance(x, cst.Name) and x.value in names \
                            and isinstance(y, cst.Name) and y.value == "None":
                        tested.add(x.value)
    return _TESTED.put(fn, frozenset(tested))


#: the answer per function node
_TESTED: NodeMemo[cst.FunctionDef, frozenset[str]] = NodeMemo()


_NOT_ALWAYS_RUN = frozenset({cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp,
                             cst.GeneratorExp, cst.IfExp, cst.BooleanOperation, cst.FunctionDef,
                             cst.ClassDef})


def unconditional_joins(fn: cst.FunctionDef) -> set[int]:
    """The ``torch.stack``/``torch.cat`` calls (by id) that every run of ``fn`` reaching its
    end makes: in its top-level statements (no ``if``, loop, ``try`` or ``with`` around them,
    no lambda, comprehension, conditional expression or ``and``/``or`` inside), before any
    statement that holds a ``return`` (the first top-level ``return`` counts; it runs).
    PyTorch raises on an empty list there, so a list such a call joins is not empty."""
    out: set[int] = set()

    def calls(node: cst.CSTNode) -> None:
        for n in descendants_outside(node, _NOT_ALWAYS_RUN):
            if type(n) is cst.Call:
                f = n.func
                name = f.attr.value if isinstance(f, cst.Attribute) else \
                    f.value if isinstance(f, cst.Name) else None
                if name in ("stack", "cat", "concat", "concatenate"):
                    out.add(id(n))

    body = fn.body.body if isinstance(fn.body, cst.IndentedBlock) else ()
    for stmt in body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            if any(type(n) is cst.Return for n in descendants(stmt)):
                break
            continue
        for small in stmt.body:
            calls(small)
            if isinstance(small, cst.Return):
                return out
    return out


def _unconditional_joins_of(cls: ClassInfo, fn: cst.FunctionDef) -> set[int]:
    """:func:`unconditional_joins` of a class's forward, worked out once per class."""
    memo = cls.__dict__.get("_unconditional_joins")
    if memo is not None and memo[0] is fn:
        return memo[1]
    out = unconditional_joins(fn)
    cls.__dict__["_unconditional_joins"] = (fn, out)
    return out


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


def partial_output(v: Value) -> Value:
    """An output made from a forward input that nothing solved, through a Linear or an
    Embedding: what those layers decide whatever the input's rank, ``(*, out_features)`` or
    ``(*, embedding_dim)``; anything else made from it stays unknown."""
    if isinstance(v, Seq) and v.repeated is None:
        items = tuple(partial_output(i) for i in v.items)
        return v if all(a is b for a, b in zip(items, v.items, strict=True)) else \
            Seq(items, v.is_list)
    if not isinstance(v, Tensor) or v.hole is None or v.shape is None and not v.hole[1]:
        return v
    if v.shape is not None:
        return v
    last = None
    for step, val in v.hole[1]:
        if step in ("out_width", "drop_last"):
            last = val  # the layer's own width, whatever came in
        elif step == "replace_last":
            continue  # what the Linear read (its width comes next)
        elif step == "join_last" and last is not None:
            last = last + val[0]  # joined with known parts along the last axis
        else:
            last = None  # an op on axes the engine does not know: the width is lost
    if last is None:
        return v
    return Tensor(Shape((last,), star=True), "float")


def _record_parts(interp: Interpreter, p: cst.Param, v: Record | Seq) -> Value:
    """A dict or tuple batch (``batch["x"]``, ``x, lengths = inputs``): each tensor in it is
    an input of its own, recorded as the graph's ``input`` node (``batch["x"]``), so that what
    the code does with it is traced back to the caller's data as for a plain argument."""
    name = p.name.value
    if isinstance(v, Record):
        fields = []
        for i, (k, x) in enumerate(v.fields):
            if isinstance(x, Tensor) and x.node is None:
                x = _record_part(interp, p, x, f'{name}["{k}"]', i)
            fields.append((k, x))
        return replace(v, fields=tuple(fields))
    if v.repeated is not None or v.head or v.tail is not None:
        return v
    items = tuple(_record_part(interp, p, x, f"{name}[{i}]", i)
                  if isinstance(x, Tensor) and x.node is None else x
                  for i, x in enumerate(v.items))
    return replace(v, items=items)


def _record_part(interp: Interpreter, p: cst.Param, x: Tensor, label: str, i: int) -> Value:
    # one node per part: the parameter's node is the key, under a context of its own per part
    saved = interp.context
    interp.context = (*saved, -2 - i)
    try:
        return interp.record("input", p, [], x, label=label)
    finally:
        interp.context = saved
