"""Step 5: infer shapes by abstract interpretation of ``__init__`` and ``forward``.

``__init__`` is run with the constructor's parameters as symbols (or with concrete arguments),
which builds the module's layers; ``forward`` is then run on symbolic inputs.  Inputs start as
*holes*: the first layer that consumes one tells its layout (``(B, T, input_size)`` for a
``batch_first`` LSTM), and a second pass runs with those shapes.  Every layer call and tensor
operation is recorded in the :class:`~lstm_lint.dataflow.Dataflow` graph with its shapes and
the conflicts the layer facts reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import libcst as cst

from . import layers as L
from . import ops
from .dataflow import Dataflow
from .extract import ClassInfo, FileModel, canonical, dotted
from .symbolic import Expr, cond, const, sym
from .values import (
    UNKNOWN,
    Const,
    Flag,
    Int,
    Packed,
    Record,
    Seq,
    Shape,
    Tensor,
    Value,
    int_of,
)

MAX_DEPTH = 8
#: names of plain classes that carry a model's configuration
_CONFIG_NAME = re.compile(r"Config|Conf$|Args|Opt|Param|Settings|Hyper", re.IGNORECASE)
#: the key under which a call records a ``**kwargs`` of unknown content
SPLAT = "**"
MAX_STEPS = 20000


class Budget(Exception):
    """Raised when an analysis runs past its step budget (huge or pathological code)."""


# ---- values that only the interpreter needs -------------------------------------------------


@dataclass(frozen=True)
class Ref(Value):
    """A dotted name outside the file: ``torch``, ``torch.nn.LSTM``, ``F.relu``."""

    qual: str
    node: int | None = None


@dataclass
class Obj(Value):
    """An instance of a user ``nn.Module`` class."""

    cls: ClassInfo
    fm: FileModel
    attrs: dict[str, Value] = field(default_factory=dict)
    label: str = "self"
    node: int | None = None

    def describe(self) -> str:
        return self.cls.name


@dataclass(frozen=True)
class ClassRef(Value):
    cls: ClassInfo
    fm: FileModel
    node: int | None = None


@dataclass(frozen=True)
class FuncRef(Value):
    fn: cst.FunctionDef
    fm: FileModel
    bound: Value | None = None  # the instance for methods
    node: int | None = None


@dataclass(frozen=True)
class Method(Value):
    """``x.view`` before it is called."""

    recv: Value
    name: str
    node: int | None = None


@dataclass
class Instantiation:
    """A module class built by the analysed code: where, and with which arguments."""

    cls: ClassInfo
    fm: FileModel
    args: list[Value]
    kwargs: dict[str, Value]
    node: cst.CSTNode
    at: FileModel  # the file whose code builds it

    @property
    def name(self) -> str:
        return self.cls.name

    def __iter__(self) -> Any:  # (name, args, kwargs), as the confirm plan reads it
        return iter((self.name, self.args, self.kwargs))


@dataclass(eq=False)
class ArgParser(Value):
    """An ``argparse.ArgumentParser`` being filled: each option's destination and default."""

    options: dict[str, Value] = field(default_factory=dict)
    node: int | None = None

    def add(self, args: list[Value], kwargs: dict[str, Value]) -> None:
        names = [a.value for a in args if isinstance(a, Const) and isinstance(a.value, str)]
        dest = kwargs.get("dest")
        if isinstance(dest, Const) and isinstance(dest.value, str):
            key = dest.value
        else:
            longs = [n for n in names if n.startswith("--")]
            pick = longs[0] if longs else (names[0] if names else "")
            key = pick.lstrip("-").replace("-", "_")
        if not key:
            return
        action = kwargs.get("action")
        if "default" in kwargs:
            self.options[key] = kwargs["default"]
        elif isinstance(action, Const) and action.value in ("store_true", "store_false"):
            self.options[key] = Const(action.value == "store_false")
        else:
            self.options[key] = Const(None)

    def parsed(self) -> Record:
        """``parse_args()`` with no command line: every option at its default."""
        return Record(tuple(self.options.items()))


@dataclass(frozen=True)
class TorchBase(Value):
    """``super().__init__`` / ``super().forward`` of a class that extends a torch layer."""

    obj: Obj
    kind: str
    method: str
    node: int | None = None


TORCH_LAYER = "__torch_layer__"  # where an Obj keeps the torch layer its class extends


@dataclass(frozen=True)
class SuperVal(Value):
    """``super()`` inside a method of ``owner``: attribute lookups start after it in the MRO."""

    obj: Obj
    owner: ClassInfo
    node: int | None = None


@dataclass(frozen=True)
class Builtin(Value):
    name: str
    node: int | None = None


@dataclass(frozen=True)
class RangeVal(Value):
    length: Expr | None
    node: int | None = None


BUILTINS = frozenset("""range len int float bool isinstance super print zip enumerate list tuple
    min max sum getattr hasattr abs round dict set sorted reversed str type iter next any all
    map filter setattr vars delattr""".split())


# ---- environments ---------------------------------------------------------------------------


@dataclass
class Env:
    vars: dict[str, Value]
    returns: list[Value] = field(default_factory=list)
    dead: bool = False  # after return / raise / break / continue
    broke: bool = False  # a path left the innermost loop with break

    def fork(self, selves: list[Obj]) -> tuple[Env, list[dict[str, Value]]]:
        return (Env(dict(self.vars), list(self.returns), self.dead, self.broke),
                [dict(o.attrs) for o in selves])


# ---- joins ----------------------------------------------------------------------------------


def join_expr(a: Expr | None, b: Expr | None, flag: Flag | None) -> Expr | None:
    if a is None or b is None:
        return None
    if a == b:
        return a
    if flag is not None:
        t, f = (b, a) if flag.negated else (a, b)
        return cond(flag.name, t, f)
    return None


def join(a: Value, b: Value, flag: Flag | None = None) -> Value:
    """The value after an if/else whose branches produced ``a`` (true) and ``b`` (false)."""
    if a is b:
        return a
    if isinstance(a, Int) and isinstance(b, Int):
        return Int(join_expr(a.expr, b.expr, flag))
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a == b:
            return a
        if a.shape is None or b.shape is None or a.shape.star != b.shape.star \
                or len(a.shape.dims) != len(b.shape.dims):
            return Tensor(None, a.dtype if a.dtype == b.dtype else None)
        dims = tuple(join_expr(x, y, flag) for x, y in zip(a.shape.dims, b.shape.dims, strict=True))
        return Tensor(
            Shape(dims, a.shape.star), a.dtype if a.dtype == b.dtype else None,
            a.roles if a.roles == b.roles else None, a.rnn if a.rnn == b.rnn else None,
            a.what if a.what == b.what else None,
            a.width_note if a.width_note == b.width_note else None,
            a.head if a.head == b.head else None,
        )
    if isinstance(a, Seq) and isinstance(b, Seq) and len(a.items) == len(b.items) \
            and a.repeated is None and b.repeated is None:
        return Seq(tuple(join(x, y, flag) for x, y in zip(a.items, b.items, strict=True)), a.is_list)
    if isinstance(a, Const) and isinstance(b, Const) and a.value == b.value:
        return a
    if isinstance(a, L.Layer) and isinstance(b, L.Layer) and a.kind == b.kind:
        if a.cst is b.cst and a.params == b.params:
            return a
        # layers of one kind built in different places (the first cell of a stack and the
        # rest): what they agree on is known, the rest unknown
        params = {k: join(a.p(k), b.p(k), flag) for k in {*a.params, *b.params}}
        return L.Layer(a.kind, params, a.cst, a.name if a.name == b.name else None,
                       node=a.node)
    if type(a) is type(b) and a == b:
        return a
    return UNKNOWN


# ---- the interpreter ------------------------------------------------------------------------


