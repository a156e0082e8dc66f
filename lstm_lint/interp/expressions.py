"""Expressions: names and globals, literals, attributes, subscripts and indexing,
conditional and boolean expressions, comprehensions, ``x.shape`` / ``x.size()``.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from functools import lru_cache

import libcst as cst

from .. import layers as L
from .. import ops
from ..extract import canonical
from ..symbolic import Expr, const, sym
from ..values import (
    UNKNOWN,
    Const,
    Distribution,
    Flag,
    Int,
    Mapping,
    Packed,
    Record,
    Seq,
    Shape,
    Tensor,
    Value,
    int_of,
)
from .comprehensions import Comprehensions
from .core import Budget
from .joins import boolish, is_none, join, truth
from .objects import (
    BUILTINS,
    MODULE_SELF,
    TORCH_LAYER,
    ArgParser,
    Builtin,
    ClassRef,
    Env,
    FuncRef,
    Method,
    Obj,
    Ref,
    SuperVal,
    TorchBase,
)
from .record_stores import share_stores
from .regex import Match
from .rpc import RemoteRef

_NAME, _ATTRIBUTE, _CALL = cst.Name, cst.Attribute, cst.Call


class Expressions(Comprehensions):
    """Evaluates expressions to abstract values."""

    def eval(self, e: cst.BaseExpression, env: Env) -> Value:
        self.steps += 1  # (Core.tick, inline: the interpreter's most frequent call)
        if self.steps > self.max_steps:
            raise Budget()
        try:
            return self._eval(e, env)
        except Budget:
            raise
        except RecursionError:
            raise
        except (ZeroDivisionError, OverflowError, ValueError):
            return UNKNOWN

    def _eval(self, e: cst.BaseExpression, env: Env) -> Value:
        # the node's exact class, compared by identity: every class below is a leaf of libcst's
        # hierarchy, and isinstance() against libcst's classes (ABCs) costs ten times more;
        # the most frequent first (names, attributes, calls: four in five expressions)
        t = type(e)
        if t is _NAME:
            v = env.vars.get(e.value)  # type: ignore[attr-defined]
            return v if v is not None else self.lookup(e.value, env)  # type: ignore[attr-defined]
        if t is _ATTRIBUTE:
            return self.attribute(self.eval(e.value, env), e.attr.value, e)  # type: ignore
        if t is _CALL:
            return self.call_expr(e, env)  # type: ignore[arg-type]
        if type(e) is cst.Integer:
            try:
                return Int(const(int(e.value.replace("_", ""), 0)))
            except ValueError:
                return UNKNOWN
        if type(e) is cst.Float:
            try:
                return Const(float(e.value.replace("_", "")))
            except ValueError:
                return UNKNOWN
        if type(e) is cst.Imaginary:
            return UNKNOWN
        if type(e) is cst.SimpleString:
            return _string(e.value)
        if type(e) is cst.ConcatenatedString or type(e) is cst.FormattedString:
            return Const("")
        if type(e) is cst.Ellipsis:
            return Const(Ellipsis)
        if type(e) is cst.Subscript:
            return self.subscript(e, env)
        if type(e) is cst.BinaryOperation:
            a = self.eval(e.left, env)
            b = self.eval(e.right, env)
            return self.binop(type(e.operator).__name__, a, b, e)
        if type(e) is cst.UnaryOperation:
            v = self.eval(e.expression, env)
            op = type(e.operator).__name__
            if op == "Minus":
                if isinstance(v, Int):
                    return Int(None if v.expr is None else -v.expr)
                if isinstance(v, Const) and type(v.value) in (int, float):
                    return Const(-v.value)  # -0.5: a number still (q * d ** -0.5 keeps q)
                return v if isinstance(v, Tensor) else UNKNOWN
            if op == "Not":
                tv = truth(v)
                if isinstance(tv, bool):
                    return Const(not tv)
                if isinstance(tv, Flag):
                    return Flag(tv.name, not tv.negated)
                return UNKNOWN
            return v
        if type(e) is cst.Tuple or type(e) is cst.List:
            items: list[Value] = []
            for el in e.elements:
                if type(el) is cst.StarredElement:
                    v = self.eval(el.value, env)
                    if isinstance(v, Seq) and v.repeated is None:
                        items.extend(v.items)
                        continue
                    return Seq((), isinstance(e, cst.List), UNKNOWN, None)
                items.append(self.eval(el.value, env))
            return Seq(tuple(items), isinstance(e, cst.List))
        if type(e) is cst.IfExp:
            c = self.condition(e.test, env)
            if c is True:
                return self.eval(e.body, env)
            if c is False:
                return self.eval(e.orelse, env)
            if isinstance(c, Flag):
                with ops.assuming(c.name, not c.negated):
                    body = self.eval(e.body, env)
                with ops.assuming(c.name, c.negated):
                    orelse = self.eval(e.orelse, env)
                return join(body, orelse, c)
            return join(self.eval(e.body, env), self.eval(e.orelse, env), None)
        if type(e) is cst.Comparison:
            return self.compare(e, env)
        if type(e) is cst.BooleanOperation:
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
            if not (boolish(lv) and boolish(rv)):
                return UNKNOWN
            rt = truth(rv)
            if is_and:
                return Const(False) if rt is False else (lv if rt is True else UNKNOWN)
            return Const(True) if rt is True else (lv if rt is False else UNKNOWN)
        if type(e) is cst.Dict:
            return self.dict_literal(e, env)
        if type(e) is cst.ListComp or type(e) is cst.GeneratorExp:
            mark = len(self.record_stores)
            out = self.comprehension(e, env)
            if len(self.record_stores) > mark:  # ``[finalize(a) for a in (args,)]``
                share_stores(self.selves, self.record_stores[mark:], env)
            return out
        if type(e) is cst.DictComp:
            return self.dict_comprehension(e, env)
        if type(e) is cst.NamedExpr:
            v = self.eval(e.value, env)
            self.assign(e.target, v, env)
            return v
        return UNKNOWN

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
        if name in fm.imports and name in fm.constants:
            pass  # imported, and bound again at the top level (``W = torch.ones(W, 1)``, or
            #      an ``except ImportError:`` fallback): which binding a call sees is not known
        elif name in fm.imports:
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
        if isinstance(base, ArgParser | RemoteRef | Match):
            return Method(base, attr)
        if isinstance(base, Distribution):
            if attr in ("mean", "stddev", "variance", "loc", "scale", "mode"):
                return base.batch
            if attr in ("sample", "rsample", "log_prob", "cdf", "icdf", "entropy"):
                return Method(base, attr)
            return UNKNOWN
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
                if _is_property(found.fn):
                    # a @property: reading it runs it
                    return self.call_function(found.fn, found.fm, [], {}, bound=base)
                return replace(found, bound=base)
            if found is None and attr in MODULE_SELF and base.cls.is_module:
                return Method(base, attr)
            return found if found is not None else UNKNOWN
        if isinstance(base, SuperVal):
            found = self.class_attribute(base.obj.cls, base.obj.fm, attr, after=base.owner)
            if isinstance(found, FuncRef):
                return replace(found, bound=base.obj)
            if found is None and attr in ("__init__", "forward"):
                kind = self.torch_base(base.obj.cls, base.obj.fm)
                if kind is not None:  # the torch layer the class extends
                    return TorchBase(base.obj, kind, attr)
                if attr == "__init__" and any(
                        canonical(b) == "torch.nn.ModuleList"
                        for c, _f in self.mro(base.obj.cls, base.obj.fm) for b in c.bases):
                    return TorchBase(base.obj, "ModuleList", attr)
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
            if base.kind in ("Conv1d", "Conv2d") and attr in _CONV_PAIRS:
                # torch keeps these as tuples, one per spatial axis, whatever was passed
                n = int(base.kind[-2])
                v = base.p(attr)
                if isinstance(v, Seq) and v.repeated is None and len(v.items) == n:
                    return v
                if isinstance(v, Int) or isinstance(v, Const) and isinstance(v.value, int) \
                        and not isinstance(v.value, bool):
                    return Seq(tuple(v for _ in range(n)))
                return UNKNOWN
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
            if attr in MODULE_SELF:
                return Method(base, attr)
            if attr == "from_pretrained" and base.kind == "Embedding":
                return Ref("torch.nn.Embedding.from_pretrained")  # a classmethod
            if base.kind in ("Sequential", "ModuleList", "ModuleDict") and attr in (
                    "add_module", "append", "extend", "insert", "register_module", "update",
                    "pop"):
                return Method(base, attr)
            return UNKNOWN
        if isinstance(base, Int) and base.param:
            name = f"{base.param}.{attr}"
            return Int(sym(name), param=name)
        if isinstance(base, Seq):
            if attr in ("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse"):
                return Method(base, attr)
            if attr in ("values", "indices") and base.repeated is None and len(base.items) == 2:
                return base.items[0 if attr == "values" else 1]
            return UNKNOWN
        if isinstance(base, Int | Const | Flag) and attr in ("item", "__int__"):
            return Method(base, attr)
        if isinstance(base, Const) and isinstance(base.value, str):
            return Method(base, attr)
        if base is UNKNOWN and attr in ("new_zeros", "new_ones", "new_empty", "new_full",
                                        "permute"):
            return Method(base, attr)  # only tensors have these: the sizes given are known
        return UNKNOWN

    def size_of(self, t: Tensor, dim: Value | None) -> Value:
        if t.shape is None and dim is not None:
            k = int_of(dim)
            kc = k.as_int() if k is not None else None
            if kc is not None and (held := self.hole_axis(t, kc)) is not None:
                return held
        if t.shape is None or t.shape.star:
            if dim is not None and t.shape is not None and int_of(dim) is not None:
                d = int_of(dim)
                assert d is not None
                dc = d.as_int()
                if dc is not None and dc < 0 and -dc <= len(t.shape.dims):
                    return _size_int(t.shape.dims[dc], t.role(dc) if t.roles else None)
            if dim is None and t.shape is None and t.hole is not None and not t.hole[1]:
                return Seq((), False, Int(None), None, sizes_of=t)
            return Int(None) if dim is not None else Seq((), False, Int(None), None)
        dims = t.shape.dims
        roles = t.roles or (None,) * len(dims)
        if dim is None:
            return Seq(tuple(_size_int(d, r) for d, r in zip(dims, roles, strict=True)),
                       torch_size=True)
        i = int_of(dim)
        ic = i.as_int() if i is not None else None
        if ic is None or not -len(dims) <= ic < len(dims):
            return Int(None)
        return _size_int(dims[ic], roles[ic])

    def subscript_item(self, s: cst.BaseSlice, env: Env) -> Value:
        """One item of a subscript: a slice (its bounds evaluated) or an index's value."""
        if type(s) is cst.Slice:
            return ops.SliceVal(
                self.eval(s.lower, env) if s.lower is not None else Const(None),
                self.eval(s.upper, env) if s.upper is not None else Const(None),
                self.eval(s.step, env) if s.step is not None else Const(None),
            )
        return self.eval(s.value, env) if isinstance(s, cst.Index) else UNKNOWN

    def subscript(self, e: cst.Subscript, env: Env) -> Value:
        if type(e.value) is cst.Attribute and e.value.attr.value == "shape" \
                and len(e.slice) == 1 and isinstance(e.slice[0].slice, cst.Index):
            # x.shape[k] of an input nothing has solved yet: as x.size(k)
            owner = self.eval(e.value.value, env)
            if isinstance(owner, Tensor) and owner.shape is None:
                k = int_of(self.eval(e.slice[0].slice.value, env))
                kc = k.as_int() if k is not None else None
                if kc is not None and (held := self.hole_axis(owner, kc)) is not None:
                    return held
            base = self.attribute(owner, "shape", e.value)
        else:
            base = self.eval(e.value, env)
        items = [self.subscript_item(el.slice, env) for el in e.slice]
        if isinstance(base, Tensor) and base.hole is not None and base.shape is None \
                and not base.hole[1] and len(items) == 1 and isinstance(items[0], Const) \
                and isinstance(items[0].value, str):
            # a dict batch: each key is an input of its own, solved from its consumers
            return Tensor(None, hole=(f"{base.hole[0]}[{items[0].value!r}]", ()))
        if isinstance(base, Tensor) and base.hole is not None and base.shape is None \
                and len(items) == 1:
            part = self.hole_index(base, items[0])
            if part is not None:
                return part
        if isinstance(base, Tensor) and base.hole is not None and base.shape is None \
                and len(items) > 1:
            cut = hole_cuts(base, items)
            if cut is not None:
                return cut
        if isinstance(base, Tensor):
            return self.index_value(base, items, e)
        if isinstance(base, Seq) and base.sizes_of is not None and len(items) == 1 \
                and isinstance(items[0], Int | Const):
            # ``x.size()[k]`` of an input nothing has solved yet: as ``x.size(k)``
            k = int_of(items[0])
            kc = k.as_int() if k is not None else None
            if kc is not None and (held := self.hole_axis(base.sizes_of, kc)) is not None:
                return held
        if isinstance(base, Seq):
            if len(items) == 1:
                i = int_of(items[0])
                ic = i.as_int() if i is not None else None
                if base.repeated is not None:
                    if isinstance(items[0], ops.SliceVal):
                        return Seq((), base.is_list, base.repeated, _slice_count(base.length,
                                                                                 items[0]))
                    return base.repeated
                if ic is not None and -len(base.items) <= ic < len(base.items):
                    return base.items[ic]
                if isinstance(items[0], Int) and ic is None and base.items:
                    # an index known only at run time: one of the elements
                    one = base.items[0]
                    for x in base.items[1:]:
                        one = join(one, x)
                    return one
                if isinstance(items[0], ops.SliceVal):
                    sv = items[0]
                    lo, hi = int_of(sv.start), int_of(sv.stop)
                    lo_c = 0 if is_none(sv.start) else (lo.as_int() if lo is not None else None)
                    hi_c = len(base.items) if is_none(sv.stop) else (
                        hi.as_int() if hi is not None else None)
                    if lo_c is not None and hi_c is not None and is_none(sv.step):
                        return Seq(base.items[lo_c:hi_c], base.is_list)
            return UNKNOWN
        if isinstance(base, Record) and len(items) == 1 and isinstance(items[0], Const) \
                and isinstance(items[0].value, str):
            got = base.get(items[0].value)
            return got if got is not None else UNKNOWN
        if isinstance(base, Mapping) and len(items) == 1 \
                and not isinstance(items[0], ops.SliceVal):
            return base.value  # any key it holds gives the one value (a missing one raises)
        if isinstance(base, Int) and base.param and len(items) == 1 \
                and isinstance(items[0], Const) and isinstance(items[0].value, str):
            name = f"{base.param}.{items[0].value}"
            return Int(sym(name), param=name)
        if isinstance(base, Int) and base.param and base.expr == sym(base.param) \
                and len(items) == 1 and (item := _small_index(items[0])) is not None:
            # ``output_dim[0]``: an item of a caller's argument, a caller's value of its own
            # (the name ``a, b = output_dim`` gives it too)
            name = f"{base.param}[{item}]"
            return Int(sym(name), param=name)
        if isinstance(base, Int) and base.expr is None:
            return UNKNOWN
        return UNKNOWN

    def hole_index(self, x: Tensor, item: Value) -> Tensor | None:
        """``x[k]``, ``x[a:b]`` or ``x[idx]`` (a 1-d index tensor) of a forward input not solved.

        An argument no op has touched, read at a literal ``k >= 0``, may be a tuple: its part
        ``k`` is an input of its own (``hidden[0]``, see :meth:`Core.hole_part`).  Anything
        else indexed there is a tensor (a part of a tuple, a dict's value, or an input a
        layout op ran on): an integer takes one row of axis 0, a slice a piece of it, and the
        consumer that solves the result solves the input with axis 0 a free size (never the
        slice's length).  Other indices, or an argument read at ``-1`` or a run-time index
        (a tuple's last part or a tensor's row?), stay unknown, unless the code read the
        argument's sizes before (see :meth:`read_as_tensor`): then a row or a piece."""
        assert x.hole is not None
        if isinstance(item, Tensor) and item.shape is not None and not item.shape.star \
                and len(item.shape.dims) == 1 and item.dtype != "float":
            # ``x[perm]``, ``x[mask]`` by a 1-d index or mask: some rows of axis 0, as a slice
            return x.with_(hole=(x.hole[0], x.hole[1] + (("rows", None),)))
        whole = self.tuple_hole(x)
        is_int = isinstance(item, Int) or (isinstance(item, Const) and type(item.value) is int)
        if whole is not None:
            k = int_of(item) if is_int else None
            kc = k.as_int() if k is not None else None
            if kc is not None and kc >= 0 and kc < 64:
                return self.hole_part(whole, kc)
            if not self.read_as_tensor(whole):
                return None
        if is_int:
            return x.with_(hole=(x.hole[0], x.hole[1] + (("row", None),)))
        if isinstance(item, ops.SliceVal):
            return x.with_(hole=(x.hole[0], x.hole[1] + (("rows", None),)))
        return None

    def read_as_tensor(self, name: str) -> bool:
        """Whether the code has read a forward input's sizes (``x.size(1)``, ``x.shape[0]``,
        ``a, b, c = x.shape``): only a tensor has them, so it is no tuple (an index of it is
        a row, a slice a piece of its first axis)."""
        return name in self.unpacked or any(h == name for h, _k in self.hole_axes.values())

    def index_value(self, t: Tensor, items: list[Value], e: cst.CSTNode) -> Value:
        out, events = ops.index(t, items)
        label = _index_label(items)
        return self.record("index", e, [t], out, label=label, events=events, source=t)


