"""The interpreter's state and what every job shares: the step budget, recording operations in
the dataflow graph, and the :class:`~lstm_lint.layers.Site` protocol the layer facts report to.

:class:`Core` also declares the interface between the jobs (each implemented by one mixin of
:class:`~lstm_lint.infer.Interpreter`), so that each module can call the others.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import libcst as cst

from .. import layers as L
from ..dataflow import Dataflow
from ..extract import ClassInfo, FileModel
from ..squeeze_sizes import spatial_size
from ..symbolic import Expr, sym
from ..values import (
    BATCH,
    TIME,
    Flag,
    Int,
    Packed,
    Record,
    Seq,
    Shape,
    Tensor,
    Value,
    copy_with,
    size_name_role,
)
from .hole_binding import bind_hole
from .layout_guess import guessed_layout, swept_both_ways
from .layout_names import LayoutNames
from .objects import ArgParser, Env, Instantiation, Obj

MAX_DEPTH = 8
MAX_STEPS = 20000


class Budget(Exception):
    """Raised when an analysis runs past its step budget (huge or pathological code)."""


class Core(LayoutNames):
    """State of one analysis (a module class, or a file's script code) and the graph it fills."""

    def __init__(self, fm: FileModel, graph: Dataflow, project: Any = None):
        self.fm = fm
        self.graph = graph
        self.project = project
        self.depth = 0
        self.steps = 0
        self.max_steps = MAX_STEPS  # the step budget (a smaller one for the extra runs)
        self.context: tuple[int, ...] = ()
        self.current: int | None = None  # node being applied (for Site)
        #: forward inputs solved so far: name -> (shape, roles, dtype); a shape of None is an
        #: input found to be unknown (rows of a part that disagree: see _contest_rows)
        self.hole_bindings: dict[str, tuple[Shape | None, tuple[str | None, ...] | None,
                                            str | None]] = {}
        #: inputs bound in this pass from a row read by index (``state[0][i]``)
        self.row_bound: set[str] = set()
        self.time_names: dict[str, str] = {}
        #: inputs whose layout a recurrent layer's reading decided (the first reader binds the
        #: caller's input: its batch and time are that reader's guess, see guessed_layout)
        self.rnn_read: set[str] = set()
        self.selves: list[Obj] = []
        self.frames: list[tuple[cst.FunctionDef, Value | None]] = []  # running functions
        self.class_attr_cache: dict[tuple[int, str], Value] = {}
        #: (id of a class, id of its file) -> its MRO (see Classes.mro)
        self.mro_cache: dict[tuple[int, int], list[tuple[ClassInfo, FileModel]]] = {}
        self.globals_cache: dict[str, Value] = {}
        self.loop_iters: list[Expr | None] = []
        self.free_names: set[str] = set()  # sizes of input axes nothing constrains (free_axis)
        #: the free sizes of the earlier passes (free_names restarts empty in each pass)
        self.carried_free: set[str] = set()
        self.instantiations: list[Instantiation] = []
        #: sizes the code itself names as the batch or time (``batch_size = x.size(0)``):
        #: symbol -> (role, the name, the assignment's target node)
        self.named_sizes: dict[Expr, tuple[str, str, Any]] = {}
        #: forward inputs unpacked by rank before anything solves them
        #: (``batch_size, seq_len, _ = x.shape``): hole -> the names, one per axis
        self.unpacked: dict[str, list[str | None]] = {}
        #: forward inputs the code reads as tuples (``h, c = hidden``, ``hidden[0]``, an LSTM
        #: given ``hidden`` whole): name -> (number of parts, whether that number is exact)
        self.hole_parts: dict[str, tuple[int, bool]] = {}
        #: checks that later facts may decide (a size named after the layer ran), each with
        #: the node it belongs to
        self.rechecks: list[tuple[int, Any]] = []
        #: layout conflicts resting on the code's name for an axis (node, conflict, the size
        #: the layer reads as the batch), and the sizes a state the code builds gives some
        #: layer as its batch by the very value the code named for the other role: a name
        #: the code's own use contradicts is withdrawn once the pass has run (see
        #: run_rechecks)
        self.named_layouts: list[tuple[int, L.Conflict, Expr]] = []
        #: (size, the unpacking that named it) a state the code built by that very value
        #: gives a layer as its batch
        self.state_batches: set[tuple[Expr, int]] = set()
        #: the value a size was first bound to under a name for time, and the name's target
        #: (``seq_len`` of ``batch_size, seq_len = tokens.shape``): a state sized by that very
        #: value, not another of the same symbol (every input's batch is ``B``), is the code's
        #: own use of the name
        self.named_values: dict[Expr, tuple[Int, Any]] = {}
        #: the names one statement of the code's layout binds: target node id -> a key of
        #: the tensor whose sizes they were read off (``batch_size, seq_len = tokens.shape``,
        #: or ``b = tokens.size(0)`` and ``t = tokens.size(1)``), or of the unpacking
        self.unpacked_together: dict[int, int] = {}
        #: the sizes each factory node was given, every time the code ran it (a loop runs it
        #: again with other values)
        self.factory_sizes: dict[int, list[tuple[Value, ...]]] = {}
        #: the graph nodes of forward's required tensor arguments: what the caller passes, so
        #: ``x is None`` is the caller's to decide (the code tests it because it may be)
        self.caller_tensors: set[int] = set()
        #: forward arguments whose default None the symbolic run leaves open (unknown): with
        #: the defaults forward raised on every path, so the caller passes them
        self.opened_inputs: set[str] = set()
        #: sizes read off an input nothing has solved yet (``bs = x.size(0)``): symbol name ->
        #: (input, axis); settled once a consumer solves the input (see settle_hole_axes)
        self.hole_axes: dict[str, tuple[str, int]] = {}
        #: what earlier passes settled such a size to (``x_dim0`` -> ``B``): carried across
        #: passes, so an input that stays unsolved still gives the size its solution named
        self.axis_settled: dict[str, Expr] = {}
        #: bindings an op offers for an input it cannot solve alone (a join along the last
        #: axis): applied once the code has run, to the inputs no consumer solved
        self.fallbacks: list[Any] = []
        #: whether the last function run raised on every path (its body never finished)
        self.last_raised = False
        #: the depth of the frame that made the last function call that finished
        self.last_call_depth = -1
        #: each store into a configuration object, (the object, the new one it made): a
        #: call's stores reach whatever else holds the object (record_stores.share_stores)
        self.record_stores: list[tuple[Any, Any]] = []
        #: the items of caller's values stored into, by name, with what they hold
        #: (caller_stores.caller_item)
        self.stored_items: dict[str, Any] = {}
        #: per function being called, the stored items at each of its returns so far
        self.returned_stores: list[list[dict[str, Any]]] = []
        #: run the constructors of the modules a constructor builds (False: a probe that asks
        #: only about the class's own constructor, see module_build.opened_defaults)
        self.build_children = True
        #: the torch.stack/cat calls forward makes on every run (see
        #: forward_text.unconditional_joins), by id, and the loop counts that such a call proved
        #: at least 1 (it joins a list of that many items, and PyTorch refuses an empty one):
        #: carried across passes, so that a loop of that count runs at least once
        self.unconditional_joins: set[int] = set()
        #: what the comparisons this path passed say about sizes (see interp.facts), and the
        #: last comparison of two sizes evaluated: (id of its node, what it compared)
        self.path_facts: tuple[Expr, ...] = ()
        self.last_compare: tuple[int, tuple[Expr, str, Expr]] | None = None
        self.nonempty: set[Expr] = set()
        #: take a literal another project file assigns a name at its top level
        #: (``model_type = 'vanilla'`` in config.py, which a function may rebind from the
        #: command line) at that default where the code compares it (analyze_module turns it
        #: on for a concrete configuration); each one taken is named in ``assumed``
        self.config_defaults = False
        #: the defaults taken so: qualified name -> "model_type='vanilla' (config.py:47)"
        self.assumed: dict[str, str] = {}

    # ---- Site protocol (for layer facts) ------------------------------------------------------
    @property
    def node(self) -> int | None:
        return self.current

    def conflict(self, c: L.Conflict) -> None:
        if self.current is not None:
            self.graph.add_conflict(self.current, c)

    def named_size(self, e: Expr | None) -> tuple[str, str, Any] | None:
        """The role the code's own variable name gives a symbolic size, if any."""
        return self.named_sizes.get(e) if e is not None else None

    def name_size(self, name: str, v: Any, target: Any) -> None:
        role = size_name_role(name)
        # a constructor parameter (self.batch_size) is a configuration, not a size the code
        # read off its data; a size read from a feature or state axis is no batch or time
        # whatever its name (batch and time are what the name may contest)
        if role is None or not isinstance(v, Int) or v.expr is None or v.param is not None \
                or v.role not in (None, BATCH, TIME) \
                or len(v.expr.symbols()) != 1 or v.expr != sym(next(iter(v.expr.symbols()))):
            return
        prev = self.named_sizes.get(v.expr)
        if prev is not None and prev[0] != role:
            self.named_sizes[v.expr] = ("?", name, target)  # named both ways: no claim
        elif prev is None:
            self.named_sizes[v.expr] = (role, name, target)
            if role == TIME:  # the value itself, wherever the code passes it
                self.named_values[v.expr] = (v, target)

    def constraint(self, a: Expr, b: Expr, why: str, op: str = "==") -> None:
        """A size equality the model needs (``T == seq_len``), or a value a size must not take
        for the shape shown (``B != 1``): shown, never reported."""
        self.graph.add_constraint(a, b, why, self.current, op)

    def bind_hole(self, t: Tensor, shape: Shape, roles: tuple[str | None, ...] | None,
                  dtype: str | None, reader: bool = False) -> None:
        bind_hole(self, t, shape, roles, dtype, reader)  # (see hole_binding.bind_hole)

    def guessed_layout(self, x: Tensor, batch: Expr | None, time: Expr | None) -> bool:
        return guessed_layout(self, x, batch, time)  # (see interp.layout_guess)

    def swept_both_ways(self, reader: int, batch: Expr, time: Expr) -> bool:
        return swept_both_ways(self, reader, batch, time)  # (see interp.layout_guess)

    def bind_fallbacks(self) -> None:
        """Once the code has run: the bindings ops offered for inputs no consumer solved."""
        for offer in self.fallbacks:
            offer()
        self.fallbacks = []

    def tuple_hole(self, v: Value) -> str | None:
        """The name of a forward input that may still be a tuple: an argument itself (not a
        dict key or a part of one) that no op has touched."""
        if isinstance(v, Tensor) and v.hole is not None and v.shape is None and not v.hole[1] \
                and "[" not in v.hole[0]:
            return v.hole[0]
        return None

    def hole_part(self, name: str, k: int, length: int | None = None) -> Tensor:
        """Part ``k`` of the forward input ``name`` read as a tuple: an input of its own
        (``hidden[0]``), solved from its consumers; ``length`` when the code tells how many
        parts there are (unpacking, an LSTM's ``(h_0, c_0)``)."""
        n, exact = self.hole_parts.get(name, (0, False))
        if length is not None and not exact:
            n, exact = length, True
        if k >= n:  # a part past the count the code gave elsewhere: the count is a lower bound
            n, exact = k + 1, False
        self.hole_parts[name] = (n, exact)
        part = f"{name}[{k}]"
        if part in self.hole_bindings:  # solved by an earlier pass (the whole is not yet)
            shape, roles, dtype = self.hole_bindings[part]
            return Tensor(shape, dtype, roles)
        return Tensor(None, hole=(part, ()))

    def tuple_parts(self, v: Value, length: int) -> list[Tensor] | None:
        """The ``length`` parts of a forward input handed whole where a tuple belongs (an
        LSTM's state), or None when it is not such an input."""
        name = self.tuple_hole(v)
        if name is None:
            return None
        return [self.hole_part(name, k, length) for k in range(length)]

    def rebuilt_tuple(self, name: str) -> Seq | None:
        """The forward input ``name`` as the tuple of its parts, once every part is solved.

        The number of parts is the one the code tells (unpacking, an LSTM's state) or, from
        indexing alone, the highest index read plus one; one part read by index alone could
        as well be a row of a tensor, so that takes at least two."""
        n, exact = self.hole_parts.get(name, (0, False))
        if n < 1 or (n < 2 and not exact):
            return None
        items: list[Value] = []
        for k in range(n):
            bound = self.hole_bindings.get(f"{name}[{k}]")
            if bound is None:
                return None
            shape, roles, dtype = bound
            if shape is None:
                return None
            items.append(Tensor(shape, dtype, roles))
        return Seq(tuple(items))

    def free_axis(self, hole: str, dims: list[Expr | None]) -> Expr:
        """A size symbol of its own for an input axis nothing constrains (``L``, ``L2``...)."""
        used = {n for d in dims if d is not None for n in d.symbols()}
        used |= set(self.time_names.values()) | self.free_names
        for bound, _roles, _dtype in self.hole_bindings.values():  # other inputs' sizes
            if bound is None:
                continue
            used |= {n for d in bound.dims if d is not None for n in d.symbols()}
        k = 1
        while (name := "L" if k == 1 else f"L{k}") in used:
            k += 1
        self.free_names.add(name)
        return sym(name)

    def spatial_size(self, e: Expr | None) -> bool:
        return spatial_size(self, e)  # (see squeeze_sizes.spatial_size)

    def recheck_later(self, check: Any) -> None:
        if self.current is not None:
            self.rechecks.append((self.current, check))

    def bind_unpacked(self) -> None:
        """Inputs the code unpacks by rank (``a, b, c = x.shape`` runs only on a 3-d ``x``)
        and no consumer solved: bound to that rank, with the batch and time symbols where the
        code's names say so and a free size elsewhere."""
        for hole, names in self.unpacked.items():
            if hole in self.hole_bindings:
                continue
            dims: list[Expr | None] = []
            roles: list[str | None] = []
            for n in names:
                role = size_name_role(n) if n else None
                if role == BATCH and self.batch_symbol() not in dims:
                    dims.append(self.batch_symbol())
                elif role == TIME and self.time_symbol(hole) not in dims:
                    dims.append(self.time_symbol(hole))
                else:
                    role = None
                    dims.append(self.free_axis(hole, dims))
                roles.append(role)
            self.hole_bindings[hole] = (Shape(tuple(dims)), tuple(roles) if any(roles)
                                        else None, None)

    def hole_axis(self, t: Tensor, k: int) -> Int | None:
        """The size of axis ``k`` of a forward input no consumer has solved yet, as a symbol of
        its own (``x_dim0``): what the code builds from it keeps that size, so the consumer
        that solves the input later in the pass ties the two together (a decoder's
        ``bs = z.size(0)`` gives the batch of its start token, and the state made from ``z``
        then solves ``z``).  None when the axis is not a plain one of a plain argument."""
        if t.hole is None or t.shape is not None or t.hole[1] or k < 0 or k > 8:
            return None
        base = symbol_base(t.hole[0])
        if base is None:
            return None
        name = f"{base}_dim{k}"
        if name in self.axis_settled:
            return Int(self.axis_settled[name])
        self.hole_axes[name] = (t.hole[0], k)
        self.free_names.add(name)
        self.graph.data_sizes.add(name)
        return Int(sym(name))

    def numel_of_hole(self, t: Tensor) -> Expr | None:
        """The element count of a forward input no consumer has solved (through steps that
        keep it: transpose, permute, unsqueeze, squeeze), as a size of the caller's data."""
        if t.hole is None or t.shape is not None or not t.hole[0].isidentifier() \
                or any(step not in ("transpose", "permute", "unsqueeze", "squeeze")
                       for step, _v in t.hole[1]):
            return None
        name = f"{t.hole[0]}_numel"
        self.free_names.add(name)
        self.graph.data_sizes.add(name)
        return sym(name)

    def settle_hole_axes(self) -> None:
        """Once a pass has run: each size read off an input before it was solved becomes what
        the solution says that axis is (the batch ``B``, a time symbol, a free size), in every
        input's binding, so the next pass starts from names the user knows."""
        env: dict[str, Expr | int | bool] = {}
        for name, (hole, k) in self.hole_axes.items():
            bound = self.hole_bindings.get(hole)
            if bound is None and self._axis_role(sym(name)) == BATCH:
                # the input stays unsolved, but its axis is the batch others were solved with
                # (``batch = last_pos.size(0)`` sizing the state a decoder step receives)
                env[name] = self.batch_symbol()
                continue
            if bound is None or bound[0] is None or bound[0].star or k >= len(bound[0].dims):
                continue
            shape, roles = bound[0], bound[1]
            d = shape.dims[k]
            if d is None:
                continue
            if d == sym(name):
                role = self._axis_role(sym(name))
                env[name] = self.batch_symbol() if role == BATCH else (
                    self.time_symbol(hole) if role == TIME
                    else self.free_axis(hole, [x for x in shape.dims if x != sym(name)]))
            elif not (d.symbols() & self.hole_axes.keys()):
                env[name] = d
        if not env:
            return
        self.axis_settled.update({k: v for k, v in env.items() if isinstance(v, Expr)})
        for hole, (held, roles, dtype) in list(self.hole_bindings.items()):
            if held is None or not any(d is not None and d.symbols() & env.keys()
                                       for d in held.dims):
                continue
            dims = tuple(d.subs(env) if d is not None else None for d in held.dims)
            self.hole_bindings[hole] = (Shape(dims, held.star), roles, dtype)

    def _axis_role(self, s: Expr) -> str | None:
        """The role (batch or time) that the solved inputs or the code's own name for it
        (``bs = x.size(0)``) give the size ``s``, if they agree."""
        named = self.named_sizes.get(s)
        found: set[str | None] = {named[0]} if named is not None and named[0] in (BATCH, TIME) \
            else set()
        found |= {roles[i] for shape, roles, _ in self.hole_bindings.values()
                 if shape is not None and roles is not None
                 for i, d in enumerate(shape.dims) if d == s and i < len(roles)
                 and roles[i] in (BATCH, TIME)}
        return found.pop() if len(found) == 1 else None

    def batch_symbol(self) -> Expr:
        return sym("B")

    def time_symbol(self, hole: str) -> Expr:
        if hole not in self.time_names:
            self.time_names[hole] = "T" if not self.time_names else f"T_{hole}"
        return sym(self.time_names[hole])

    # ---- helpers ------------------------------------------------------------------------------
    def tick(self) -> None:
        self.steps += 1
        if self.steps > self.max_steps:
            raise Budget()

    def record(self, op: str, node: cst.CSTNode, inputs: Sequence[Value], out: Value,
               label: str = "", **attrs: Any) -> Value:
        nid = self.graph.op(self.context, node, op, label, self.fm, **attrs)
        for v in inputs:
            if isinstance(v, Tensor | Packed) and v.node is not None:
                self.graph.edge(v.node, nid, v)
        out = with_node(out, nid)
        self.graph.set_value(nid, out)
        return out

    # ---- the interface between the jobs (implemented by the mixins) ---------------------------
    # statements
    def exec_block(self, block: cst.BaseSuite | Sequence[cst.BaseStatement], env: Env) -> None:
        raise NotImplementedError

    def assign(self, target: cst.BaseExpression, v: Value, env: Env) -> None:
        raise NotImplementedError

    def rebind(self, target: cst.BaseExpression, v: Value, env: Env) -> None:
        raise NotImplementedError

    def condition(self, expr: cst.BaseExpression, env: Env) -> bool | Flag | None:
        raise NotImplementedError

    # expressions
    def eval(self, e: cst.BaseExpression, env: Env) -> Value:
        raise NotImplementedError

    def attribute(self, base: Value, attr: str, node: cst.CSTNode) -> Value:
        raise NotImplementedError

    def size_of(self, t: Tensor, dim: Value | None) -> Value:
        raise NotImplementedError

    def index_value(self, t: Tensor, items: list[Value], e: cst.CSTNode) -> Value:
        raise NotImplementedError

    def subscript_item(self, s: cst.BaseSlice, env: Env) -> Value:
        raise NotImplementedError

    def dict_literal(self, e: cst.Dict, env: Env) -> Value:
        raise NotImplementedError

    def open_param(self, fn_fm: FileModel, name: str, default: cst.BaseExpression | None
                   ) -> Value:
        raise NotImplementedError

    # operators
    def binop(self, op: str, a: Value, b: Value, e: cst.CSTNode) -> Value:
        raise NotImplementedError

    def compare(self, e: cst.Comparison, env: Env) -> Value:
        raise NotImplementedError

    # calls
    def call_expr(self, e: cst.Call, env: Env) -> Value:
        raise NotImplementedError

    def call_function(self, fn: cst.FunctionDef, fm: FileModel, args: Sequence[Value],
                      kwargs: dict[str, Value], bound: Value | None = None,
                      closure: dict[str, Value] | None = None) -> Value:
        raise NotImplementedError

    def apply_layer(self, layer: L.Layer, args: list[Value], e: cst.CSTNode,
                    kwargs: dict[str, Value] | None = None) -> Value:
        raise NotImplementedError

    def call_child(self, child: Value, args: Sequence[Value]) -> Value:
        raise NotImplementedError

    # builtins
    def call_method(self, recv: Value, name: str, args: list[Value], kwargs: dict[str, Value],
                    e: cst.Call, env: Env) -> Value:
        raise NotImplementedError

    def embedding_from_pretrained(self, args: list[Value], kwargs: dict[str, Value],
                                  e: cst.Call) -> Value:
        raise NotImplementedError

    def call_builtin(self, name: str, args: list[Value], kwargs: dict[str, Value], e: cst.Call,
                     env: Env) -> Value:
        raise NotImplementedError

    # classes
    def instantiate(self, cls: ClassInfo, fm: FileModel, args: Sequence[Value],
                    kwargs: dict[str, Value], label: str = "self") -> Obj:
        raise NotImplementedError

    def run_forward(self, obj: Obj, inputs: Sequence[Value] | None,
                    kwargs: dict[str, Value] | None = None) -> Value:
        raise NotImplementedError

    def class_attribute(self, cls: ClassInfo, fm: FileModel, name: str,
                        after: ClassInfo | None = None) -> Value | None:
        raise NotImplementedError

    def torch_base(self, cls: ClassInfo, fm: FileModel) -> str | None:
        raise NotImplementedError

    def mro(self, cls: ClassInfo, fm: FileModel) -> list[tuple[ClassInfo, FileModel]]:
        raise NotImplementedError

    def super_value(self, args: list[Value]) -> Value:
        raise NotImplementedError

    # config
    def instantiate_plain(self, cls: ClassInfo, fm: FileModel, args: Sequence[Value],
                          kwargs: dict[str, Value]) -> Value:
        raise NotImplementedError

    def config_method(self, recv: ArgParser | Record, name: str, args: list[Value],
                      kwargs: dict[str, Value], e: cst.Call, env: Env) -> Value:
        raise NotImplementedError

def with_node(v: Value, nid: int) -> Value:
    """The value as produced by node ``nid`` (inner values of a tuple keep their own node)."""
    if isinstance(v, Seq):
        return copy_with(v, {"items": tuple(with_node(i, nid) if i.node is None else i
                                            for i in v.items), "node": nid})
    if isinstance(v, Tensor | Packed):
        return copy_with(v, {"node": nid})
    return v


def symbol_base(hole: str) -> str | None:
    """The name sizes read off an input are called after: the argument's own (``x``), or for
    a part of one (``x_in[0]``, ``batch['src']``) the path as one identifier (``x_in_0``,
    ``batch_src``); None for anything else."""
    if hole.isidentifier():
        return hole
    m = re.fullmatch(r"([A-Za-z_]\w*)((?:\[(?:\d+|'\w+'|\"\w+\")\])+)", hole)
    if m is None:
        return None
    keys = re.findall(r"\[(?:(\d+)|'(\w+)'|\"(\w+)\")\]", m.group(2))
    return "_".join([m.group(1)] + ["".join(k) for k in keys])