class Interpreter:
    """Runs one analysis (a module class, or a file's script code) and fills a graph."""

    def __init__(self, fm: FileModel, graph: Dataflow, project: Any = None):
        self.fm = fm
        self.graph = graph
        self.project = project
        self.depth = 0
        self.steps = 0
        self.context: tuple[int, ...] = ()
        self.current: int | None = None  # node being applied (for Site)
        self.hole_bindings: dict[str, tuple[Shape, tuple[str | None, ...] | None, str | None]] = {}
        self.time_names: dict[str, str] = {}
        self.selves: list[Obj] = []
        self.frames: list[tuple[cst.FunctionDef, Value | None]] = []  # running functions
        self.class_attr_cache: dict[tuple[int, str], Value] = {}
        self.globals_cache: dict[str, Value] = {}
        self.loop_iters: list[Expr | None] = []
        self.instantiations: list[Instantiation] = []

    # ---- Site protocol (for layer facts) ------------------------------------------------------
    @property
    def node(self) -> int | None:
        return self.current

    def conflict(self, c: L.Conflict) -> None:
        if self.current is not None:
            self.graph.add_conflict(self.current, c)

    def constraint(self, a: Expr, b: Expr, why: str) -> None:
        """A size equality the model needs (``T == seq_len``): shown, never reported."""
        self.graph.add_constraint(a, b, why, self.current)

    def bind_hole(self, t: Tensor, shape: Shape, roles: tuple[str | None, ...] | None,
                  dtype: str | None) -> None:
        if t.hole is None:
            return
        name, steps = t.hole
        if name in self.hole_bindings:
            return
        dims = list(shape.dims)
        rl = list(roles) if roles is not None else None
        for step, val in reversed(steps):
            if not dims:
                return
            if step == "drop_last":
                dims = dims[:-1]
                if rl is not None:
                    rl = rl[:-1]
                dtype = "int"
            elif step == "replace_last":
                dims[-1] = val
            elif step in ("transpose", "permute", "unsqueeze", "squeeze"):
                undone = _undo_layout(step, val, dims, rl)
                if undone is None:
                    return
                dims, rl = undone
        self.hole_bindings[name] = (Shape(tuple(dims), shape.star), tuple(rl) if rl else None, dtype)

    def batch_symbol(self) -> Expr:
        return sym("B")

    def time_symbol(self, hole: str) -> Expr:
        if hole not in self.time_names:
            self.time_names[hole] = "T" if not self.time_names else f"T_{hole}"
        return sym(self.time_names[hole])

    # ---- helpers ------------------------------------------------------------------------------
    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise Budget()

    def record(self, op: str, node: cst.CSTNode, inputs: Sequence[Value], out: Value,
               label: str = "", **attrs: Any) -> Value:
        nid = self.graph.op(self.context, node, op, label, self.fm, **attrs)
        for v in inputs:
            if isinstance(v, Tensor | Packed) and v.node is not None:
                self.graph.edge(v.node, nid, v)
        out = _with_node(out, nid)
        self.graph.set_value(nid, out)
        return out

    # ---- entry points -------------------------------------------------------------------------
    def instantiate(self, cls: ClassInfo, fm: FileModel, args: Sequence[Value],
                    kwargs: dict[str, Value], label: str = "self") -> Obj:
        obj = Obj(cls, fm, {}, label)
        init = self.find_method(cls, fm, "__init__")
        if init is not None and self.depth < MAX_DEPTH:
            fn, owner_fm = init
            self.call_function(fn, owner_fm, args, kwargs, bound=obj)
        return obj

    def instantiate_plain(self, cls: ClassInfo, fm: FileModel, args: Sequence[Value],
                          kwargs: dict[str, Value]) -> Value:
        """A configuration class: ``Config()`` (class attributes), a dataclass or NamedTuple
        (fields bound to the arguments), or a class whose ``__init__`` sets attributes."""
        fields = _record_fields(cls)
        if fields is not None and "__init__" not in cls.methods:
            obj = Obj(cls, fm, {}, "config")
            rest = list(args)
            for name, default in fields:
                if rest:
                    obj.attrs[name] = rest.pop(0)
                elif name in kwargs:
                    obj.attrs[name] = kwargs[name]
                elif default is not None:
                    saved = self.fm
                    self.fm = fm
                    try:
                        obj.attrs[name] = self.eval(default, Env({}))
                    finally:
                        self.fm = saved
            return obj
        return self.instantiate(cls, fm, args, kwargs, "config")

    def symbolic_params(self, fn: cst.FunctionDef, fm: FileModel) -> tuple[list[Value],
                                                                            dict[str, Value]]:
        """Constructor arguments as symbols: sizes become Sym, bool flags become Flag."""
        kwargs: dict[str, Value] = {}
        for p in list(fn.params.params)[1:] + list(fn.params.kwonly_params):
            name = p.name.value
            kwargs[name] = self._symbolic_param(name, p.default)
        if fn.params.star_kwarg is not None:
            kwargs[SPLAT] = UNKNOWN  # whatever a caller forwards through **kwargs
        return [], kwargs

    def _symbolic_param(self, name: str, default: cst.BaseExpression | None) -> Value:
        """Sizes stay symbols and bool flags stay flags (so every configuration is checked at
        once); other defaults (a string, a layer class, None, a float) are configuration
        choices and are taken as written."""
        if default is None:
            return Int(sym(name), param=name)
        if isinstance(default, cst.Name) and default.value in ("True", "False"):
            return Flag(name)
        if isinstance(default, cst.Integer):
            return Int(sym(name), param=name)
        v = self.eval(default, Env({}))
        if isinstance(v, Ref) or (isinstance(v, Const) and (
                v.value is None or isinstance(v.value, str | float))):
            return v
        return UNKNOWN

    def run_forward(self, obj: Obj, inputs: Sequence[Value] | None,
                    kwargs: dict[str, Value] | None = None) -> Value:
        found = self.find_method(obj.cls, obj.fm, "forward")
        if found is None:
            layer = obj.attrs.get(TORCH_LAYER)
            if isinstance(layer, L.Layer) and inputs is not None:  # torch's own forward
                return L.apply_layer(self, layer, list(inputs), self._call_child)
            return UNKNOWN
        fn, fm = found
        if inputs is None:
            inputs = self.holes(fn)
        return self.call_function(fn, fm, inputs, kwargs or {}, bound=obj)

    def holes(self, fn: cst.FunctionDef) -> list[Value]:
        out: list[Value] = []
        for p in list(fn.params.params)[1:]:
            name = p.name.value
            if p.default is not None:
                out.append(self.eval(p.default, Env({})))
            elif name in self.hole_bindings:
                shape, roles, dtype = self.hole_bindings[name]
                out.append(Tensor(shape, dtype, roles))
            elif any(k.startswith(name + "[") for k in self.hole_bindings):
                fields = []
                for k, (shape, roles, dtype) in self.hole_bindings.items():
                    if k.startswith(name + "[") and k.endswith("]"):
                        key = k[len(name) + 1:-1]
                        if len(key) >= 2 and key[0] == key[-1] and key[0] in "'\"":
                            fields.append((key[1:-1], Tensor(shape, dtype, roles)))
                out.append(Record(tuple(fields)))
            else:
                out.append(Tensor(None, None, hole=(name, ())))
        return out

    def find_method(self, cls: ClassInfo, fm: FileModel, name: str,
                     seen: int = 0) -> tuple[cst.FunctionDef, FileModel] | None:
        if name in cls.methods:
            return cls.methods[name], fm
        if seen > 10:
            return None
        for b in cls.bases:
            base = self._lookup_class(b, fm)
            if base is not None:
                r = self.find_method(base[0], base[1], name, seen + 1)
                if r is not None:
                    return r
        return None

    def _lookup_class(self, qual: str, fm: FileModel) -> tuple[ClassInfo, FileModel] | None:
        short = qual.rsplit(".", 1)[-1]
        if qual in fm.classes:
            return fm.classes[qual], fm
        if self.project is not None:
            r = self.project.find_class(qual, fm)
            if r is not None:
                return r
        if short in fm.classes and "." not in qual:
            return fm.classes[short], fm
        return None

    def mro(self, cls: ClassInfo, fm: FileModel) -> list[tuple[ClassInfo, FileModel]]:
        """The class and its bases found in the project, depth first, left to right."""
        out: list[tuple[ClassInfo, FileModel]] = []
        seen: set[int] = set()

        def walk(c: ClassInfo, f: FileModel, depth: int) -> None:
            if id(c) in seen or depth > 10:
                return
            seen.add(id(c))
            out.append((c, f))
            for b in c.bases:
                base = self._lookup_class(b, f)
                if base is not None:
                    walk(base[0], base[1], depth + 1)

        walk(cls, fm, 0)
        return out

    def class_attribute(self, cls: ClassInfo, fm: FileModel, name: str,
                        after: ClassInfo | None = None) -> Value | None:
        """A method (unbound) or a class-level assignment found along the MRO."""
        chain = self.mro(cls, fm)
        if after is not None:
            idx = next((i for i, (c, _f) in enumerate(chain) if c is after), None)
            chain = chain[idx + 1:] if idx is not None else []
        for c, f in chain:
            if name in c.methods:
                return FuncRef(c.methods[name], f)
            expr = _class_level_value(c, name)
            if expr is not None:
                key = (id(expr), name)
                if key not in self.class_attr_cache:
                    self.class_attr_cache[key] = UNKNOWN  # guards recursion
                    saved = self.fm
                    self.fm = f
                    try:
                        self.class_attr_cache[key] = self.eval(expr, Env({}))
                    finally:
                        self.fm = saved
                return self.class_attr_cache[key]
        return None

    def torch_base(self, cls: ClassInfo, fm: FileModel) -> str | None:
        """The torch layer a user class derives from (``class LSTM(RNN, nn.LSTM)``), if any."""
        for c, _f in self.mro(cls, fm):
            for b in c.bases:
                q = canonical(b)
                if q.startswith("torch.nn.") and q.rsplit(".", 1)[-1] in L.SIGNATURES:
                    return q.rsplit(".", 1)[-1]
        return None

    def super_value(self, args: list[Value]) -> Value:
        """``super()`` / ``super(Cls, self)`` in the running method."""
        for fn, bound in reversed(self.frames):
            if not isinstance(bound, Obj):
                continue
            if len(args) == 2 and isinstance(args[0], ClassRef):
                return SuperVal(bound, args[0].cls)
            for c, _f in self.mro(bound.cls, bound.fm):
                if c.methods.get(fn.name.value) is fn:
                    return SuperVal(bound, c)
            return UNKNOWN
        return UNKNOWN

    # ---- functions ----------------------------------------------------------------------------
    def call_function(self, fn: cst.FunctionDef, fm: FileModel, args: Sequence[Value],
                      kwargs: dict[str, Value], bound: Value | None = None) -> Value:
        if self.depth >= MAX_DEPTH:
            return UNKNOWN
        env = Env({})
        params = list(fn.params.params)
        if bound is not None and params:
            env.vars[params[0].name.value] = bound
            params = params[1:]
        splat = SPLAT in kwargs  # **something unknown: any parameter may have been set
        bound_names: set[str] = set()
        for i, p in enumerate(params):
            name = p.name.value
            bound_names.add(name)
            if i < len(args):
                env.vars[name] = args[i]
            elif name in kwargs:
                env.vars[name] = kwargs[name]
            elif p.default is not None and not splat:
                env.vars[name] = self.eval(p.default, Env({}))
            else:
                env.vars[name] = UNKNOWN
        for p in fn.params.kwonly_params:
            name = p.name.value
            bound_names.add(name)
            if name in kwargs:
                env.vars[name] = kwargs[name]
            elif p.default is not None and not splat:
                env.vars[name] = self.eval(p.default, Env({}))
            else:
                env.vars[name] = UNKNOWN
        if isinstance(fn.params.star_arg, cst.Param):
            env.vars[fn.params.star_arg.name.value] = Seq(tuple(args[len(params):]))
        if fn.params.star_kwarg is not None:
            rest = {k: v for k, v in kwargs.items() if k not in bound_names}
            env.vars[fn.params.star_kwarg.name.value] = UNKNOWN if splat else Record(
                tuple(rest.items()))
        saved_fm, saved_selves = self.fm, self.selves
        self.fm = fm
        if isinstance(bound, Obj):
            self.selves = [*self.selves, bound]
        elif params and isinstance(env.vars.get(params[0].name.value), Obj):
            bound = env.vars[params[0].name.value]  # Base.__init__(self, ...): self is bound
        self.depth += 1
        self.frames.append((fn, bound))
        try:
            self.exec_block(fn.body, env)
        finally:
            self.frames.pop()
            self.depth -= 1
            self.fm, self.selves = saved_fm, saved_selves
        if not env.returns:
            return Const(None)
        result = env.returns[0]
        for r in env.returns[1:]:
            result = join(result, r)
        return result

    # ---- statements ---------------------------------------------------------------------------
    def exec_block(self, block: cst.BaseSuite | Sequence[cst.BaseStatement], env: Env) -> None:
        if isinstance(block, cst.IndentedBlock):
            stmts: Sequence[Any] = block.body
        elif isinstance(block, cst.SimpleStatementSuite):
            stmts = block.body
        elif isinstance(block, Sequence):
            stmts = block
        else:
            return
        for stmt in stmts:
            if env.dead:
                return
            self.exec_stmt(stmt, env)

    def exec_stmt(self, stmt: Any, env: Env) -> None:
        self.tick()
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if env.dead:
                    return
                self.exec_small(small, env)
        elif isinstance(stmt, cst.BaseSmallStatement):
            self.exec_small(stmt, env)
        elif isinstance(stmt, cst.If):
            self.exec_if(stmt, env)
        elif isinstance(stmt, cst.For):
            self.exec_for(stmt, env)
        elif isinstance(stmt, cst.While):
            self.exec_loop_body(stmt.body, env, None, lambda e: None)
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                v = self.eval(item.item, env)
                if item.asname is not None:
                    self.assign(item.asname.name, v, env)
            self.exec_block(stmt.body, env)
        elif isinstance(stmt, cst.Try):
            self.exec_try(stmt, env)
        elif isinstance(stmt, cst.FunctionDef):
            env.vars[stmt.name.value] = FuncRef(stmt, self.fm)
        # class definitions inside functions, match statements: ignored

    def exec_small(self, s: cst.BaseSmallStatement, env: Env) -> None:
        if isinstance(s, cst.Assign):
            v = self.eval(s.value, env)
            for t in s.targets:
                self.assign(t.target, v, env)
        elif isinstance(s, cst.AnnAssign):
            if s.value is not None:
                self.assign(s.target, self.eval(s.value, env), env)
        elif isinstance(s, cst.AugAssign):
            cur = self.eval(s.target, env)
            rhs = self.eval(s.value, env)
            op = type(s.operator).__name__.replace("Assign", "")
            self.assign(s.target, self.binop(op, cur, rhs, s), env)
        elif isinstance(s, cst.Expr):
            self.eval(s.value, env)
        elif isinstance(s, cst.Return):
            env.returns.append(self.eval(s.value, env) if s.value is not None else Const(None))
            env.dead = True
        elif isinstance(s, cst.Raise):
            env.dead = True
        elif isinstance(s, cst.Assert):
            self.eval(s.test, env)
        elif isinstance(s, cst.Break | cst.Continue):
            env.dead = True
            env.broke = env.broke or isinstance(s, cst.Break)
        elif isinstance(s, cst.Import | cst.ImportFrom):
            pass

    def assign(self, target: cst.BaseExpression, v: Value, env: Env) -> None:
        if isinstance(target, cst.Name):
            env.vars[target.value] = v
        elif isinstance(target, cst.Tuple | cst.List):
            elems = [e.value for e in target.elements]
            starred = [i for i, e in enumerate(target.elements) if isinstance(e, cst.StarredElement)]
            if isinstance(v, Seq) and v.repeated is None and not starred \
                    and len(v.items) == len(elems):
                for e, item in zip(elems, v.items, strict=True):
                    self.assign(e, item, env)
            elif isinstance(v, Seq) and v.repeated is not None and not starred:
                for e in elems:
                    self.assign(e, v.repeated, env)
            else:
                for e in elems:
                    self.assign(e, UNKNOWN, env)
        elif isinstance(target, cst.Attribute):
            base = self.eval(target.value, env)
            if isinstance(base, Record):
                self._rebind(target.value, base.with_field(target.attr.value, v), env)
                return
            if isinstance(base, Obj):
                if isinstance(v, L.Layer) and v.name is None:
                    v.name = f"{base.label}.{target.attr.value}"
                tl = v.attrs.get(TORCH_LAYER) if isinstance(v, Obj) else None
                if isinstance(tl, L.Layer) and tl.name in (None, "self", "config"):
                    tl.name = f"{base.label}.{target.attr.value}"
                base.attrs[target.attr.value] = v
            elif isinstance(base, L.Layer):
                # a built layer changed afterwards (self.rnn.batch_first = True): the layer
                # now holds that value (known or not)
                base.params[target.attr.value] = v
        elif isinstance(target, cst.Subscript):
            base = self.eval(target.value, env)
            if isinstance(base, L.Layer) and base.kind in ("Sequential", "ModuleList",
                                                            "ModuleDict"):
                # self.head[-1] = nn.Linear(...): which child runs is no longer known
                base.children = [UNKNOWN]
                return
            if isinstance(base, Seq) and isinstance(target.value, cst.Attribute):
                self.assign(target.value, UNKNOWN, env)  # self.layers[0] = ...: forget it
                return
            key = target.slice[0].slice if len(target.slice) == 1 else None
            if isinstance(base, Record) and isinstance(key, cst.Index):
                k = self.eval(key.value, env)
                if isinstance(k, Const) and isinstance(k.value, str):
                    self._rebind(target.value, base.with_field(k.value, v), env)
                else:
                    self._rebind(target.value, UNKNOWN, env)
                return
            # x[...] = y keeps x's shape; a list slot assignment forgets the list
            if isinstance(base, Seq) and isinstance(target.value, cst.Name):
                env.vars[target.value.value] = UNKNOWN
        elif isinstance(target, cst.StarredElement):
            self.assign(target.value, UNKNOWN, env)

    def condition(self, expr: cst.BaseExpression, env: Env) -> bool | Flag | None:
        v = self.eval(expr, env)
        return truth(v)

    def exec_if(self, stmt: cst.If, env: Env) -> None:
        c = self.condition(stmt.test, env)
        orelse = stmt.orelse
        if c is True:
            self.exec_block(stmt.body, env)
            return
        if c is False:
            self._exec_else(orelse, env)
            return
        flag = c if isinstance(c, Flag) else None
        t_env, t_attrs = env.fork(self.selves)
        f_env, f_attrs = env.fork(self.selves)
        self._restore(t_attrs)
        self.exec_block(stmt.body, t_env)
        t_after = [dict(o.attrs) for o in self.selves]
        self._restore(f_attrs)
        self._exec_else(orelse, f_env)
        f_after = [dict(o.attrs) for o in self.selves]
        self.merge(env, t_env, f_env, t_after, f_after, flag)

    def _exec_else(self, orelse: cst.If | cst.Else | None, env: Env) -> None:
        if orelse is None:
            return
        if isinstance(orelse, cst.If):
            self.exec_if(orelse, env)
        else:
            self.exec_block(orelse.body, env)

    def _restore(self, attrs: list[dict[str, Value]]) -> None:
        for o, a in zip(self.selves, attrs, strict=False):
            o.attrs = dict(a)

    def merge(self, env: Env, a: Env, b: Env, a_attrs: list[dict[str, Value]],
              b_attrs: list[dict[str, Value]], flag: Flag | None) -> None:
        env.returns = _uniq(a.returns + b.returns)
        env.broke = a.broke or b.broke
        if a.dead and b.dead:
            env.dead = True
            env.vars = _join_dicts(a.vars, b.vars, flag)
            return
        if a.dead:
            env.vars = b.vars
            self._restore(b_attrs)
            return
        if b.dead:
            env.vars = a.vars
            self._restore(a_attrs)
            return
        env.vars = _join_dicts(a.vars, b.vars, flag)
        for o, x, y in zip(self.selves, a_attrs, b_attrs, strict=False):
            o.attrs = _join_dicts(x, y, flag)

    def exec_try(self, stmt: cst.Try, env: Env) -> None:
        self.exec_block(stmt.body, env)
        if stmt.orelse is not None:
            self.exec_block(stmt.orelse.body, env)
        if stmt.finalbody is not None:
            self.exec_block(stmt.finalbody.body, env)

    def exec_for(self, stmt: cst.For, env: Env) -> None:
        it = self.eval(stmt.iter, env)
        count: Expr | None = None
        element: Value = UNKNOWN
        if isinstance(it, RangeVal):
            count, element = it.length, Int(None)
        elif isinstance(it, Seq):
            if it.repeated is None:
                if len(it.items) <= 16:
                    # unroll a short, known sequence (nn.ModuleList([a, b]), zip of pairs)
                    for item in it.items:
                        self.assign(stmt.target, item, env)
                        self.exec_block(stmt.body, env)
                        if env.broke or (env.dead and env.returns):
                            break
                        env.dead = False
                    env.dead = env.broke = False
                    return
                element = UNKNOWN
            else:
                count, element = it.length, it.repeated
        elif isinstance(it, Tensor):
            element = self.index_value(it, [Int(None)], stmt.iter) if it.shape else Tensor(None)
        self.exec_loop_body(stmt.body, env, count,
                            lambda e: self.assign(stmt.target, element, e))

    def exec_loop_body(self, body: cst.BaseSuite, env: Env, count: Expr | None,
                       bind: Callable[[Env], None]) -> None:
        """Run a loop body twice (the second time from the joined state) and join.

        Lists that grow by one element per iteration end with ``count`` more elements.
        """
        before = dict(env.vars)
        attrs_before = [dict(o.attrs) for o in self.selves]
        attrs_start = [dict(a) for a in attrs_before]
        start = env
        self.loop_iters.append(count)
        try:
            for _ in range(2):
                work, _a = start.fork(self.selves)
                work.dead = work.broke = False
                bind(work)
                self.exec_block(body, work)
                if work.broke:
                    count = None  # the trip count depends on the data
                env.returns = _uniq(env.returns + work.returns)
                attrs_after = [dict(o.attrs) for o in self.selves]
                joined = _join_loop(before, start.vars, work.vars, count)
                start = Env(joined, env.returns)
                # attributes too: a ModuleList grown by append in the loop has `count` more
                for o, x, st, y in zip(self.selves, attrs_before, attrs_start, attrs_after,
                                       strict=False):
                    o.attrs = _join_loop(x, st, y, count)
                attrs_start = [dict(o.attrs) for o in self.selves]
        finally:
            self.loop_iters.pop()
        env.vars = start.vars

    # ---- expressions --------------------------------------------------------------------------
    def eval(self, e: cst.BaseExpression, env: Env) -> Value:
        self.tick()
        try:
            return self._eval(e, env)
        except Budget:
            raise
        except RecursionError:
            raise
        except (ZeroDivisionError, OverflowError, ValueError):
            return UNKNOWN

    def _eval(self, e: cst.BaseExpression, env: Env) -> Value:
        if isinstance(e, cst.Name):
            return self.lookup(e.value, env)
        if isinstance(e, cst.Integer):
            try:
                return Int(const(int(e.value.replace("_", ""), 0)))
            except ValueError:
                return UNKNOWN
        if isinstance(e, cst.Float):
            try:
                return Const(float(e.value.replace("_", "")))
            except ValueError:
                return UNKNOWN
        if isinstance(e, cst.Imaginary):
            return UNKNOWN
        if isinstance(e, cst.SimpleString):
            try:
                return Const(e.evaluated_value)
            except Exception:
                return UNKNOWN
        if isinstance(e, cst.ConcatenatedString | cst.FormattedString):
            return Const("")
        if isinstance(e, cst.Ellipsis):
            return Const(Ellipsis)
        if isinstance(e, cst.Attribute):
            return self.attribute(self.eval(e.value, env), e.attr.value, e)
        if isinstance(e, cst.Call):
            return self.call_expr(e, env)
        if isinstance(e, cst.Subscript):
            return self.subscript(e, env)
        if isinstance(e, cst.BinaryOperation):
            a = self.eval(e.left, env)
            b = self.eval(e.right, env)
            return self.binop(type(e.operator).__name__, a, b, e)
        if isinstance(e, cst.UnaryOperation):
            v = self.eval(e.expression, env)
            op = type(e.operator).__name__
            if op == "Minus":
                if isinstance(v, Int):
                    return Int(None if v.expr is None else -v.expr)
                return v if isinstance(v, Tensor) else UNKNOWN
            if op == "Not":
                t = truth(v)
                if isinstance(t, bool):
                    return Const(not t)
                if isinstance(t, Flag):
                    return Flag(t.name, not t.negated)
                return UNKNOWN
            return v
        if isinstance(e, cst.Tuple | cst.List):
            items: list[Value] = []
            for el in e.elements:
                if isinstance(el, cst.StarredElement):
                    v = self.eval(el.value, env)
                    if isinstance(v, Seq) and v.repeated is None:
                        items.extend(v.items)
                        continue
                    return Seq((), isinstance(e, cst.List), UNKNOWN, None)
                items.append(self.eval(el.value, env))
            return Seq(tuple(items), isinstance(e, cst.List))
        if isinstance(e, cst.IfExp):
            c = self.condition(e.test, env)
            if c is True:
                return self.eval(e.body, env)
            if c is False:
                return self.eval(e.orelse, env)
            return join(self.eval(e.body, env), self.eval(e.orelse, env),
                        c if isinstance(c, Flag) else None)
        if isinstance(e, cst.Comparison):
            return self.compare(e, env)
        if isinstance(e, cst.BooleanOperation):
            # `a or b` is a when a is truthy, else b (`and` the other way round): the operand,
            # not a truth value (`head_size or hidden_size` is a size)
            is_and = isinstance(e.operator, cst.And)
            lv = self.eval(e.left, env)
            lt = truth(lv)
            if lt is (not is_and):
                return lv
            rv = self.eval(e.right, env)
            if isinstance(lt, bool):
                return rv
            if not (_boolish(lv) and _boolish(rv)):
                return UNKNOWN
            rt = truth(rv)
            if is_and:
                return Const(False) if rt is False else (lv if rt is True else UNKNOWN)
            return Const(True) if rt is True else (lv if rt is False else UNKNOWN)
        if isinstance(e, cst.Dict):
            return self.dict_literal(e, env)
        if isinstance(e, cst.ListComp | cst.GeneratorExp):
            return self.comprehension(e, env)
        if isinstance(e, cst.NamedExpr):
            v = self.eval(e.value, env)
            self.assign(e.target, v, env)
            return v
        return UNKNOWN

    def dict_literal(self, e: cst.Dict, env: Env) -> Value:
        """``{"hidden": 64, ...}`` with string keys: a record; anything else: unknown."""
        fields: list[tuple[str, Value]] = []
        for el in e.elements:
            if not isinstance(el, cst.DictElement):
                return UNKNOWN  # ** splat
            k = self.eval(el.key, env)
            if not (isinstance(k, Const) and isinstance(k.value, str)):
                return UNKNOWN
            fields.append((k.value, self.eval(el.value, env)))
        return Record(tuple(fields))

    def lookup(self, name: str, env: Env) -> Value:
        if name in env.vars:
            return env.vars[name]
        if name in ("True", "False"):
            return Const(name == "True")
        if name == "None":
            return Const(None)
        return self.global_name(name)

    def global_name(self, name: str) -> Value:
        fm = self.fm
        key = f"{fm.path}:{name}"
        if key in self.globals_cache:
            return self.globals_cache[key]
        v: Value = UNKNOWN
        self.globals_cache[key] = UNKNOWN  # guards recursion through constants
        if name in fm.imports:
            # resolved against the other files of the run only when called (see call())
            v = Ref(canonical(fm.imports[name]))
        elif name in fm.classes:
            v = ClassRef(fm.classes[name], fm)
        elif name in fm.functions:
            v = FuncRef(fm.functions[name], fm)
        elif name in fm.constants:
            v = self.eval(fm.constants[name], Env({}))
            if isinstance(v, Tensor | L.Layer | Obj):
                v = UNKNOWN  # module-level tensors and layers: let script analysis handle them
        elif name in BUILTINS:
            v = Builtin(name)
        elif name == "torch":
            v = Ref("torch")
        self.globals_cache[key] = v
        return v

    def attribute(self, base: Value, attr: str, node: cst.CSTNode) -> Value:
        if isinstance(base, Record):
            got = base.get(attr)
            if got is not None:
                return got
            return Method(base, attr) if attr in ("get", "keys", "items", "values", "update",
                                                  "setdefault", "pop", "clear", "copy") \
                else UNKNOWN
        if isinstance(base, ArgParser):
            return Method(base, attr)
        if isinstance(base, Ref):
            return Ref(canonical(f"{base.qual}.{attr}"))
        if isinstance(base, Obj):
            if attr in base.attrs:
                return base.attrs[attr]
            tl = base.attrs.get(TORCH_LAYER)
            if isinstance(tl, L.Layer) and attr in tl.params:
                return tl.params[attr]
            found = self.class_attribute(base.cls, base.fm, attr)
            if isinstance(found, FuncRef):
                return replace(found, bound=base)
            return found if found is not None else UNKNOWN
        if isinstance(base, SuperVal):
            found = self.class_attribute(base.obj.cls, base.obj.fm, attr, after=base.owner)
            if isinstance(found, FuncRef):
                return replace(found, bound=base.obj)
            if found is None and attr in ("__init__", "forward"):
                kind = self.torch_base(base.obj.cls, base.obj.fm)
                if kind is not None:  # the torch layer the class extends
                    return TorchBase(base.obj, kind, attr)
            return found if found is not None else UNKNOWN
        if isinstance(base, ClassRef):
            found = self.class_attribute(base.cls, base.fm, attr)
            return found if found is not None else UNKNOWN
        if isinstance(base, Tensor):
            if attr == "shape":
                return self.size_of(base, None)
            if attr in ("T", "mT") and base.shape is not None and not base.shape.star \
                    and len(base.shape.dims) == 2:
                return ops.transpose(base, const(0), const(1))
            if attr in ("data", "real"):
                return base
            if attr == "ndim":
                r = base.shape.rank if base.shape is not None else None
                return Int(const(r) if r is not None else None)
            if attr in ("dtype", "device", "is_cuda", "requires_grad", "grad"):
                return UNKNOWN
            return Method(base, attr)
        if isinstance(base, Packed):
            if attr == "data":
                return Tensor(None, base.data.dtype)
            return Method(base, attr) if attr in ("to", "cuda", "cpu") else UNKNOWN
        if isinstance(base, L.Layer):
            if attr in base.params:
                return base.params[attr]
            if attr == "weight" and base.kind == "Embedding":
                return Tensor(Shape((base.size("num_embeddings"), base.size("embedding_dim"))),
                              "float")
            if attr == "weight" and base.kind == "Linear":
                return Tensor(Shape((base.size("out_features"), base.size("in_features"))),
                              "float")
            if attr in ("forward", "__call__"):
                return base
            if base.kind in ("Sequential", "ModuleList", "ModuleDict") and attr in (
                    "add_module", "append", "extend", "insert", "register_module", "update",
                    "pop"):
                return Method(base, attr)
            return UNKNOWN
        if isinstance(base, Int) and base.param:
            name = f"{base.param}.{attr}"
            return Int(sym(name), param=name)
        if isinstance(base, Seq):
            if attr in ("append", "extend", "insert"):
                return Method(base, attr)
            if attr in ("values", "indices") and base.repeated is None and len(base.items) == 2:
                return base.items[0 if attr == "values" else 1]
            return UNKNOWN
        if isinstance(base, Int | Const | Flag) and attr in ("item", "__int__"):
            return Method(base, attr)
        if isinstance(base, Const) and isinstance(base.value, str):
            return Method(base, attr)
        return UNKNOWN

    def size_of(self, t: Tensor, dim: Value | None) -> Value:
        if t.shape is None or t.shape.star:
            if dim is not None and t.shape is not None and int_of(dim) is not None:
                d = int_of(dim)
                assert d is not None
                dc = d.as_int()
                if dc is not None and dc < 0 and -dc <= len(t.shape.dims):
                    return _size_int(t.shape.dims[dc], t.role(dc) if t.roles else None)
            return Int(None) if dim is not None else Seq((), False, Int(None), None)
        dims = t.shape.dims
        roles = t.roles or (None,) * len(dims)
        if dim is None:
            return Seq(tuple(_size_int(d, r) for d, r in zip(dims, roles, strict=True)))
        i = int_of(dim)
        ic = i.as_int() if i is not None else None
        if ic is None or not -len(dims) <= ic < len(dims):
            return Int(None)
        return _size_int(dims[ic], roles[ic])

    # ---- calls --------------------------------------------------------------------------------
    def call_expr(self, e: cst.Call, env: Env) -> Value:
        func = self.eval(e.func, env)
        args: list[Value] = []
        kwargs: dict[str, Value] = {}
        for a in e.args:
            v = self.eval(a.value, env)
            if a.star == "*":
                if isinstance(v, Seq) and v.repeated is None:
                    args.extend(v.items)
                else:
                    return self._opaque_call(func, e, args)
            elif a.star == "**":
                if isinstance(v, Record):
                    kwargs.update(v.fields)  # **cfg with known keys: forwarded one by one
                else:
                    kwargs[SPLAT] = UNKNOWN  # unknown keywords: defaults cannot be trusted
            elif a.keyword is not None:
                kwargs[a.keyword.value] = v
            else:
                args.append(v)
        return self.call(func, args, kwargs, e, env)

    def _opaque_call(self, func: Value, e: cst.Call, args: Sequence[Value]) -> Value:
        if isinstance(func, L.Layer | Obj):
            return self.record("call", e, args, Tensor(None), label=func.describe())
        return UNKNOWN

    def call(self, func: Value, args: list[Value], kwargs: dict[str, Value], e: cst.Call,
             env: Env) -> Value:
        if isinstance(func, L.Layer):
            return self.apply_layer(func, args, e, kwargs)
        if isinstance(func, Obj):
            return self.call_module(func, args, kwargs, e)
        if isinstance(func, ClassRef):
            if func.cls.is_module:
                self.instantiations.append(Instantiation(func.cls, func.fm, list(args),
                                                         dict(kwargs), e, self.fm))
                return self.instantiate(func.cls, func.fm, args, kwargs, "self")
            return self.instantiate_plain(func.cls, func.fm, args, kwargs)
        if isinstance(func, FuncRef):
            saved_ctx = self.context
            self.context = (*self.context, self.graph.key(self.context, e))
            try:
                return self.call_function(func.fn, func.fm, args, kwargs, bound=func.bound)
            finally:
                self.context = saved_ctx
        if isinstance(func, Ref):
            local = self._resolve_ref(func.qual)
            if local is not None:
                return self.call(local, args, kwargs, e, env)
            return self.call_ref(func.qual, args, kwargs, e)
        if isinstance(func, TorchBase):
            if func.method == "__init__":
                layer = L.Layer(func.kind, L.bind_arguments(func.kind, args, kwargs), e,
                                func.obj.label)
                nid = self.graph.op(self.context, e, "build", func.kind, self.fm, layer=layer)
                layer.node = nid
                for c in L.config_conflicts(layer):
                    self.graph.add_conflict(nid, c)
                func.obj.attrs[TORCH_LAYER] = layer
                return Const(None)
            base_layer = func.obj.attrs.get(TORCH_LAYER)
            return self.apply_layer(base_layer, args, e, kwargs) \
                if isinstance(base_layer, L.Layer) else UNKNOWN
        if isinstance(func, Method):
            return self.call_method(func.recv, func.name, args, kwargs, e, env)
        if isinstance(func, Builtin):
            return self.call_builtin(func.name, args, kwargs, e, env)
        return UNKNOWN

    def _resolve_ref(self, qual: str) -> Value | None:
        """A module class or a factory function of another project file, if it is one.

        The project index decides from its cheap summaries: only a class that may be a module
        or a function that may build one is parsed (see :meth:`Project.lookup`).
        """
        if self.project is None or qual.startswith(("torch.", "numpy.", "typing.")):
            return None
        if qual in self.fm.classes:
            return ClassRef(self.fm.classes[qual], self.fm)
        found = self.project.lookup(qual, self.fm, modules_only=True)
        if found is None and (not self.selves or _CONFIG_NAME.search(qual.rsplit(".", 1)[-1])):
            # a plain class that carries configuration (Config(), HParams()): worth reading
            # where a model is built (script code) or when its name says so
            found = self.project.lookup(qual, self.fm, kinds=("class",))
        if found is None:
            return None
        kind, obj, f = found
        return ClassRef(obj, f) if kind == "class" else FuncRef(obj, f)

    def apply_layer(self, layer: L.Layer, args: list[Value], e: cst.CSTNode,
                    kwargs: dict[str, Value] | None = None) -> Value:
        kwargs = kwargs or {}
        if layer.kind in L.RECURRENT and "hx" in kwargs and len(args) == 1:
            args = [*args, kwargs["hx"]]
        if layer.kind == "MultiheadAttention":
            for k in ("query", "key", "value"):
                if k in kwargs:
                    args = [*args, kwargs[k]]
        nid = self.graph.op(self.context, e, "layer", layer.label(), self.fm, layer=layer)
        saved = self.current
        self.current = nid
        try:
            out = L.apply_layer(self, layer, args, self._call_child)
        finally:
            self.current = saved
        for v in _tensors_in(args):
            if v.node is not None:
                self.graph.edge(v.node, nid, v)
        out = _with_node(out, nid)
        self.graph.set_value(nid, out)
        return out

    def _call_child(self, child: Value, args: Sequence[Value]) -> Value:
        if isinstance(child, L.Layer):
            cst_node = child.cst if child.cst is not None else cst.Name("_")
            # a call of a Sequential's child: its own node, not the child's build node
            saved = self.context
            self.context = (*self.context, -1)
            try:
                return self.apply_layer(child, list(args), cst_node)
            finally:
                self.context = saved
        if isinstance(child, Obj):
            return self.call_module(child, list(args), {}, child.cls.node)
        return UNKNOWN

    def call_module(self, obj: Obj, args: list[Value], kwargs: dict[str, Value],
                    e: cst.CSTNode) -> Value:
        saved, saved_via = self.context, self.graph.via
        self.context = (*self.context, self.graph.key(self.context, e))
        if isinstance(e, cst.Call):
            callee = dotted(e.func) or obj.cls.name
            self.graph.via = (*saved_via, f"{callee} ({obj.cls.name})")
        try:
            out = self.run_forward(obj, args, kwargs)
        finally:
            self.context, self.graph.via = saved, saved_via
        return self.record("module", e, args, out, label=obj.label, cls=obj.cls.name)

    def call_ref(self, qual: str, args: list[Value], kwargs: dict[str, Value],
                 e: cst.Call) -> Value:
        qual = canonical(qual)
        head, _, name = qual.rpartition(".")
        if head in ("torch.nn", "nn"):
            if name in ("ModuleList", "ModuleDict", "ParameterList"):
                v = args[0] if args else kwargs.get("modules", Seq((), True))
                if isinstance(v, Seq):
                    return Seq(v.items, True, v.repeated, v.length)
                return v if name == "ModuleDict" else UNKNOWN
            if name == "Parameter":
                return args[0] if args else UNKNOWN
            params = L.bind_arguments(name, args, kwargs)
            layer = L.Layer(name, params, e)
            if name == "Sequential":
                layer.children = list(args)
            nid = self.graph.op(self.context, e, "build", name, self.fm, layer=layer)
            layer.node = nid
            for c in L.config_conflicts(layer):
                self.graph.add_conflict(nid, c)
            return layer
        if qual.startswith("torch.nn.init."):
            return args[0] if args else UNKNOWN
        if qual == "argparse.ArgumentParser":
            return ArgParser()
        if qual in ("types.SimpleNamespace", "argparse.Namespace", "easydict.EasyDict",
                    "addict.Dict", "munch.Munch", "dotmap.DotMap"):
            rec = args[0] if args and isinstance(args[0], Record) else Record(())
            if args and not isinstance(args[0], Record):
                return UNKNOWN
            for k, v in kwargs.items():
                rec = rec.with_field(k, v)
            return rec
        from . import torchfns

        return torchfns.call(self, qual, args, kwargs, e)

    def call_method(self, recv: Value, name: str, args: list[Value], kwargs: dict[str, Value],
                    e: cst.Call, env: Env) -> Value:
        if isinstance(recv, Seq):
            if name == "append" and args and isinstance(e.func, cst.Attribute):
                if recv.repeated is None:
                    new = Seq((*recv.items, args[0]), True)
                else:
                    new = Seq((), True, join(recv.repeated, args[0]),
                              recv.length + 1 if recv.length is not None else None)
                self._rebind(e.func.value, new, env)
            elif name in ("extend", "insert") and isinstance(e.func, cst.Attribute):
                self._rebind(e.func.value, UNKNOWN, env)
            return Const(None)
        if isinstance(recv, Int | Const) and name == "item":
            return recv
        if isinstance(recv, Const) and isinstance(recv.value, str):
            return _str_method(recv.value, name, args)
        if isinstance(recv, L.Layer) and recv.kind in ("Sequential", "ModuleList", "ModuleDict"):
            # a container filled after it was built: follow add_module/append, or stop
            # knowing what it runs
            if name == "add_module" and len(args) >= 2 and recv.kind == "Sequential":
                recv.children.append(args[1])
                return Const(None)
            if name == "append" and args and recv.kind == "Sequential":
                recv.children.append(args[0])
                return recv
            if name in ("add_module", "append", "extend", "insert", "register_module",
                        "update", "pop", "__setitem__", "__delitem__"):
                recv.children.append(UNKNOWN)
                return Const(None)
        if isinstance(recv, ArgParser):
            if name == "add_argument":
                recv.add(args, kwargs)
                return Const(None)
            if name in ("add_argument_group", "add_mutually_exclusive_group"):
                return recv
            if name == "set_defaults":
                recv.options.update(kwargs)
                return Const(None)
            if name == "parse_args":
                return recv.parsed()
            if name == "parse_known_args":
                return Seq((recv.parsed(), Seq((), True)))
            return UNKNOWN
        if isinstance(recv, Record) and name in ("update", "setdefault", "pop", "clear", "copy"):
            return self._record_method(recv, name, args, kwargs, e, env)
        if isinstance(recv, Record):
            if name == "get" and args and isinstance(args[0], Const) \
                    and isinstance(args[0].value, str):
                got = recv.get(args[0].value)
                if got is not None:
                    return got
                return args[1] if len(args) > 1 else kwargs.get("default", Const(None))
            return UNKNOWN
        from . import torchfns

        out = torchfns.method(self, recv, name, args, kwargs, e)
        if name in _INPLACE_LAYOUT and isinstance(e.func, cst.Attribute):
            # x.transpose_(1, 2) changes x itself: later reads of x see the new layout
            self._rebind(e.func.value, out if isinstance(out, Tensor) else UNKNOWN, env)
        return out

    def _record_method(self, recv: Record, name: str, args: list[Value],
                       kwargs: dict[str, Value], e: cst.Call, env: Env) -> Value:
        """A configuration dict changed in place: follow it, or stop knowing it."""
        target = e.func.value if isinstance(e.func, cst.Attribute) else None
        if name == "copy":
            return recv
        changed: Value = UNKNOWN
        result: Value = Const(None)
        first = args[0] if args else None
        if name == "update" and len(args) <= 1 and (first is None or isinstance(first, Record)):
            rec = recv
            extra = first.fields if isinstance(first, Record) else ()
            for k, v in [*extra, *kwargs.items()]:
                rec = rec.with_field(k, v)
            changed = rec
        elif name == "setdefault" and isinstance(first, Const) and isinstance(first.value, str):
            got = recv.get(first.value)
            val = args[1] if len(args) > 1 else Const(None)
            changed = recv if got is not None else recv.with_field(first.value, val)
            result = got if got is not None else val
        elif name == "clear":
            changed = Record(())
        elif name == "pop":
            result = UNKNOWN
        if target is not None:
            self._rebind(target, changed, env)
        return result

    def _rebind(self, target: cst.BaseExpression, v: Value, env: Env) -> None:
        if isinstance(target, cst.Name):
            env.vars[target.value] = v
        elif isinstance(target, cst.Attribute):
            self.assign(target, v, env)

    def call_builtin(self, name: str, args: list[Value], kwargs: dict[str, Value], e: cst.Call,
                     env: Env) -> Value:
        if name == "range":
            ints = [int_of(a) for a in args]
            if len(ints) == 1:
                return RangeVal(ints[0])
            if len(ints) >= 2 and ints[0] is not None and ints[1] is not None and (
                    len(ints) == 2 or (ints[2] is not None and ints[2].as_int() == 1)):
                return RangeVal(ints[1] - ints[0])
            return RangeVal(None)
        if name == "len" and args:
            a = args[0]
            if isinstance(a, Seq):
                return Int(const(len(a.items)) if a.repeated is None else a.length)
            if isinstance(a, Tensor):
                return self.size_of(a, Int(const(0)))
            if isinstance(a, Int) and a.param is not None and a.expr is not None \
                    and a.expr.as_int() is None:
                name = f"len({a.param})"
                return Int(sym(name), param=name)
            return Int(None)
        if name in ("int", "abs", "round") and args:
            a = args[0]
            if isinstance(a, Int):
                return a
            if isinstance(a, Const) and isinstance(a.value, bool):
                return Int(const(int(a.value)))
            if isinstance(a, Flag):
                return Int(cond(a.name, 0 if a.negated else 1, 1 if a.negated else 0))
            return Int(None)
        if name == "bool" and args:
            t = truth(args[0])
            return _truth_value(t)
        if name in ("list", "tuple") and args:
            a = args[0]
            if isinstance(a, Seq):
                return Seq(a.items, name == "list", a.repeated, a.length)
            if isinstance(a, RangeVal):
                return Seq((), name == "list", Int(None), a.length)
            return UNKNOWN
        if name in ("list", "tuple"):
            return Seq((), name == "list")
        if name == "super":
            return self.super_value(args)
        if name == "enumerate" and args:
            a = args[0]
            if isinstance(a, Seq):
                if a.repeated is None:
                    return Seq(tuple(Seq((Int(const(i)), it)) for i, it in enumerate(a.items)))
                return Seq((), False, Seq((Int(None), a.repeated)), a.length)
            return UNKNOWN
        if name == "zip" and args and all(isinstance(a, Seq) and a.repeated is None for a in args):
            seqs = [a for a in args if isinstance(a, Seq)]
            n = min(len(s.items) for s in seqs)
            return Seq(tuple(Seq(tuple(s.items[i] for s in seqs)) for i in range(n)))
        if name == "reversed" and args and isinstance(args[0], Seq):
            a = args[0]
            return Seq(tuple(reversed(a.items)), a.is_list, a.repeated, a.length)
        if name in ("min", "max") and len(args) == 2:
            x, y = int_of(args[0]), int_of(args[1])
            if x is not None and y is not None and x.as_int() is not None and y.as_int() is not None:
                xv, yv = x.as_int(), y.as_int()
                assert xv is not None and yv is not None
                return Int(const(min(xv, yv) if name == "min" else max(xv, yv)))
            if x is not None and x == y:
                return Int(x)
            return Int(None)
        if name == "getattr" and len(args) >= 2 and isinstance(args[1], Const) \
                and isinstance(args[1].value, str):
            v = self.attribute(args[0], args[1].value, e)
            if v is UNKNOWN and len(args) == 3:
                return args[2]
            return v
        if name == "print":
            return Const(None)
        if name == "setattr" and len(args) == 3 and isinstance(args[1], Const) \
                and isinstance(args[1].value, str) and args[1].value.isidentifier() and e.args:
            # setattr(cfg, "batch_first", True) is cfg.batch_first = True
            self.assign(cst.Attribute(value=e.args[0].value, attr=cst.Name(args[1].value)),
                        args[2], env)
            return Const(None)
        if name in ("setattr", "vars", "delattr") and e.args:
            # vars(cfg) can change cfg through its __dict__: cfg is no longer known
            if isinstance(args[0], Record):
                self._rebind(e.args[0].value, UNKNOWN, env)
            return UNKNOWN
        if name == "dict":
            base = args[0] if args and isinstance(args[0], Record) else Record(())
            if args and not isinstance(args[0], Record):
                return UNKNOWN
            for k, v in kwargs.items():
                base = base.with_field(k, v)
            return base
        return UNKNOWN

    def comprehension(self, e: cst.ListComp | cst.GeneratorExp, env: Env) -> Value:
        comp = e.for_in
        if comp.inner_for_in is not None or comp.ifs:
            return Seq((), isinstance(e, cst.ListComp), UNKNOWN, None)
        it = self.eval(comp.iter, env)
        inner = Env(dict(env.vars))
        if isinstance(it, RangeVal):
            self.assign(comp.target, Int(None), inner)
            elt = self.eval(e.elt, inner)
            return Seq((), True, elt, it.length)
        if isinstance(it, Seq) and it.repeated is None and len(it.items) <= 16:
            items = []
            for item in it.items:
                self.assign(comp.target, item, inner)
                items.append(self.eval(e.elt, inner))
            return Seq(tuple(items), True)
        if isinstance(it, Seq) and it.repeated is not None:
            self.assign(comp.target, it.repeated, inner)
            return Seq((), True, self.eval(e.elt, inner), it.length)
        return Seq((), True, UNKNOWN, None)

    # ---- operators ----------------------------------------------------------------------------
    def binop(self, op: str, a: Value, b: Value, e: cst.CSTNode) -> Value:
        if isinstance(a, Int | Const | Flag) and isinstance(b, Int | Const | Flag):
            x, y = _as_int_expr(a), _as_int_expr(b)
            if x is None or y is None:
                if isinstance(a, Const) and isinstance(b, Const) and op == "Add" \
                        and isinstance(a.value, str) and isinstance(b.value, str):
                    return Const(a.value + b.value)
                return Int(None) if isinstance(a, Int) or isinstance(b, Int) else UNKNOWN
            if op == "Add":
                return Int(x + y)
            if op == "Subtract":
                return Int(x - y)
            if op == "Multiply":
                return Int(x * y)
            if op == "FloorDivide":
                return Int(x.floordiv(y))
            if op == "Power" and y.as_int() is not None and 0 <= (y.as_int() or 0) <= 8:
                return Int(x ** (y.as_int() or 0))
            if op == "Modulo" and x.as_int() is not None and y.as_int():
                return Int(const((x.as_int() or 0) % (y.as_int() or 1)))
            if op == "Divide":
                return UNKNOWN
            return Int(None)
        if isinstance(a, Seq) and isinstance(b, Seq) and op == "Add" \
                and a.repeated is None and b.repeated is None:
            return Seq(a.items + b.items, a.is_list)
        if isinstance(a, Seq) and op == "Multiply" and isinstance(b, Int) and b.expr is not None \
                and a.repeated is None and len(a.items) == 1:
            return Seq((), a.is_list, a.items[0], b.expr)
        if op == "MatrixMultiply" and isinstance(a, Tensor) and isinstance(b, Tensor):
            return self.record("matmul", e, [a, b], ops.matmul(a, b), label="@")
        if isinstance(a, Tensor) or isinstance(b, Tensor):
            out = ops.broadcast(a, b)
            if isinstance(out, Tensor) and op in ("Divide",) and out.dtype == "int":
                out = out.with_(dtype="float")
            if isinstance(out, Tensor) and not (isinstance(a, Tensor) and isinstance(b, Tensor)):
                return out  # scaling by a number: no node of its own
            return self.record("arith", e, [a, b], out, label=op)
        return UNKNOWN

    def compare(self, e: cst.Comparison, env: Env) -> Value:
        left = self.eval(e.left, env)
        if len(e.comparisons) != 1:
            for c in e.comparisons:
                self.eval(c.comparator, env)
            return UNKNOWN
        c = e.comparisons[0]
        right = self.eval(c.comparator, env)
        op = type(c.operator).__name__
        if op in ("Is", "IsNot", "Equal", "NotEqual") and (
                _is_none(right) or _is_none(left)):
            other = left if _is_none(right) else right
            known: bool | None = None
            if isinstance(other, Const):
                known = other.value is None
            elif isinstance(other, Tensor | L.Layer | Obj | Seq | Packed | Int):
                known = False if not (isinstance(other, Int) and other.expr is None) else None
            if known is None:
                return UNKNOWN
            return Const(known if op in ("Is", "Equal") else not known)
        if isinstance(left, Tensor) or isinstance(right, Tensor):
            out = ops.broadcast(left, right)
            if isinstance(out, Tensor):
                return self.record("compare", e, [left, right], out.with_(dtype="bool"), label=op)
            return UNKNOWN
        x, y = int_of(left), int_of(right)
        if x is not None and y is not None:
            d = (x - y).as_int()
            if d is not None:
                table = {"Equal": d == 0, "NotEqual": d != 0, "LessThan": d < 0,
                         "LessThanEqual": d <= 0, "GreaterThan": d > 0, "GreaterThanEqual": d >= 0}
                if op in table:
                    return Const(table[op])
        if isinstance(left, Const) and isinstance(right, Const) and op in ("Equal", "NotEqual"):
            if isinstance(left.value, str) and isinstance(right.value, str):
                return Const((left.value == right.value) == (op == "Equal"))
        if isinstance(left, Const) and isinstance(right, Const) and op in ("In", "NotIn") \
                and isinstance(left.value, str) and isinstance(right.value, str):
            return Const((left.value in right.value) == (op == "In"))
        if isinstance(left, Const) and isinstance(right, Record) and op in ("In", "NotIn") \
                and isinstance(left.value, str):
            return Const((right.get(left.value) is not None) == (op == "In"))
        if isinstance(left, Const) and isinstance(right, Seq) and op in ("In", "NotIn") \
                and right.repeated is None and all(isinstance(i, Const) for i in right.items):
            vals = [i.value for i in right.items if isinstance(i, Const)]
            return Const((left.value in vals) == (op == "In"))
        return UNKNOWN

    def subscript(self, e: cst.Subscript, env: Env) -> Value:
        base = self.eval(e.value, env)
        items: list[Value] = []
        for el in e.slice:
            s = el.slice
            if isinstance(s, cst.Slice):
                items.append(ops.SliceVal(
                    self.eval(s.lower, env) if s.lower is not None else Const(None),
                    self.eval(s.upper, env) if s.upper is not None else Const(None),
                    self.eval(s.step, env) if s.step is not None else Const(None),
                ))
            elif isinstance(s, cst.Index):
                items.append(self.eval(s.value, env))
        if isinstance(base, Tensor) and base.hole is not None and base.shape is None \
                and not base.hole[1] and len(items) == 1 and isinstance(items[0], Const) \
                and isinstance(items[0].value, str):
            # a dict batch: each key is an input of its own, solved from its consumers
            return Tensor(None, hole=(f"{base.hole[0]}[{items[0].value!r}]", ()))
        if isinstance(base, Tensor):
            return self.index_value(base, items, e)
        if isinstance(base, Seq):
            if len(items) == 1:
                i = int_of(items[0])
                ic = i.as_int() if i is not None else None
                if base.repeated is not None:
                    if isinstance(items[0], ops.SliceVal):
                        return Seq((), base.is_list, base.repeated, None)
                    return base.repeated
                if ic is not None and -len(base.items) <= ic < len(base.items):
                    return base.items[ic]
                if isinstance(items[0], ops.SliceVal):
                    sv = items[0]
                    lo, hi = int_of(sv.start), int_of(sv.stop)
                    lo_c = 0 if _is_none(sv.start) else (lo.as_int() if lo is not None else None)
                    hi_c = len(base.items) if _is_none(sv.stop) else (
                        hi.as_int() if hi is not None else None)
                    if lo_c is not None and hi_c is not None and _is_none(sv.step):
                        return Seq(base.items[lo_c:hi_c], base.is_list)
            return UNKNOWN
        if isinstance(base, Record) and len(items) == 1 and isinstance(items[0], Const) \
                and isinstance(items[0].value, str):
            got = base.get(items[0].value)
            return got if got is not None else UNKNOWN
        if isinstance(base, Int) and base.param and len(items) == 1 \
                and isinstance(items[0], Const) and isinstance(items[0].value, str):
            name = f"{base.param}.{items[0].value}"
            return Int(sym(name), param=name)
        if isinstance(base, Int) and base.expr is None:
            return UNKNOWN
        return UNKNOWN

    def index_value(self, t: Tensor, items: list[Value], e: cst.CSTNode) -> Value:
        out, events = ops.index(t, items)
        label = _index_label(items)
        return self.record("index", e, [t], out, label=label, events=events, source=t)


