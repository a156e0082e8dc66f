"""Statements: assignments and their targets, ``if`` / ``for`` / ``while`` / ``with`` /
``try``, ``return`` and ``break``, and the joins of program state where branches and loops meet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import libcst as cst

from .. import layers as L
from .. import ops
from ..symbolic import Expr, const, nonnegative, sym, tie
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
    int_of,
)
from ..walk import descendants
from .builtins import sequential_items, tensor_rows
from .core import Core, _undo_layout
from .facts import align, branch_facts
from .joins import choices, join, join_dicts, join_loop, one_of, truth, uniq
from .objects import TORCH_LAYER, Env, FuncRef, Obj, RangeVal, Ref

#: loops of a known count up to this many passes are run pass by pass
UNROLL = 8
#: passes of a longer loop of known count run one by one before the rest
PEEL = 2


_EXITS = (cst.Break, cst.Continue, cst.Return, cst.Yield)


def _straight(body: cst.BaseSuite) -> bool:
    """No ``break``, ``continue``, ``return`` or ``yield`` anywhere in a loop body (read off the
    nodes: libcst's visitor would rebuild the whole body to ask)."""
    return not any(isinstance(n, _EXITS) for n in descendants(body))


def _tests_index(stmt: cst.For) -> bool:
    """The body of ``for t in ...`` compares ``t`` with a number in an ``if`` (``if t == 0:``)."""
    if not isinstance(stmt.target, cst.Name):
        return False
    name = stmt.target.value
    for n in descendants(stmt.body):
        if type(n) is cst.If and isinstance(n.test, cst.Comparison) \
                and isinstance(n.test.left, cst.Name) and n.test.left.value == name \
                and len(n.test.comparisons) == 1 \
                and isinstance(n.test.comparisons[0].comparator, cst.Integer):
            return True
    return False


def _bound_names(target: cst.BaseExpression) -> set[str]:
    """The names an assignment to ``target`` binds (``a, (b, *c)``; none for ``x[i]``)."""
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, cst.Tuple | cst.List):
        return {n for el in target.elements for n in _bound_names(el.value)}
    if isinstance(target, cst.StarredElement):
        return _bound_names(target.value)
    return set()


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


