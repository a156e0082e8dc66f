"""Statements: assignments and their targets, ``if`` / ``with`` / ``try``, ``return`` and
``break``, and the joins of program state where branches meet (loops: :mod:`.loops`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import libcst as cst

from .. import layers as L
from .. import ops
from ..symbolic import sym, tie
from ..values import (
    BATCH,
    UNKNOWN,
    Const,
    Flag,
    Int,
    Record,
    Seq,
    Tensor,
    Value,
)
from .caller_stores import batch_key, caller_item, join_stored, store_item
from .facts import align, branch_facts
from .hole_binding import undo_layout
from .joins import choices, join_dicts, one_of, truth, uniq
from .loops import Loops
from .objects import TORCH_LAYER, Env, FuncRef, Obj, Ref
from .record_stores import share_stores


def narrowing(test: cst.BaseExpression, env: Env) -> tuple[str, Value, Value] | None:
    """``name in ["LSTM", "GRU"]`` (or ``not in``) on a name whose string is not decided: the
    name's value where the test holds and where it fails (``one of 'LSTM', 'GRU'`` where it
    holds; where it fails, the options left of a name already known to be one of several)."""
    if not (type(test) is cst.Comparison and len(test.comparisons) == 1
            and type(test.left) is cst.Name):
        return None
    c = test.comparisons[0]
    if (type(c.operator) is cst.Is or type(c.operator) is cst.IsNot) \
            and type(c.comparator) is cst.Name \
            and c.comparator.value == "None":
        return _not_none(test.left.value, env, isinstance(c.operator, cst.IsNot))
    if not isinstance(c.operator, cst.In | cst.NotIn) \
            or not isinstance(c.comparator, cst.List | cst.Tuple | cst.Set):
        return None
    listed: list[str] = []
    for el in c.comparator.elements:
        if not isinstance(el, cst.Element) or not isinstance(el.value, cst.SimpleString):
            return None
        text = el.value.evaluated_value
        if not isinstance(text, str):
            return None
        listed.append(text)
    name = test.left.value
    cur = env.vars.get(name)
    if cur is None or (isinstance(cur, Const) and cur.value is not None) or not listed:
        return None  # not a local, or already known
    now = choices(cur)
    inside = tuple(o for o in (now or tuple(dict.fromkeys(listed))) if o in listed)
    outside = tuple(o for o in now if o not in listed) if now is not None else None
    if not inside:
        return None
    held: Value = one_of(inside)
    failed: Value = cur if outside is None else one_of(outside) if outside else cur
    if isinstance(c.operator, cst.NotIn):
        held, failed = failed, held
    return name, held, failed


def _not_none(name: str, env: Env, is_not: bool) -> tuple[str, Value, Value] | None:
    """``size is not None`` (or ``is None``) on a constructor parameter the symbolic run took
    at its default None (``num_layers: Optional[int] = None``): where the test holds, the
    parameter is whatever the caller passed, a size like a parameter without a default (a
    symbol); where it fails, it stays None."""
    cur = env.vars.get(name)
    if not (isinstance(cur, Const) and cur.value is None and cur.param is not None):
        return None
    given: Value = Int(sym(cur.param), param=cur.param)
    return (name, given, cur) if is_not else (name, cur, given)


class Statements(Loops):
    """Runs statements on an environment."""

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
        # type(x) is C where C is a leaf class of libcst: isinstance() on its ABCs costs more
        if type(stmt) is cst.SimpleStatementLine:
            for small in stmt.body:
                if env.dead:
                    return
                self.exec_small(small, env)
        elif type(stmt) is cst.If:
            self.exec_if(stmt, env)
        elif type(stmt) is cst.For:
            self.exec_for(stmt, env)
        elif type(stmt) is cst.While:
            self.exec_loop_body(stmt.body, env, None, lambda e: None)
        elif type(stmt) is cst.With:
            for item in stmt.items:
                v = self.eval(item.item, env)
                if item.asname is not None:
                    self.assign(item.asname.name, v, env)
            before = self.path_facts  # a context manager may swallow what a branch raised
            returns = len(env.returns)
            self.exec_block(stmt.body, env)
            self.path_facts = before
            _caught(env, returns)
        elif type(stmt) is cst.Try:
            self.exec_try(stmt, env)
        elif type(stmt) is cst.FunctionDef:
            env.vars[stmt.name.value] = FuncRef(stmt, self.fm, closure=env.vars)
        elif isinstance(stmt, cst.BaseSmallStatement):  # (a simple statement suite's items)
            self.exec_small(stmt, env)
        # class definitions inside functions, match statements: ignored

    def exec_small(self, s: cst.BaseSmallStatement, env: Env) -> None:
        if type(s) is cst.Assign:
            v = self.eval(s.value, env)
            if v is UNKNOWN and len(s.targets) == 1:
                v = _shape_of_unknown(s.targets[0].target, s.value)
            for t in s.targets:
                self.note_unpacked(t.target, s.value, env)
                self.assign(t.target, v, env)
                self.note_size_source(t.target, s.value, env)
        elif type(s) is cst.AnnAssign:
            if s.value is not None:
                self.assign(s.target, self.eval(s.value, env), env)
                self.note_size_source(s.target, s.value, env)
        elif type(s) is cst.AugAssign:
            cur = self.eval(s.target, env)
            rhs = self.eval(s.value, env)
            op = type(s.operator).__name__.replace("Assign", "")
            out = self.binop(op, cur, rhs, s)
            if op != "MatrixMultiply":
                out = ops.inplace(cur, out)  # a tensor updated in place keeps its shape
            self.assign(s.target, out, env)
        elif type(s) is cst.Expr:
            self.last_raised = False
            self.eval(s.value, env)
            if self.last_raised and self.last_call_depth == self.depth \
                    and _plain_call(s.value):
                # ``self.assert_index_present(index)`` with the index left at None: the
                # helper raises on every path, so no statement after it runs
                env.dead = True
        elif type(s) is cst.Return:
            env.returns.append(self.eval(s.value, env) if s.value is not None else Const(None))
            if self.returned_stores:
                self.returned_stores[-1].append(dict(self.stored_items))  # (see call_function)
            env.dead = True
        elif type(s) is cst.Raise:
            env.dead = True
        elif type(s) is cst.Assert:
            self.last_compare = None
            self.eval(s.test, env)
            if self.last_compare is not None and self.last_compare[0] == id(s.test):
                # the rest of the function runs only where the assertion held
                self.path_facts += branch_facts(self.last_compare[1])[0]
            narrowed = narrowing(s.test, env)
            if narrowed is not None:
                env.vars[narrowed[0]] = narrowed[1]
        elif type(s) is cst.Break or type(s) is cst.Continue:
            env.dead = True
            env.broke = env.broke or isinstance(s, cst.Break)
        elif type(s) is cst.Import or type(s) is cst.ImportFrom:
            # an import inside a function binds a local name (``from torch.nn.modules.rnn
            # import LSTM`` in an __init__): resolved as the file's own imports are
            from ..extract import imported_names

            for local, qual in imported_names(self.fm, s).items():
                env.vars[local] = Ref(qual)

    def note_unpacked(self, target: cst.BaseExpression, value: cst.BaseExpression,
                      env: Env) -> None:
        """``batch_size, seq_len, _ = x.shape`` (or ``x.size()``) on a forward input nothing
        has solved yet: the input has that rank (see :meth:`Core.bind_unpacked`)."""
        if type(target) not in (cst.Tuple, cst.List):
            return
        elems = target.elements  # type: ignore[attr-defined]
        if any(type(e) is cst.StarredElement for e in elems):
            return
        src: cst.BaseExpression | None = None
        if isinstance(value, cst.Attribute) and value.attr.value == "shape":
            src = value.value
        elif isinstance(value, cst.Call) and not value.args and isinstance(value.func,
                                                                            cst.Attribute) \
                and value.func.attr.value == "size":
            src = value.func.value
        if isinstance(src, cst.Attribute) and src.attr.value == "data":
            src = src.value  # ``x.data.shape``: the same sizes
        if src is None or not isinstance(src, cst.Name):
            return
        x = env.vars.get(src.value)
        if not (isinstance(x, Tensor) and x.hole is not None and x.shape is None):
            return
        names: list[Any] = [e.value.value if isinstance(e.value, cst.Name) else None
                            for e in elems]
        for step, val in reversed(x.hole[1]):
            # after a permute or transpose: the same rank, the names on the input's axes
            undone = undo_layout(step, val, names, None) \
                if step in ("permute", "transpose") else None
            if undone is None:
                return
            names = undone[0]
        self.unpacked.setdefault(x.hole[0], names)

    def assign(self, target: cst.BaseExpression, v: Value, env: Env) -> None:
        if type(target) is cst.Name:
            env.vars[target.value] = v
            if isinstance(v, Int):
                self.name_size(target.value, v, target)
        elif type(target) is cst.Tuple or type(target) is cst.List:
            elems = [e.value for e in target.elements]
            starred = [i for i, e in enumerate(target.elements) if type(e) is cst.StarredElement]
            if isinstance(v, Seq) and v.repeated is None and not starred \
                    and len(v.items) == len(elems):
                for e in elems:  # the names one unpacking gives (``b, t = x.shape``)
                    self.unpacked_together[id(e)] = id(target)
                for e, item in zip(elems, v.items, strict=True):
                    self.assign(e, item, env)
            elif isinstance(v, Seq) and v.repeated is not None and not starred:
                for e in elems:
                    self.assign(e, v.repeated, env)
            elif (whole := self.tuple_hole(v)) is not None and not starred \
                    and 2 <= len(elems) <= 16:
                # ``h, c = hidden``: a forward input unpacked into as many parts, each an input
                # of its own (``hidden[0]``, ``hidden[1]``), solved from its consumers
                for part, e in enumerate(elems):
                    got = self.record("input", e, [], self.hole_part(whole, part, len(elems)),
                                      label=f"{whole}[{part}]")
                    self.assign(e, got, env)
            elif isinstance(v, Int) and v.param and v.expr == sym(v.param) and not starred \
                    and 2 <= len(elems) <= 16:
                # ``n_targets, loss_size = output_dim``: a caller's argument unpacked into as
                # many parts, each a caller's value of its own (``output_dim[0]``, ...), named
                # like ``config.hidden`` is for an attribute of one
                for part, e in enumerate(elems):
                    self.assign(e, caller_item(self.stored_items, f"{v.param}[{part}]"), env)
            else:
                for e in elems:
                    self.assign(e, UNKNOWN, env)
        elif type(target) is cst.Attribute:
            base = self.eval(target.value, env)
            if isinstance(base, Record):
                new = base.with_field(target.attr.value, v)
                self.record_stores.append((base, new))
                share_stores(self.selves, [(base, new)], env)  # (``cfg = args`` before: cfg sees it)
                self.rebind(target.value, new, env)
                return
            if isinstance(base, Int) and base.param:
                # ``args.hidden = 2 * args.hidden``: a store into a caller's value, whose item
                # holds what was stored (caller_stores.caller_item)
                store_item(self.stored_items, f"{base.param}.{target.attr.value}", v)
                return
            if isinstance(base, Obj):
                if isinstance(v, L.Layer) and v.name is None:
                    v.name = f"{base.label}.{target.attr.value}"
                tl = v.attrs.get(TORCH_LAYER) if isinstance(v, Obj) else None
                if isinstance(tl, L.Layer) and tl.name in (None, "self", "config"):
                    tl.name = f"{base.label}.{target.attr.value}"
                base.attrs[target.attr.value] = v
            elif isinstance(base, L.Layer) and not isinstance(v, (FuncRef, Ref, Obj, L.Layer)):
                # a built layer changed afterwards (self.rnn.batch_first = True): the layer
                # now holds that value (known or not).  A function or an object hung on it
                # (AWD-LSTM's ``WeightDrop``: ``self.module.flatten_parameters = self.noop``)
                # sets no configuration, and a bound method would tie the layer to its owner
                # in a cycle
                base.params[target.attr.value] = v
            elif isinstance(base, Tensor) and target.attr.value == "data":
                # ``h.data = h.data[..., :16]``: the tensor's contents, shape included, are
                # replaced in place; ``h`` is now what was assigned (or unknown)
                self.rebind(target.value, v if isinstance(v, Tensor) else UNKNOWN, env)
        elif type(target) is cst.Subscript:
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
            if isinstance(base, Int) and base.param:
                # ``cfg["hidden"] = ...`` into a caller's value: that key holds it (any other
                # index: the whole value is no longer the caller's)
                k = self.eval(key.value, env) if isinstance(key, cst.Index) else None
                if isinstance(k, Const) and isinstance(k.value, str):
                    store_item(self.stored_items, f"{base.param}.{k.value}", v)
                else:
                    store_item(self.stored_items, base.param)
                return
            if isinstance(base, Record) and isinstance(key, cst.Index):
                k = self.eval(key.value, env)
                if isinstance(k, Const) and isinstance(k.value, str):
                    new = base.with_field(k.value, v)
                    self.record_stores.append((base, new))
                    share_stores(self.selves, [(base, new)], env)
                    self.rebind(target.value, new, env)
                else:
                    self.rebind(target.value, UNKNOWN, env)
                return
            if isinstance(base, Tensor) and base.hole is not None and base.shape is None \
                    and not base.hole[1] and isinstance(key, cst.Index):
                k = self.eval(key.value, env)
                if isinstance(k, Const) and isinstance(k.value, str):
                    # ``batch["x"] = batch["x"].transpose(0, 1)`` into a dict batch of the
                    # caller's: later reads of the key give what was stored (never the entry)
                    store_item(self.stored_items, batch_key(base.hole[0], k.value), v)
                    return
            if isinstance(base, Tensor) and isinstance(v, Tensor):
                self.slot_assignment(target, base, v, env)
            # x[...] = y keeps x's shape; a list slot assignment forgets the list, unless the
            # slot is a known index of a list whose items are known (shape[1] = -1)
            if isinstance(base, Seq) and isinstance(target.value, cst.Name):
                slot = self.eval(key.value, env) if isinstance(key, cst.Index) else None
                i = slot.expr.as_int() if isinstance(slot, Int) and slot.expr is not None \
                    else slot.value if isinstance(slot, Const) and type(slot.value) is int \
                    else None
                n = len(base.items)
                if base.is_list and base.repeated is None and i is not None and -n <= i < n:
                    items = list(base.items)
                    items[i] = v
                    env.vars[target.value.value] = Seq(tuple(items), True)
                    return
                env.vars[target.value.value] = UNKNOWN
        elif type(target) is cst.StarredElement:
            self.assign(target.value, UNKNOWN, env)

    def slot_assignment(self, target: cst.Subscript, base: Tensor, v: Tensor, env: Env) -> None:
        """``buf[:, t] = step`` writes ``step`` into the slot, broadcast to the slot's shape
        (each axis equal, or 1 in ``step``).  Where the slot's size and the batch ``step``
        carries agree only for some values (``32`` and ``B``), the model needs them equal (or
        a batch of one): a constraint recorded at the assignment, which knows the tensor
        written into (``into``)."""
        items: list[Value] = []
        for el in target.slice:
            x = self.subscript_item(el.slice, env)
            if not isinstance(x, ops.SliceVal | Int):
                return  # a mask, a tensor of indices, None, ...: not followed
            items.append(x)
        if base.shape is None or base.shape.star or v.shape is None or v.shape.star \
                or v.roles is None:
            return
        slot, _events = ops.index(base, items)
        if not isinstance(slot, Tensor) or slot.shape is None or slot.shape.star:
            return
        wd, vd = slot.shape.dims, v.shape.dims
        ties = []
        for k in range(1, min(len(wd), len(vd)) + 1):
            a, b = vd[-k], wd[-k]
            if a is None or b is None or a.as_int() == 1 or v.role(len(vd) - k) != BATCH:
                continue
            t = tie(a, b)
            if t is not None:
                ties.append((t, len(wd) - k))
        if not ties:
            return
        nid = self.graph.op(self.context, target, "setitem", "slot assignment", self.fm,
                            into=base)
        self.graph.set_value(nid, slot)
        for (lhs, rhs), axis in ties:
            self.graph.add_constraint(lhs, rhs, f"slot assignment, axis {axis}", nid)

    def rebind(self, target: cst.BaseExpression, v: Value, env: Env) -> None:
        if isinstance(target, cst.Name):
            env.vars[target.value] = v
        elif isinstance(target, cst.Attribute):
            self.assign(target, v, env)
        elif isinstance(target, cst.Subscript):
            self.assign(target, v, env)  # attns["std"].append(p): that key of the dict

    def condition(self, expr: cst.BaseExpression, env: Env) -> bool | Flag | None:
        v = self.eval(expr, env)
        return truth(v)

    def exec_if(self, stmt: cst.If, env: Env) -> None:
        self.last_compare = None  # only what this very test compares (not an earlier pass's)
        c = self.condition(stmt.test, env)
        orelse = stmt.orelse
        if c is True:
            self.exec_block(stmt.body, env)
            return
        if c is False:
            self._exec_else(orelse, env)
            return
        flag = c if isinstance(c, Flag) else None
        compared = self.last_compare[1] if self.last_compare is not None \
            and self.last_compare[0] == id(stmt.test) else None
        t_new, f_new = branch_facts(compared)
        before = self.path_facts
        t_env, t_attrs = env.fork(self.selves)
        f_env, f_attrs = env.fork(self.selves)
        stored_before = dict(self.stored_items)
        narrowed = narrowing(stmt.test, env)
        if narrowed is not None:
            t_env.vars[narrowed[0]] = narrowed[1]
            f_env.vars[narrowed[0]] = narrowed[2]
        self.restore_attrs(t_attrs)
        self.path_facts = before + t_new
        with _deciding(flag, True):
            self.exec_block(stmt.body, t_env)
        t_facts = self.path_facts
        t_after = [dict(o.attrs) for o in self.selves]
        t_stored, self.stored_items = self.stored_items, stored_before
        self.restore_attrs(f_attrs)
        self.path_facts = before + f_new
        with _deciding(flag, False):
            self._exec_else(orelse, f_env)
        f_facts = self.path_facts
        f_after = [dict(o.attrs) for o in self.selves]
        f_stored = self.stored_items
        # the items of caller's values stored into, path by path (``if not args.hidden:
        # args.hidden = 128``: the other path holds the caller's); a path that ended keeps
        # its stores too (a return from a helper: its caller sees them)
        self.stored_items = join_stored(t_stored, f_stored, flag)
        if not t_env.dead and not f_env.dead and flag is None:
            align(t_env.vars, f_env.vars, t_facts, f_facts)
        self.merge(env, t_env, f_env, t_after, f_after, flag)
        # the path that goes on past the if keeps what its branch learned (``if n > m:
        # raise``: n <= m from here on, within this function)
        self.path_facts = f_facts if t_env.dead and not f_env.dead else \
            t_facts if f_env.dead and not t_env.dead else before

    def _exec_else(self, orelse: cst.If | cst.Else | None, env: Env) -> None:
        if orelse is None:
            return
        if isinstance(orelse, cst.If):
            self.exec_if(orelse, env)
        else:
            self.exec_block(orelse.body, env)

    def merge(self, env: Env, a: Env, b: Env, a_attrs: list[dict[str, Value]],
              b_attrs: list[dict[str, Value]], flag: Flag | None) -> None:
        env.returns = uniq(a.returns + b.returns)
        env.broke = a.broke or b.broke
        if a.dead and b.dead:
            env.dead = True
            env.vars = join_dicts(a.vars, b.vars, flag)
            return
        if a.dead:
            env.vars = b.vars
            self.restore_attrs(b_attrs)
            return
        if b.dead:
            env.vars = a.vars
            self.restore_attrs(a_attrs)
            return
        env.vars = join_dicts(a.vars, b.vars, flag)
        for o, x, y in zip(self.selves, a_attrs, b_attrs, strict=False):
            o.attrs = join_dicts(x, y, flag)
            for k in set(x) ^ set(y):
                one = x.get(k, y.get(k))
                if isinstance(one, Tensor) and self._read_only_where_set(o, k):
                    o.attrs[k] = one

    def _read_only_where_set(self, o: Obj, name: str) -> bool:
        """An attribute set on one branch only (``if c: self.sigma = Parameter(...)``) can be
        read only on the runs that set it: any other read raises AttributeError.  So a read
        gives the value it was set to, unless something else can answer it: a class-level
        value of that name, a ``__getattr__`` of the project's classes, or a guarded read
        (``getattr(self, name, default)``, ``hasattr``) anywhere in the files of the class and
        its bases (their text as read: generating each class's code again cost a tenth of a
        whole run)."""
        if self.class_attribute(o.cls, o.fm, name) is not None \
                or self.class_attribute(o.cls, o.fm, "__getattr__") is not None:
            return False
        # (``attr(`` first, ``get``/``has`` before it tested after: a pattern that starts
        # with plain text is searched for as such, one that starts with a choice is tried
        # at each place of the text)
        guarded = re.compile(rf"attr\(\s*self\s*,\s*['\"]{re.escape(name)}['\"]")
        return not any(m.start() >= 3 and f.text[m.start() - 3:m.start()] in ("get", "has")
                       for f in {id(f): f for _c, f in self.mro(o.cls, o.fm)}.values()
                       for m in guarded.finditer(f.text))

    def exec_try(self, stmt: cst.Try, env: Env) -> None:
        before = self.path_facts  # a handler may have caught what a branch raised
        returns = len(env.returns)
        try:
            self.exec_block(stmt.body, env)
            if stmt.handlers:
                _caught(env, returns)
            if stmt.orelse is not None:
                self.exec_block(stmt.orelse.body, env)
        finally:
            self.path_facts = before
        if stmt.finalbody is not None:
            self.exec_block(stmt.finalbody.body, env)

def _shape_of_unknown(target: cst.BaseExpression, value: cst.BaseExpression) -> Value:
    """``vocab_size, embed_dim = weights.shape`` of an array read from a file (a value of
    unknown shape): as many sizes as names, each a size of its own (``weights.shape[1]``), so
    that what is built from them agrees or disagrees for every value they may take."""
    if type(target) not in (cst.Tuple, cst.List) or type(value) is not cst.Attribute \
            or value.attr.value != "shape" or type(value.value) is not cst.Name:
        return UNKNOWN
    elems = target.elements  # type: ignore[attr-defined]
    if not 2 <= len(elems) <= 8 or any(type(e) is cst.StarredElement for e in elems):
        return UNKNOWN
    src = value.value.value
    return Seq(tuple(Int(sym(f"{src}.shape[{i}]")) for i in range(len(elems))), False)


def _caught(env: Env, returns: int) -> None:
    """After a ``try`` with handlers or a ``with`` whose body the engine saw end in a
    ``raise`` (no new return, no break): a handler or the context manager may have caught it
    (``except ValueError: pass``, ``contextlib.suppress``), and the code after the statement
    runs, so the path goes on.  (The handlers themselves are not run.)"""
    if env.dead and not env.broke and len(env.returns) == returns:
        env.dead = False


def _plain_call(e: cst.BaseExpression) -> bool:
    """A call of a named function or method whose arguments are names, attributes and
    constants: nothing in it is evaluated on a path that may not run (a conditional
    expression, a lambda, a comprehension), so the last function that finished is this call
    itself, or one a plain argument ran (a property), which raises then as well."""
    if type(e) is not cst.Call or not isinstance(e.func, (cst.Name, cst.Attribute)):
        return False
    for a in e.args:
        v = a.value
        while isinstance(v, cst.Attribute):
            v = v.value
        if not isinstance(v, (cst.Name, cst.BaseNumber, cst.SimpleString)):
            return False
    return True


def _deciding(flag: Flag | None, taken: bool) -> AbstractContextManager[None]:
    """The branch of ``if flag:`` that is ``taken`` runs with the flag decided (see
    :func:`lstm_lint.ops.assuming`); any other condition decides nothing."""
    if flag is None:
        return nullcontext()
    return ops.assuming(flag.name, taken != flag.negated)