# ---- small helpers ----------------------------------------------------------------------------


def _size_int(d: Expr | None, role: str | None) -> Int:
    return Int(d, role=role)


def _with_node(v: Value, nid: int) -> Value:
    """The value as produced by node ``nid`` (inner values of a tuple keep their own node)."""
    if isinstance(v, Seq):
        return replace(v, items=tuple(_with_node(i, nid) if i.node is None else i
                                      for i in v.items), node=nid)
    if isinstance(v, Tensor | Packed):
        return replace(v, node=nid)
    return v


def _tensors_in(args: Sequence[Value]) -> list[Tensor | Packed]:
    out: list[Tensor | Packed] = []
    for a in args:
        if isinstance(a, Tensor | Packed):
            out.append(a)
        elif isinstance(a, Seq) and a.repeated is None:
            out.extend(_tensors_in(a.items))
    return out


_INPLACE_LAYOUT = frozenset({"transpose_", "t_", "unsqueeze_", "squeeze_", "swapaxes_",
                             "swapdims_", "resize_", "resize_as_", "as_strided_"})

_STR_METHODS: dict[str, Callable[[str], str]] = {"lower": str.lower, "upper": str.upper, "strip": str.strip,
                "capitalize": str.capitalize, "title": str.title, "casefold": str.casefold}


