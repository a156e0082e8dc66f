"""The code's names for input axes against its own use of them (LST204's name-based reading).

``batch_size, seq_len = tokens.shape`` before a time-major RNN is the code's statement that
axis 0 is the batch; a state the code then builds by the very value it named for time
(``zeros(1, seq_len, H)``) says the opposite, and withdraws the name-based layout conflicts
of that statement once the pass has run.  Only the value counts, never the size alone: every
forward input shares one batch symbol.  So each factory run keeps the size values it was
given, and each name the tensor it was read off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import libcst as cst

from .. import layers as L
from ..dataflow import Dataflow
from ..symbolic import Expr
from ..values import Int, Tensor, Value
from .objects import Env


class LayoutNames:
    """The interpreter's part that sets the code's names against its use (a base of Core,
    which sets these attributes up)."""

    graph: Dataflow
    current: int | None
    rechecks: list[tuple[int, Any]]
    named_layouts: list[tuple[int, L.Conflict, Expr]]
    state_batches: set[tuple[Expr, int]]
    named_values: dict[Expr, tuple[Int, Any]]
    unpacked_together: dict[int, int]
    factory_sizes: dict[int, list[tuple[Value, ...]]]

    def layout_named(self, c: L.Conflict) -> None:
        """A layout conflict at the current call that may rest on the code's names."""
        if self.current is not None:
            self.layout_named_at(self.current, c)

    def state_batch(self, e: Expr, state: Tensor) -> None:
        """A state the code built gives a layer the size ``e`` as its batch (that call's own
        name-based conflict is never raised).  When the state's batch is the very value the
        code named for the other role (``batch_size, seq_len = tokens.shape`` and
        ``zeros(1, seq_len, H)``, also through a helper given ``seq_len``), the names of
        that unpacking are not the code's layout at any call reading ``e`` as the batch."""
        named = self.named_values.get(e)
        if named is None:
            return
        value, target = named
        runs = self._state_sizes(state)
        if runs and all(len(sizes) == 3 and sizes[1] is value for sizes in runs):
            self.state_batches.add((e, self.unpacked_together.get(id(target), id(target))))

    def note_sizes(self, v: Value, sizes: Sequence[Value] | None) -> None:
        """The size values a factory was given at this run of it (see _state_sizes)."""
        if isinstance(v, Tensor) and v.node is not None:
            self.factory_sizes.setdefault(v.node, []).append(tuple(sizes or ()))

    def _state_sizes(self, state: Tensor) -> list[tuple[Value, ...]]:
        """The size values the state was built with, every time the code ran its factory
        (``zeros(1, seq_len, H)``, ``h.expand(1, seq_len, H)``), through ops that keep its
        shape (``.contiguous()``, ``.to(device)``, ``Variable(...)``)."""
        nid, shape = state.node, state.shape
        for _ in range(6):
            if nid is None or nid not in self.graph.g:
                return []
            if nid in self.factory_sizes:
                return self.factory_sizes[nid]
            ins = [d.get("value") for _u, _v, d in self.graph.g.in_edges(nid, data=True)]
            if len(ins) != 1 or not isinstance(ins[0], Tensor) or ins[0].shape != shape:
                return []
            nid = ins[0].node
        return []

    def run_rechecks(self) -> None:
        """Once the code has run: the checks that names given after a layer may decide, and
        the names the code's own use of the named value contradicts (see state_batch).  The
        size alone is not enough: every forward input shares one batch symbol, so a state
        sized from another input, or from an encoder's h_n, says nothing of this one."""
        for node, check in self.rechecks:
            c = check()
            if c is not None:
                self.layout_named_at(node, c)
        self.rechecks = []
        for node, c, batch in self.named_layouts:
            target = c.named[2] if c.named is not None else None
            group = self.unpacked_together.get(id(target), id(target))
            if (batch, group) in self.state_batches and node in self.graph.g:
                lst = self.graph.g.nodes[node]["conflicts"]
                lst[:] = [x for x in lst if x is not c]
        self.named_layouts = []

    def layout_named_at(self, node: int, c: L.Conflict) -> None:
        self.graph.add_conflict(node, c)
        batch = L.named_batch(c)
        if batch is not None:
            self.named_layouts.append((node, c, batch))

    def note_size_source(self, target: cst.BaseExpression, value: cst.BaseExpression,
                         env: Env) -> None:
        """The names a statement reads off one tensor's sizes (``b, t = x.shape``,
        ``t = x.size(1)``, ``b = x.shape[0]``) are grouped by that tensor, so that names
        given in separate statements are one statement of the code's layout (see
        Core.state_batch)."""
        src = _sized_tensor(value)
        x = env.vars.get(src) if src is not None else None
        if not isinstance(x, Tensor):
            return
        # the same in every pass of the analysis (graph node ids are not): the input's name,
        # or the source node that made the tensor
        made = self.graph.g.nodes[x.node].get("cst") if x.node is not None \
            and x.node in self.graph.g else None
        key = ("input", x.hole[0]) if x.hole is not None else ("made", id(made)) \
            if made is not None else None
        if key is None:
            return
        todo = [target]
        while todo:
            t = todo.pop()
            if type(t) is cst.Name:
                self.unpacked_together[id(t)] = hash(key)
            elif type(t) in (cst.Tuple, cst.List):
                todo.extend(e.value for e in t.elements  # type: ignore[attr-defined]
                            if type(e) is not cst.StarredElement)


def _sized_tensor(e: cst.BaseExpression) -> str | None:
    """The variable whose sizes ``e`` reads: ``x`` in ``x.shape``, ``x.size()``,
    ``x.size(1)``, ``x.shape[0]``, ``x.shape[:2]``, ``x.data.shape``; None otherwise."""
    if isinstance(e, cst.Subscript):
        e = e.value
    base: cst.BaseExpression | None = None
    if isinstance(e, cst.Attribute) and e.attr.value == "shape":
        base = e.value
    elif isinstance(e, cst.Call) and isinstance(e.func, cst.Attribute) \
            and e.func.attr.value == "size":
        base = e.func.value
    if isinstance(base, cst.Attribute) and base.attr.value == "data":
        base = base.value
    return base.value if isinstance(base, cst.Name) else None
