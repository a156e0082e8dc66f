"""Calls: call expressions and their arguments, calls into layers (``self.rnn(x)``), user modules,
functions and methods, ``torch.nn`` constructors, and the hand-off to :mod:`lstm_lint.torchfns`
for torch functions and tensor methods.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from .. import layers as L
from .. import ops
from ..extract import FileModel, canonical, dotted
from ..layers_apply import apply_layer
from ..layers_rnn import config_conflicts, config_constraints
from ..symbolic import const
from ..values import (
    UNKNOWN,
    Const,
    Distribution,
    Int,
    Packed,
    Record,
    Seq,
    Tensor,
    Value,
    int_of,
)
from .builtins import CHOSEN_NN_CLASS, CHOSEN_RNN_CLASS, tensor_rows
from .caller_stores import after_returns
from .config import CONFIG_NAME, config_call
from .core import MAX_DEPTH, Core, with_node
from .joins import join
from .number_calls import MATH_FUNCTIONS, math_call, product
from .objects import (
    LIST_ITEMS,
    OPEN_KWARGS,
    SPLAT,
    TORCH_LAYER,
    Builtin,
    ClassRef,
    Env,
    FuncRef,
    Instantiation,
    Method,
    Modules,
    Obj,
    RangeVal,
    Ref,
    SplatKwargs,
    TorchBase,
)
from .record_stores import copied, copied_caller_value, share_stores
from .regex import re_call
from .rpc import rpc_call


class Calls(Core):
    """Calls: of layers, user modules, functions and methods, torch."""

    def call_expr(self, e: cst.Call, env: Env) -> Value:
        func = self.eval(e.func, env)
        args: list[Value] = []
        kwargs: dict[str, Value] = {}
        start = len(self.record_stores)
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
                elif isinstance(v, SplatKwargs):
                    kwargs.update(v.known)  # the named keywords, and an unknown rest
                    kwargs[SPLAT] = UNKNOWN
                elif v is OPEN_KWARGS:
                    kwargs[SPLAT] = v  # the analysed class's own **kwargs, handed on whole
                else:
                    kwargs[SPLAT] = UNKNOWN  # unknown keywords: defaults cannot be trusted
            elif a.keyword is not None:
                kwargs[a.keyword.value] = v
            else:
                args.append(v)
        if len(self.record_stores) > start:
            # ``build(args, finalize(args))``: a later argument's call stored into an
            # object an earlier argument holds
            vals = [*args, *kwargs.values()]
            share_stores(self.selves, self.record_stores[start:], env, vals)
            args, kwargs = vals[:len(args)], dict(zip(kwargs, vals[len(args):], strict=True))
        if isinstance(e.func, cst.Attribute) and e.func.attr.value == "__setattr__" \
                and isinstance(e.func.value, cst.Name) and e.func.value.value == "object":
            func = Builtin("setattr")  # ``object.__setattr__(args, "k", v)`` is setattr
        mark = len(self.record_stores)
        out = self.call(func, args, kwargs, e, env)
        if len(self.record_stores) > mark:
            # ``finalize(args)`` that sets ``args.layers = 2``: a configuration object is
            # shared, so every name and attribute here that holds it sees the store
            share_stores(self.selves, self.record_stores[mark:], env)
        return out

    def _opaque_call(self, func: Value, e: cst.Call, args: Sequence[Value]) -> Value:
        if isinstance(func, L.Layer | Obj | Modules):
            return self.record("call", e, args, Tensor(None), label=func.describe())
        return UNKNOWN

    def call(self, func: Value, args: list[Value], kwargs: dict[str, Value], e: cst.Call,
             env: Env) -> Value:
        if isinstance(func, L.Layer):
            return self.apply_layer(func, args, e, kwargs)
        if isinstance(func, Obj):
            return self.call_module(func, args, kwargs, e)
        if isinstance(func, Modules):
            outs = [self.call_module(o, list(args), dict(kwargs), e) for o in func.options]
            out = outs[0]
            for o in outs[1:]:
                out = join(out, o, func.flag if len(outs) == 2 else None)
            return out
        if isinstance(func, ClassRef):
            if func.cls.is_module:
                self.instantiations.append(Instantiation(func.cls, func.fm, list(args),
                                                         dict(kwargs), e, self.fm))
                obj = self.instantiate(func.cls, func.fm, args, kwargs, "self")
                obj.built = (e, self.fm)
                return obj
            return self.instantiate_plain(func.cls, func.fm, args, kwargs)
        if isinstance(func, FuncRef):
            saved_ctx, saved_via = self.context, self.graph.via
            self.context = (*self.context, self.graph.key(self.context, e))
            bound = func.bound
            if isinstance(bound, Obj) and not any(bound is s for s in self.selves):
                # another object's method (a script's model.init_hidden(4), a parent's
                # self.encoder.init_state(x)): what it builds is found in that context
                callee = dotted(e.func) or f"{bound.cls.name}.{func.fn.name.value}"
                self.graph.via = (*saved_via, f"{callee} ({bound.cls.name})")
            try:
                return self.call_function(func.fn, func.fm, args, kwargs, bound=func.bound,
                                          closure=func.closure)
            finally:
                self.context, self.graph.via = saved_ctx, saved_via
        if isinstance(func, Ref):
            local = self.resolve_ref(func.qual)
            if local is not None:
                return self.call(local, args, kwargs, e, env)
            remote = rpc_call(self, canonical(func.qual), args, kwargs, e, env)
            if remote is not None:
                return remote
            matched = re_call(func.qual, args, kwargs)
            if matched is not None:
                return matched
            return self.call_ref(func.qual, args, kwargs, e)
        if isinstance(func, TorchBase):
            if func.kind == "ModuleList":
                # class Elementwise(nn.ModuleList): super().__init__(modules) keeps them
                items = args[0] if args else kwargs.get("modules", Seq((), True))
                if not kwargs or "modules" in kwargs and len(kwargs) == 1:
                    func.obj.attrs[LIST_ITEMS] = Seq(items.items, True, items.repeated,
                                                     items.length) \
                        if isinstance(items, Seq) else UNKNOWN
                return Const(None)
            if func.method == "__init__":
                layer = L.Layer(func.kind, L.bind_arguments(func.kind, args, kwargs), e,
                                func.obj.label)
                nid = self.graph.op(self.context, e, "build", func.kind, self.fm, layer=layer)
                layer.node = nid
                self._config_facts(layer, nid)
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

    def resolve_ref(self, qual: str) -> Value | None:
        """A module class or a factory function of another project file, if it is one.

        The project index decides from its cheap summaries: only a class that may be a module
        or a function that may build one is parsed (see :meth:`Project.lookup`).
        """
        if self.project is None or qual.startswith(("torch.", "numpy.", "typing.")):
            return None
        if qual in self.fm.classes:
            return ClassRef(self.fm.classes[qual], self.fm)
        found = self.project.lookup(qual, self.fm, modules_only=True)
        if found is None and (not self.selves or CONFIG_NAME.search(qual.rsplit(".", 1)[-1])):
            # a plain class that carries configuration (Config(), HParams()): worth reading
            # where a model is built (script code) or when its name says so
            found = self.project.lookup(qual, self.fm, kinds=("class",))
        if found is None:
            return None
        kind, obj, f = found
        return ClassRef(obj, f) if kind == "class" else FuncRef(obj, f)

    def call_function(self, fn: cst.FunctionDef, fm: FileModel, args: Sequence[Value],
                      kwargs: dict[str, Value], bound: Value | None = None,
                      closure: dict[str, Value] | None = None) -> Value:
        if self.depth >= MAX_DEPTH:
            return UNKNOWN
        # a nested function sees the enclosing function's variables (its own parameters and
        # locals shadow them)
        env = Env(dict(closure) if closure else {})
        params = list(fn.params.params)
        if bound is not None and _is_static(fn):
            bound = None  # self._helper(x, rnn) of a @staticmethod: x is its first parameter
        if bound is not None and params:
            env.vars[params[0].name.value] = bound
            params = params[1:]
        splat = SPLAT in kwargs  # **something unknown: any parameter may have been set
        open_ = kwargs.get(SPLAT) is OPEN_KWARGS
        bound_names: set[str] = set()
        for i, p in enumerate(params):
            name = p.name.value
            bound_names.add(name)
            given = args[i] if i < len(args) else kwargs.get(name)
            if given is not None:
                env.vars[name] = given
                if isinstance(given, Int):  # init_hidden(self, batch_size): the code's name
                    self.name_size(name, given, p.name)
            elif open_:
                env.vars[name] = self.open_param(fm, name, p.default)
            elif p.default is not None and not splat:
                env.vars[name] = self.eval(p.default, Env({}))
            else:
                env.vars[name] = UNKNOWN
        for p in fn.params.kwonly_params:
            name = p.name.value
            bound_names.add(name)
            if name in kwargs:
                env.vars[name] = kwargs[name]
            elif open_:
                env.vars[name] = self.open_param(fm, name, p.default)
            elif p.default is not None and not splat:
                env.vars[name] = self.eval(p.default, Env({}))
            else:
                env.vars[name] = UNKNOWN
        if type(fn.params.star_arg) is cst.Param:
            env.vars[fn.params.star_arg.name.value] = Seq(tuple(args[len(params):]))
        if fn.params.star_kwarg is not None:
            rest = {k: v for k, v in kwargs.items() if k not in bound_names}
            env.vars[fn.params.star_kwarg.name.value] = OPEN_KWARGS if open_ else \
                SplatKwargs(tuple((k, v) for k, v in rest.items() if k != SPLAT)) if splat \
                else Record(tuple(rest.items()))
        saved_fm, saved_selves = self.fm, self.selves
        self.fm = fm
        if isinstance(bound, Obj):
            self.selves = [*self.selves, bound]
        elif params and isinstance(env.vars.get(params[0].name.value), Obj):
            bound = env.vars[params[0].name.value]  # Base.__init__(self, ...): self is bound
        self.depth += 1
        self.frames.append((fn, bound))
        facts = self.path_facts  # what the function's own branches learn stays in it
        self.returned_stores.append([])
        try:
            self.exec_block(fn.body, env)
        finally:
            self.path_facts = facts
            self.frames.pop()
            self.depth -= 1
            self.fm, self.selves = saved_fm, saved_selves
            # stores into a caller's value: those of every path that returned, too
            self.stored_items = after_returns(self.stored_items, self.returned_stores.pop(),
                                              env.dead)
        self.last_raised = env.dead and not env.returns and not env.broke
        self.last_call_depth = self.depth
        if not env.returns:
            # a function that raised on every path gave no value at all (not None)
            return UNKNOWN if self.last_raised else Const(None)
        result = env.returns[0]
        for r in env.returns[1:]:
            result = join(result, r)
        return result

    def apply_layer(self, layer: L.Layer, args: list[Value], e: cst.CSTNode,
                    kwargs: dict[str, Value] | None = None) -> Value:
        kwargs = kwargs or {}
        if layer.kind in L.RECURRENT and not args and "input" in kwargs:
            args = [kwargs["input"]]  # self.rnn(input=x, hx=h0)
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
            out = apply_layer(self, layer, args, self.call_child)
        finally:
            self.current = saved
        for v in _tensors_in(args):
            if v.node is not None:
                self.graph.edge(v.node, nid, v)
        first = args[0] if args else None
        if isinstance(first, Tensor | Packed) and first.node is not None and first.node != nid:
            # which of the edges in is the data the layer reads (not a state, not a key)
            self.graph.g.nodes[nid].setdefault("data_in", set()).add(first.node)
        out = with_node(out, nid)
        self.graph.set_value(nid, out)
        return out

    def call_child(self, child: Value, args: Sequence[Value]) -> Value:
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
        saved_at = self.graph.via_at
        self.context = (*self.context, self.graph.key(self.context, e))
        if isinstance(e, cst.Call) and not any(obj is s for s in self.selves):
            # (``self(x)`` in the model's own method runs its forward: no other module)
            callee = dotted(e.func) or obj.cls.name
            self.graph.via = (*saved_via, f"{callee} ({obj.cls.name})")
            self.graph.via_at = (*saved_at, (e, self.fm, obj.built))
        try:
            out = self.run_forward(obj, args, kwargs)
        finally:
            self.context, self.graph.via = saved, saved_via
            self.graph.via_at = saved_at
        return self.record("module", e, args, out, label=obj.label, cls=obj.cls.name)

    def _config_facts(self, layer: L.Layer, nid: int) -> None:
        """What the layer's constructor alone says: conflicts (dropout with one layer) on its
        build node, and what the caller's sizes must satisfy as constraints."""
        for c in config_conflicts(layer):
            self.graph.add_conflict(nid, c)
        for lhs, op, rhs, why in config_constraints(layer):
            self.graph.add_constraint(lhs, rhs, why, nid, op=op)

    def _known_items(self, v: Value, e: cst.Call) -> list[Value] | None:
        """What iterating ``v`` gives, item by item, when their number is known and small (a
        list of known items, or a tensor's rows, or a list of one item repeated)."""
        if isinstance(v, Tensor):
            rows = tensor_rows(self, v, e)
            if rows is None:
                return None
            v = rows
        if not isinstance(v, Seq):
            return None
        if v.repeated is None:
            return list(v.items)
        n = v.length.as_int() if v.length is not None else None
        if n is None or not 0 <= n <= 16 or v.tail is not None:
            return None
        return [v.repeated] * n

    def call_ref(self, qual: str, args: list[Value], kwargs: dict[str, Value],
                 e: cst.Call) -> Value:
        qual = canonical(qual)
        head, _, name = qual.rpartition(".")
        if qual in ("copy.deepcopy", "copy.copy") and len(args) == 1 and not kwargs \
                and _plain_copy(args[0]):
            return args[0]  # a copy of a layer or a tensor is built and shaped alike
        if qual in ("copy.deepcopy", "copy.copy") and len(args) == 1 and not kwargs:
            made = copied(args[0], deep=qual == "copy.deepcopy")
            if made is None:
                made = copied_caller_value(args[0])
            if made is not None:
                return made  # a new dict or list: a store into it leaves the original
        if qual in ("typing.cast", "typing_extensions.cast") and len(args) == 2 and not kwargs:
            return args[1]  # cast(T, x) is x: a note for the type checker only
        if qual.startswith("math.") and name in MATH_FUNCTIONS and args and not kwargs:
            return math_call(name, args)
        if qual in ("numpy.prod", "math.prod") and len(args) == 1 and not kwargs:
            return product(args[0])
        if qual in ("torch.distributions.Normal", "torch.distributions.normal.Normal") \
                and len(args) + len(kwargs) == 2 and set(kwargs) <= {"loc", "scale",
                                                                      "validate_args"}:
            # Normal(mu, sigma): its batch shape is its parameters' broadcast shape
            loc_scale = list(args) + [kwargs[k] for k in ("loc", "scale") if k in kwargs]
            if len(loc_scale) == 2 and any(isinstance(p, Tensor) for p in loc_scale):
                batch = ops.broadcast(loc_scale[0], loc_scale[1])
                if isinstance(batch, Tensor) and batch.shape is not None:
                    return Distribution("Normal", batch.with_(hole=None, what=None))
            return UNKNOWN
        if qual == "itertools.count" and len(args) <= 1 and not kwargs:
            # count() / count(start): endless, zip stops at the other iterables
            first = int_of(args[0]) if args else const(0)
            return RangeVal(None, start=first, endless=True)
        if qual == "itertools.chain.from_iterable" and len(args) == 1 and not kwargs \
                and isinstance(args[0], Seq) and args[0].repeated is None:
            # the iterables one after another: known when each one's items are
            items: list[Value] = []
            for part in args[0].items:
                got = self._known_items(part, e)
                if got is None:
                    return UNKNOWN
                items.extend(got)
            return Seq(tuple(items), False)
        if qual == "torch.nn.utils.skip_init" and args:
            # skip_init(nn.Embedding, num_embeddings=...) builds the module as its class would
            # (only the parameters are left uninitialised)
            return self.call(args[0], list(args[1:]), dict(kwargs), e, Env({}))
        if qual in ("torch.nn.Embedding.from_pretrained", "nn.Embedding.from_pretrained"):
            return self.embedding_from_pretrained(args, kwargs, e)
        if head in ("torch.nn", "nn"):
            if name in ("ModuleList", "ModuleDict", "ParameterList"):
                v = args[0] if args else kwargs.get("modules", Seq((), True))
                if isinstance(v, Seq):
                    return Seq(v.items, True, v.repeated, v.length, head=v.head, tail=v.tail)
                return v if name == "ModuleDict" else UNKNOWN
            if name == "Parameter":
                return args[0] if args else UNKNOWN
            if qual == CHOSEN_NN_CLASS:
                kind = L.chosen_rnn_kind(args, kwargs)
                if kind is None:
                    return UNKNOWN
                name = kind
            elif qual == CHOSEN_RNN_CLASS:
                kind = L.chosen_rnn_kind(args, kwargs)
                if kind is None and len(args) > 3:
                    return UNKNOWN
                name = kind or L.ANY_RNN
            params = L.bind_arguments(name, args, kwargs)
            layer = L.Layer(name, params, e)
            if name == "Sequential":
                layer.children = list(args)
            nid = self.graph.op(self.context, e, "build", name, self.fm, layer=layer)
            layer.node = nid
            self._config_facts(layer, nid)
            return layer
        if qual.startswith("torch.nn.init."):
            return args[0] if args else UNKNOWN
        made = config_call(qual, args, kwargs)
        if made is not None:
            return made
        if head == "numpy":
            from .. import numpy_arrays

            return numpy_arrays.call(self, name, args, kwargs, e)
        from .. import torchfns

        return torchfns.call(self, qual, args, kwargs, e)

def _tensors_in(args: Sequence[Value]) -> list[Tensor | Packed]:
    out: list[Tensor | Packed] = []
    for a in args:
        if isinstance(a, Tensor | Packed):
            out.append(a)
        elif isinstance(a, Seq) and a.repeated is None:
            out.extend(_tensors_in(a.items))
    return out


def _plain_copy(v: Value) -> bool:
    """A value whose copy the engine can stand for by the value itself: torch layers
    (their configuration), tensors and constants; never a user object, whose copy could be
    changed apart from it."""
    if isinstance(v, L.Layer):
        return all(_plain_copy(c) for c in v.children)
    if isinstance(v, Seq):
        return v.repeated is None and all(_plain_copy(x) for x in v.items)
    if isinstance(v, Int) and v.param:
        return False  # a caller's value (an object, maybe): its copy is a new one
    return isinstance(v, Tensor | Const | Int)


def _is_static(fn: cst.FunctionDef) -> bool:
    return any(isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod"
               for d in fn.decorators)