def _str_method(text: str, name: str, args: list[Value]) -> Value:
    if name in _STR_METHODS and not args:
        return Const(_STR_METHODS[name](text))
    if name in ("startswith", "endswith") and len(args) == 1 and isinstance(args[0], Const) \
            and isinstance(args[0].value, str):
        return Const(getattr(text, name)(args[0].value))
    return UNKNOWN


def _undo_layout(step: str, val: Any, dims: list[Expr | None], roles: list[str | None] | None
                 ) -> tuple[list[Expr | None], list[str | None] | None] | None:
    """The input's axes before a layout op, from the axes after it (None: cannot tell)."""
    n = len(dims)
    rl = list(roles) if roles is not None else None
    if step == "transpose":
        a, b = (v if v >= 0 else v + n for v in val)
        if not (0 <= a < n and 0 <= b < n):
            return None
        dims = list(dims)
        dims[a], dims[b] = dims[b], dims[a]
        if rl is not None:
            rl[a], rl[b] = rl[b], rl[a]
        return dims, rl
    if step == "permute":
        order = [v if v >= 0 else v + n for v in val]
        if sorted(order) != list(range(n)):
            return None
        before: list[Expr | None] = [None] * n
        before_roles: list[str | None] = [None] * n
        for i, src in enumerate(order):
            before[src] = dims[i]
            if rl is not None:
                before_roles[src] = rl[i]
        return before, (before_roles if rl is not None else None)
    if step == "unsqueeze":
        d = val if val >= 0 else val + n
        if not 0 <= d < n:
            return None
        return dims[:d] + dims[d + 1:], (rl[:d] + rl[d + 1:] if rl is not None else None)
    if step == "squeeze":
        d = val if val >= 0 else val + n + 1
        if not 0 <= d <= n:
            return None
        return dims[:d] + [const(1)] + dims[d:], (rl[:d] + [None] + rl[d:] if rl is not None
                                                   else None)
    return None