_CONV_PAIRS = frozenset({"kernel_size", "stride", "padding", "dilation"})


def _is_property(fn: cst.FunctionDef) -> bool:
    return any(isinstance(d.decorator, cst.Name) and d.decorator.value == "property"
               for d in fn.decorators)


def hole_cuts(x: Tensor, items: list[Value]) -> Tensor | None:
    """``x[:, :, 0]``, ``x[..., :k]``, ``x[:, t:t + 1]`` of a forward input not solved yet.

    An index of several items is a tensor's (a tuple takes one index), so each item becomes a
    step the consumer that solves the result undoes: a slice cuts a piece of its axis (the
    input's length there is a free size, never the slice's), an integer takes one slice of
    it, ``None`` adds an axis, a full ``:`` keeps it.  Items after ``...`` count from the last
    axis.  Anything else (a tensor or a bool index, two ``...``) stays unknown."""
    assert x.hole is not None
    kinds: list[str] = []
    for it in items:
        if isinstance(it, Const) and it.value is Ellipsis:
            kinds.append("...")
        elif isinstance(it, Const) and it.value is None:
            kinds.append("new")
        elif isinstance(it, ops.SliceVal):
            full = is_none(it.start) and is_none(it.stop) and is_none(it.step)
            kinds.append("all" if full else "cut")
        elif isinstance(it, Int) or (isinstance(it, Const) and type(it.value) is int):
            kinds.append("int")
        else:
            return None
    if kinds.count("...") > 1:
        return None
    split = kinds.index("...") if "..." in kinds else len(kinds)
    steps: list[tuple[str, int]] = []
    pos = 0  # axis of the next item in the value the steps so far made
    for k in kinds[:split]:
        if k == "cut":
            steps.append(("piece", pos))
        elif k == "int":
            steps.append(("slice_of", pos))
            continue  # the axis is gone: the next item reads the same position
        elif k == "new":
            steps.append(("unsqueeze", pos))
        pos += 1
    back = 1  # after ``...``: the next item (from the right) is axis -back
    for k in reversed(kinds[split + 1:]):
        if k == "cut":
            steps.append(("piece", -back))
        elif k == "int":
            steps.append(("slice_of", -back))
            continue
        elif k == "new":
            steps.append(("unsqueeze", -back))
        back += 1
    return x.with_(hole=(x.hole[0], x.hole[1] + tuple(steps)))


