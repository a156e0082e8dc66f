"""Drive the shape engine over one class: its shapes, in passes until its inputs are solved.

For each ``nn.Module`` class: ``__init__`` runs on symbolic constructor parameters (the
instance is built by :mod:`~lstm_lint.module_build`), ``forward`` on symbolic inputs (passes:
each learns the inputs' layouts from their consumers, for the next).  :func:`analyze_file`
runs every class of a file, then the file's script code (:mod:`~lstm_lint.script_analysis`),
so that ``model = Net(10, 20, 5)``, ``model(x)`` and ``criterion(out, y)`` are followed with
concrete sizes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import libcst as cst

from .dataflow import Dataflow
from .extract import ClassInfo, FileModel
from .forward_text import tested_none_defaults, unconditional_joins_of
from .infer import TORCH_LAYER, Budget, Instantiation, Interpreter
from .layers import Layer
from .module_build import build_instance, opened_defaults
from .script_analysis import analyze_script, script_builds_a_model
from .values import UNKNOWN, Const, Record, Seq, Shape, Tensor, Value


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
        interp.unconditional_joins = unconditional_joins_of(cls, found_fwd[0]) if found_fwd \
            else set()
        params = forward_params(cls, interp, fm)
        names = [p.name.value for p in params]
        try:
            obj = build_instance(interp, cls, fm, args, kwargs, opened)
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
    names = tested_none_defaults(fwd) - done.opened_inputs
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
    # a state the code builds by the named value when the argument is None still says which
    # axis the code takes for the batch when the caller passes one
    interp.state_batches = set(done.state_batches)
    try:
        obj = build_instance(interp, cls, fm, None, None, opened)
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

def analyze_file(fm: FileModel, project: Any = None, script: bool | None = None) -> FileAnalysis:
    """Every module class of the file; then (``script``: None = when useful) its script code."""
    fa = FileAnalysis(fm)
    for cls in fm.module_classes():
        fa.modules.append(analyze_module(fm, cls, project))
    if script is None:
        script = script_builds_a_model(fm)
    if script:
        fa.script, fa.instantiations = analyze_script(fm, project)
    return fa

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