def _record_fields(c: ClassInfo) -> list[tuple[str, cst.BaseExpression | None]] | None:
    """The fields of a dataclass or NamedTuple, in order, with their default expressions."""
    deco = [dotted(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator)
            for d in c.node.decorators]
    is_dc = any(d is not None and d.rsplit(".", 1)[-1] == "dataclass" for d in deco)
    is_nt = any(b.rsplit(".", 1)[-1] == "NamedTuple" for b in c.bases)
    if not (is_dc or is_nt) or not isinstance(c.node.body, cst.IndentedBlock):
        return None
    out: list[tuple[str, cst.BaseExpression | None]] = []
    for stmt in c.node.body.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    ann = dotted(small.annotation.annotation) or ""
                    if ann.rsplit(".", 1)[-1] == "ClassVar":
                        continue
                    default = small.value
                    if isinstance(default, cst.Call) and (dotted(default.func) or "").rsplit(
                            ".", 1)[-1] == "field":
                        default = next((a.value for a in default.args if a.keyword is not None
                                        and a.keyword.value == "default"), None)
                    out.append((small.target.value, default))
    return out


def _class_level_value(c: ClassInfo, name: str) -> cst.BaseExpression | None:
    """The expression assigned to ``name`` in the class body (``_cell = nn.GRU``)."""
    body = c.node.body
    if not isinstance(body, cst.IndentedBlock):
        return None
    found = None
    for stmt in body.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and any(
                        isinstance(t.target, cst.Name) and t.target.value == name
                        for t in small.targets):
                    found = small.value
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) \
                        and small.target.value == name and small.value is not None:
                    found = small.value
    return found