def _small_index(v: Value) -> int | None:
    """A non-negative constant index below 16, else None."""
    k = v.value if isinstance(v, Const) and type(v.value) is int else \
        v.expr.as_int() if isinstance(v, Int) and v.expr is not None else None
    return k if k is not None and 0 <= k < 16 else None


def _slice_count(length: Expr | None, sv: ops.SliceVal) -> Expr | None:
    """How many elements ``seq[a:b]`` has, for a sequence of ``length`` elements."""
    if length is None or not is_none(sv.step):
        return None
    lo, hi = int_of(sv.start), int_of(sv.stop)
    lo_c = 0 if is_none(sv.start) else (lo.as_int() if lo is not None else None)
    hi_c = None if is_none(sv.stop) else (hi.as_int() if hi is not None else None)
    n = length.as_int()
    if lo_c is None or (hi_c is None and not is_none(sv.stop)):
        return None
    if n is not None:
        return const(len(range(n)[lo_c:hi_c]))
    if hi_c is None and lo_c >= 0 and ops.nonneg(length - lo_c):
        return length - lo_c  # seq[k:] of a sequence at least k long
    return None


def _size_int(d: Expr | None, role: str | None) -> Int:
    return Int(d, role=role)


def _index_label(items: list[Value]) -> str:
    parts = []
    for it in items:
        if isinstance(it, ops.SliceVal):
            lo = "" if is_none(it.start) else _short(it.start)
            hi = "" if is_none(it.stop) else _short(it.stop)
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


@lru_cache(maxsize=4096)
def _string(literal: str) -> Value:
    """A string literal's value (libcst evaluates it with ``ast.literal_eval`` each time)."""
    try:
        v = ast.literal_eval(literal)
    except Exception:
        return UNKNOWN
    return Const(v) if isinstance(v, str | bytes) else UNKNOWN
