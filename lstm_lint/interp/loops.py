"""Loops: ``for`` over ranges, known sequences, tensors' rows and anything else, and
``while``; short loops of known count run pass by pass, others twice from the joined state.
What a loop grows (lists, ``ModuleList``s) ends with as many more items as it runs passes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import libcst as cst

from ..symbolic import Expr, const, nonnegative
from ..values import UNKNOWN, Int, Seq, Tensor, Value, int_of
from ..walk import descendants
from .builtins import sequential_items, tensor_rows
from .caller_stores import loop_stored
from .core import Core
from .joins import join, join_loop, uniq
from .loop_breaks import breaks_on_last_pass_only
from .objects import Env, RangeVal

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


class Loops(Core):
    """Runs ``for`` and ``while`` loops (the statements inside them: :class:`Statements`)."""

    def restore_attrs(self, attrs: list[dict[str, Value]]) -> None:
        for o, a in zip(self.selves, attrs, strict=False):
            o.attrs = dict(a)

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
        last_only: Callable[[Env], bool] | None = None
        if isinstance(it, RangeVal):
            n = it.length.as_int() if it.length is not None else None
            if n is not None and n <= 0:
                return  # range(0): the body never runs
            if n is not None and n <= UNROLL and _straight(stmt.body):
                # a short loop of known count whose body always runs to its end: each pass
                # in turn, with its index when the start is known
                self._passes(stmt, it, n, env)
                return
            if n is not None and n <= UNROLL and self._unroll_breaking(stmt, it, n, env):
                return
            count, element = it.length, Int(None)
            bounds = breaks_on_last_pass_only(
                stmt, it, it.length, lambda e: int_of(self.eval(e, env)),
                self.frames[-1][0] if self.frames else None) if it.length is not None \
                else None
            if bounds is not None:
                last_only = lambda e: all(  # noqa: E731 - the bounds unchanged by a pass
                    (v := int_of(self.eval(b, e))) is not None and (v - was).as_int() == 0
                    for b, was in bounds)
            if n is not None and n > UNROLL and _straight(stmt.body):
                # a long loop of known count: its first passes (often special cases, `if t
                # == 0:`) one by one, then the rest together
                if not self._passes(stmt, it, PEEL, env):
                    return
                count = const(n - PEEL)
            elif n is None and count is not None and it.start is not None \
                    and nonnegative(count - const(PEEL)) and _tests_index(stmt) \
                    and _straight(stmt.body):
                # a loop of a size's count (at least PEEL) whose body tests its index (``if t
                # == 0:`` sets the state up): its first passes one by one, then the rest
                if not self._passes(stmt, it, PEEL, env):
                    return
                count = count - const(PEEL)
        elif isinstance(it, Seq):
            if it.tail is not None and it.length is not None and len(it.head) <= 16:
                # known first items, then a tail grown in a loop: the first ones in turn,
                # then the rest as a loop of as many passes as the tail has items
                if self._each_item(stmt, it.head, env):
                    env.dead = env.broke = False  # as for a known sequence (below)
                    return
                tail = it.tail
                self.exec_loop_body(stmt.body, env, it.length - len(it.head),
                                    lambda e: self.assign(stmt.target, tail, e))
                return
            if it.repeated is None:
                if len(it.items) <= 16:
                    # unroll a short, known sequence (nn.ModuleList([a, b]), zip of pairs)
                    self._each_item(stmt, it.items, env)
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

    def _each_item(self, stmt: cst.For, items: Sequence[Value], env: Env) -> bool:
        """One pass per item of a known sequence, in turn; True when a pass ended the loop
        (a ``break``, or a ``return`` on its path)."""
        entry = self.path_facts
        for item in items:
            self.path_facts = entry  # (a pass that continued learned for itself)
            self.assign(stmt.target, item, env)
            self.exec_block(stmt.body, env)
            if env.broke or (env.dead and env.returns):
                return True
            env.dead = False
        return False

    def _passes(self, stmt: cst.For, it: RangeVal, n: int, env: Env) -> bool:
        """The first ``n`` passes of a loop over a range, one by one, each with its index
        (when the range's start is known); False when a pass ended the path."""
        for i in range(n):
            self.assign(stmt.target, Int(it.start + i if it.start is not None else None), env)
            self.exec_block(stmt.body, env)
            if env.dead:
                return False
        return True

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
        stored = dict(self.stored_items)
        for i in range(n):
            index = Int(it.start + i if it.start is not None else None)
            self.assign(stmt.target, index, work)
            self.exec_block(stmt.body, work)
            if work.broke and work.dead:
                break  # this pass breaks, on every path
            if work.broke or work.dead:
                self.restore_attrs(attrs)  # it may break or not: the count is not known
                self.stored_items = stored
                self.path_facts = entry  # (nor what the trial passes learned)
                return False
        env.vars = work.vars
        env.returns = work.returns
        return True

    def exec_loop_body(self, body: cst.BaseSuite, env: Env, count: Expr | None,
                       bind: Callable[[Env], None],
                       last_only: Callable[[Env], bool] | None = None) -> None:
        """Run a loop body twice (the second time from the joined state) and join.

        Lists that grow by one element per iteration end with ``count`` more elements.
        """
        before = dict(env.vars)
        attrs_before = [dict(o.attrs) for o in self.selves]
        attrs_start = [dict(a) for a in attrs_before]
        start = env
        self.loop_iters.append(count)
        facts = self.path_facts
        stored_before = dict(self.stored_items)
        try:
            for k in range(2):
                self.path_facts = facts
                # stores into a caller's value: none, one or more passes stored (the second
                # pass starts from either)
                self.stored_items = loop_stored(stored_before, self.stored_items)
                work, _a = start.fork(self.selves)
                work.dead = work.broke = False
                bind(work)
                self.exec_block(body, work)
                if work.broke and not (last_only is not None and last_only(work)):
                    # the trip count depends on the data (or a pass changed the bound of a
                    # break that would only have fired on the last pass)
                    count = None
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
            self.stored_items = loop_stored(stored_before, self.stored_items)
        env.vars = start.vars