def _is_none(v: Value) -> bool:
    return isinstance(v, Const) and v.value is None


def _uniq(vs: list[Value]) -> list[Value]:
    out: list[Value] = []
    for v in vs:
        if not any(v is o for o in out):
            out.append(v)
    return out


def _as_int_expr(v: Value) -> Expr | None:
    if isinstance(v, Flag):
        return cond(v.name, 0 if v.negated else 1, 1 if v.negated else 0)
    return int_of(v)


def truth(v: Value) -> bool | Flag | None:
    if isinstance(v, Const):
        if isinstance(v.value, bool | int | float | str) or v.value is None:
            return bool(v.value)
        return None
    if isinstance(v, Flag):
        return v
    if isinstance(v, Int):
        if v.expr is not None and v.expr.as_int() is not None:
            return bool(v.expr.as_int())
        p = getattr(v, "param", None)
        if p is not None:
            return Flag(p)
        return None
    if isinstance(v, L.Layer | Obj):
        return True
    if isinstance(v, Seq) and v.repeated is None:
        return bool(v.items)
    if isinstance(v, Record):
        return True
    return None


def _boolish(v: Value) -> bool:
    return isinstance(v, Flag) or (isinstance(v, Const) and isinstance(v.value, bool))


def _truth_value(t: bool | Flag | None) -> Value:
    if isinstance(t, bool):
        return Const(t)
    if isinstance(t, Flag):
        return t
    return UNKNOWN