class Statements(Core):
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
            for t in s.targets:
                self.note_unpacked(t.target, s.value, env)
                self.assign(t.target, v, env)
        elif type(s) is cst.AnnAssign:
            if s.value is not None:
                self.assign(s.target, self.eval(s.value, env), env)
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
            undone = _undo_layout(step, val, names, None) \
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
                    name = f"{v.param}[{part}]"
                    self.assign(e, Int(sym(name), param=name), env)
            else:
                for e in elems:
                    self.assign(e, UNKNOWN, env)
        elif type(target) is cst.Attribute:
            base = self.eval(target.value, env)
            if isinstance(base, Record):
                self.rebind(target.value, base.with_field(target.attr.value, v), env)
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
            if isinstance(base, Record) and isinstance(key, cst.Index):
                k = self.eval(key.value, env)
                if isinstance(k, Const) and isinstance(k.value, str):
                    self.rebind(target.value, base.with_field(k.value, v), env)
                else:
                    self.rebind(target.value, UNKNOWN, env)
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
        narrowed = narrowing(stmt.test, env)
        if narrowed is not None:
            t_env.vars[narrowed[0]] = narrowed[1]
            f_env.vars[narrowed[0]] = narrowed[2]
        self._restore(t_attrs)
        self.path_facts = before + t_new
        with _deciding(flag, True):
            self.exec_block(stmt.body, t_env)
        t_facts = self.path_facts
        t_after = [dict(o.attrs) for o in self.selves]
        self._restore(f_attrs)
        self.path_facts = before + f_new
        with _deciding(flag, False):
            self._exec_else(orelse, f_env)
        f_facts = self.path_facts
        f_after = [dict(o.attrs) for o in self.selves]
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

    def _restore(self, attrs: list[dict[str, Value]]) -> None:
        for o, a in zip(self.selves, attrs, strict=False):
            o.attrs = dict(a)

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
            self._restore(b_attrs)
            return
        if b.dead:
            env.vars = a.vars
            self._restore(a_attrs)
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
        guarded = re.compile(rf"(get|has)attr\(\s*self\s*,\s*['\"]{re.escape(name)}['\"]")
        return not any(guarded.search(f.text) for f in {id(f): f for _c, f in
                                                        self.mro(o.cls, o.fm)}.values())

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

    def exec_for(self, stmt: cst.For, env: Env) -> None:
        before = self.path_facts  # a pass that broke or continued learned only for itself
        try:
            self._exec_for(stmt, env)
        finally:
            self.path_facts = before

    def _exec_for(self, stmt: cst.For, env: Env) -> None:
        it = self.eval(stmt.iter, env)
        it = sequential_items(it)  # an nn.Sequential iterates over its modules
        count: Expr | None = None
        element: Value = UNKNOWN
        last_only = False
        if isinstance(it, RangeVal):
            n = it.length.as_int() if it.length is not None else None
            if n is not None and n <= 0:
                return  # range(0): the body never runs
            if n is not None and n <= UNROLL and _straight(stmt.body):
                # a short loop of known count whose body always runs to its end: each pass
                # in turn, with its index when the start is known
                for i in range(n):
                    index = Int(it.start + i if it.start is not None else None)
                    self.assign(stmt.target, index, env)
                    self.exec_block(stmt.body, env)
                    if env.dead:
                        break
                return
            if n is not None and n <= UNROLL and self._unroll_breaking(stmt, it, n, env):
                return
            count, element = it.length, Int(None)
            last_only = n is not None and self._breaks_on_last_pass_only(stmt, it, n, env)
            if n is not None and n > UNROLL and _straight(stmt.body):
                # a long loop of known count: its first passes (often special cases, `if t
                # == 0:`) one by one, then the rest together
                for i in range(PEEL):
                    index = Int(it.start + i if it.start is not None else None)
                    self.assign(stmt.target, index, env)
                    self.exec_block(stmt.body, env)
                    if env.dead:
                        return
                count = const(n - PEEL)
            elif n is None and count is not None and it.start is not None \
                    and nonnegative(count - const(PEEL)) and _tests_index(stmt) \
                    and _straight(stmt.body):
                # a loop of a size's count (at least PEEL) whose body tests its index (``if t
                # == 0:`` sets the state up): its first passes one by one, then the rest
                for i in range(PEEL):
                    self.assign(stmt.target, Int(it.start + i), env)
                    self.exec_block(stmt.body, env)
                    if env.dead:
                        return
                count = count - const(PEEL)
        elif isinstance(it, Seq):
            if it.tail is not None and it.length is not None and len(it.head) <= 16:
                # known first items, then a tail grown in a loop: the first ones in turn,
                # then the rest as a loop of as many passes as the tail has items
                entry = self.path_facts
                for item in it.head:
                    self.path_facts = entry  # (a pass that continued learned for itself)
                    self.assign(stmt.target, item, env)
                    self.exec_block(stmt.body, env)
                    if env.broke or (env.dead and env.returns):
                        env.dead = env.broke = False  # as for a known sequence (below)
                        return
                    env.dead = False
                tail = it.tail
                self.exec_loop_body(stmt.body, env, it.length - len(it.head),
                                    lambda e: self.assign(stmt.target, tail, e))
                return
            if it.repeated is None:
                if len(it.items) <= 16:
                    # unroll a short, known sequence (nn.ModuleList([a, b]), zip of pairs)
                    entry = self.path_facts
                    for item in it.items:
                        self.path_facts = entry  # (a pass that continued learned for itself)
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
            rows = tensor_rows(self, it, stmt.iter)
            if rows is not None and rows.repeated is not None:
                count, element = rows.length, rows.repeated  # one pass per row of axis 0
            else:
                # a row of an input nothing has solved yet: shape unknown, but it is that
                # input's data (the graph says where it came from)
                element = self.index_value(it, [Int(None)], stmt.iter) if it.shape \
                    else self.record("iter", stmt.iter, [it], Tensor(None), label="row")
                held = self.hole_axis(it, 0)  # an unsolved input: as many passes as x_dim0
                count = held.expr if held is not None else None
        self.exec_loop_body(stmt.body, env, count,
                            lambda e: self.assign(stmt.target, element, e), last_only)

    def _unroll_breaking(self, stmt: cst.For, it: RangeVal, n: int, env: Env) -> bool:
        """A short loop of known count with a ``break`` in it: pass by pass, as long as each
        pass decides whether it breaks (``if t == self.num_step - 1: break`` with t known).
        True when it ran so; False, with nothing changed, when a pass may or may not break
        (then the trip count is the data's) or the body holds anything else that leaves it."""
        if any(isinstance(x, cst.Continue | cst.Return | cst.Yield)
               for x in descendants(stmt.body)):
            return False
        work, attrs = env.fork(self.selves)
        entry = self.path_facts
        for i in range(n):
            index = Int(it.start + i if it.start is not None else None)
            self.assign(stmt.target, index, work)
            self.exec_block(stmt.body, work)
            if work.broke and work.dead:
                break  # this pass breaks, on every path
            if work.broke or work.dead:
                self._restore(attrs)  # it may break or not: the count is not known
                self.path_facts = entry  # (nor what the trial passes learned)
                return False
        env.vars = work.vars
        env.returns = work.returns
        return True

    def _breaks_on_last_pass_only(self, stmt: cst.For, it: RangeVal, n: int, env: Env) -> bool:
        """Every ``break`` of the loop is ``if t == <last index>: break`` at the top of its body
        (``if t == self.num_step - 1: break``): it stops the loop where it would stop anyway,
        so the count stays the range's."""
        if not isinstance(stmt.target, cst.Name) or it.start is None:
            return False
        target = stmt.target.value
        body = stmt.body.body if isinstance(stmt.body, cst.IndentedBlock) else ()
        top_breaks: set[int] = set()
        assigned: set[str] = set()
        for node in descendants(stmt.body):
            if isinstance(node, cst.Continue | cst.Return | cst.Yield):
                return False
            if isinstance(node, cst.AssignTarget | cst.AugAssign | cst.AnnAssign | cst.For
                          | cst.CompFor | cst.NamedExpr):
                assigned |= _bound_names(node.target)
            elif isinstance(node, cst.AsName):
                assigned |= _bound_names(node.name)
        last = it.start + (n - 1)
        for s in body:
            if not (isinstance(s, cst.If) and s.orelse is None
                    and isinstance(s.body, cst.IndentedBlock) and len(s.body.body) == 1):
                continue
            only = s.body.body[0]
            if not (isinstance(only, cst.SimpleStatementLine) and len(only.body) == 1
                    and isinstance(only.body[0], cst.Break)):
                continue
            test = s.test
            if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1
                    and isinstance(test.comparisons[0].operator, cst.Equal)):
                continue
            left, right = test.left, test.comparisons[0].comparator
            if isinstance(right, cst.Name) and right.value == target:
                left, right = right, left
            if not (isinstance(left, cst.Name) and left.value == target):
                continue
            if any(isinstance(x, cst.Call | cst.Subscript | cst.Lambda | cst.NamedExpr
                              | cst.ListComp | cst.GeneratorExp | cst.Await | cst.IfExp)
                   for x in descendants(right)):
                continue  # a plain expression of numbers and attributes only
            if any(isinstance(x, cst.Name) and x.value in assigned and x.value != "self"
                   for x in descendants(right)):
                continue
            bound = int_of(self.eval(right, env))
            if bound is not None and (bound - last).as_int() == 0:
                top_breaks.add(id(only.body[0]))
        breaks = [x for x in descendants(stmt.body) if isinstance(x, cst.Break)]
        return bool(breaks) and all(id(b) in top_breaks for b in breaks) \
            and target not in assigned

    def exec_loop_body(self, body: cst.BaseSuite, env: Env, count: Expr | None,
                       bind: Callable[[Env], None], last_only: bool = False) -> None:
        """Run a loop body twice (the second time from the joined state) and join.

        Lists that grow by one element per iteration end with ``count`` more elements.
        """
        before = dict(env.vars)
        attrs_before = [dict(o.attrs) for o in self.selves]
        attrs_start = [dict(a) for a in attrs_before]
        start = env
        self.loop_iters.append(count)
        facts = self.path_facts
        try:
            for k in range(2):
                self.path_facts = facts
                work, _a = start.fork(self.selves)
                work.dead = work.broke = False
                bind(work)
                self.exec_block(body, work)
                if work.broke and not last_only:
                    count = None  # the trip count depends on the data
                env.returns = uniq(env.returns + work.returns)
                attrs_after = [dict(o.attrs) for o in self.selves]
                joined = join_loop(before, start.vars, work.vars, count)
                if count is not None and count in self.nonempty:
                    # the loop runs at least once (a list it grows is stacked on every run):
                    # a value it rebinds is the first pass's, then either pass's, never the
                    # one before the loop; lists keep their count from the join above
                    for name, v in work.vars.items():
                        if not isinstance(v, Seq) and name in joined:
                            joined[name] = v if k == 0 or name not in start.vars \
                                else join(start.vars[name], v)
                start = Env(joined, env.returns)
                # attributes too: a ModuleList grown by append in the loop has `count` more
                for o, x, st, y in zip(self.selves, attrs_before, attrs_start, attrs_after,
                                       strict=False):
                    o.attrs = join_loop(x, st, y, count)
                attrs_start = [dict(o.attrs) for o in self.selves]
        finally:
            self.loop_iters.pop()
            self.path_facts = facts
        env.vars = start.vars


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