def _join_dicts(a: dict[str, Value], b: dict[str, Value], flag: Flag | None) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for k in set(a) | set(b):
        if k in a and k in b:
            out[k] = join(a[k], b[k], flag)
        else:  # set on one branch only: keep layers and modules, forget the rest
            one = a.get(k, b.get(k))
            out[k] = one if isinstance(one, L.Layer | Obj) else UNKNOWN
    return out


def _seq_len(v: Seq) -> Expr | None:
    return const(len(v.items)) if v.repeated is None else v.length


def _seq_elems(v: Seq) -> list[Value]:
    return list(v.items) if v.repeated is None else [v.repeated]


def _join_loop(before: dict[str, Value], start: dict[str, Value], after: dict[str, Value],
               count: Expr | None) -> dict[str, Value]:
    """State after a loop: ``before`` it, and one iteration from ``start`` to ``after``."""
    out: dict[str, Value] = {}
    for k in set(before) | set(after):
        if k not in before:
            out[k] = after[k]
            continue
        if k not in after:
            out[k] = before[k]
            continue
        b, s, a = before[k], start.get(k, before[k]), after[k]
        if isinstance(b, Seq) and isinstance(s, Seq) and isinstance(a, Seq) and b.is_list:
            la, ls, lb = _seq_len(a), _seq_len(s), _seq_len(b)
            per = (la - ls) if la is not None and ls is not None else None
            elems = _seq_elems(b) + _seq_elems(a)
            if elems:
                elem = elems[0]
                for x in elems[1:]:
                    elem = join(elem, x)
                length = None
                if per is not None and per.as_int() == 1 and count is not None and lb is not None:
                    length = lb + count
                elif per is not None and per.as_int() == 0:
                    out[k] = a if a == b else Seq((), True, elem, lb)
                    continue
                out[k] = Seq((), True, elem, length)
                continue
        out[k] = join(b, a)
    return out


def _index_label(items: list[Value]) -> str:
    parts = []
    for it in items:
        if isinstance(it, ops.SliceVal):
            lo = "" if _is_none(it.start) else _short(it.start)
            hi = "" if _is_none(it.stop) else _short(it.stop)
            parts.append(f"{lo}:{hi}")
        elif isinstance(it, Const) and it.value is Ellipsis:
            parts.append("...")
        elif isinstance(it, Const) and it.value is None:
            parts.append("None")
        else:
            parts.append(_short(it))
    return "[" + ", ".join(parts) + "]"


def _short(v: Value) -> str:
    if isinstance(v, Int) and v.expr is not None:
        return str(v.expr)
    if isinstance(v, Tensor):
        return "tensor"
    return "?"

