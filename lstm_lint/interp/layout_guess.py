"""A second recurrent reader of a layout the first one guessed.

The first recurrent layer to read a ``forward`` input of the caller's binds it in its own
layout (``batch_first=True``: ``(B, T, F)``); that is a guess of the caller's layout, not the
code's.  A second recurrent layer that reads the same input the other way round (built with
the other ``batch_first``) is reported (LST204) unless the code shows it sweeps one grid both
ways on purpose, as a ReNet does: what the two readings give is joined cell by cell (an
elementwise op, or a concatenation of features, of two tensors with the same leading axes),
and nothing of the run needs the batch to equal the time.  Two encoders of one batch, one
built without ``batch_first``, have no such join (or one that ties ``B`` to ``T``): reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import networkx as nx

from ..layers import RECURRENT
from ..symbolic import Expr, sym
from ..values import Tensor

if TYPE_CHECKING:
    from .core import Core

#: ops that join two tensors cell by cell when their leading axes agree
_CELL_JOINS = frozenset(("arith", "cat", "stack"))


def guessed_layout(it: Core, x: Tensor, batch: Expr | None, time: Expr | None) -> bool:
    """Are ``x``'s batch (axis size ``batch``) and time (``time``) only what the first
    recurrent layer to read the caller's input guessed of its layout?  So when the batch is
    ``B`` and the time the symbol that reading gave an input it bound, and no layer that
    fixes the batch axis (:func:`_rnn_or_module`) made ``x``: a stacked RNN's output has its
    layout from that layer, not from a guess."""
    if batch is None or time is None or batch != sym("B") or x.node is None \
            or not any(sym(it.time_names[h]) == time for h in it.rnn_read if h in it.time_names):
        return False
    g = it.graph.g
    if x.node not in g:
        return False
    return not any(_rnn_or_module(g, a) for a in nx.ancestors(g, x.node) | {x.node})


def _rnn_or_module(g: Any, n: int) -> bool:
    """A node whose layer fixes which axis is the batch: a recurrent layer, any layer built
    with ``batch_first`` (a transformer, an attention), or a submodule (which may hold one)."""
    data = g.nodes[n]
    if data.get("op") == "module":
        return True
    layer = data.get("layer")
    return data.get("op") == "layer" and (
        getattr(layer, "kind", None) in RECURRENT
        or "batch_first" in (getattr(layer, "params", None) or {}))


def _rnn(g: Any, n: int) -> bool:
    data = g.nodes[n]
    return data.get("op") == "layer" and getattr(data.get("layer"), "kind", None) in RECURRENT


def swept_both_ways(it: Core, reader: int, batch: Expr, time: Expr) -> bool:
    """Is the second reading (the layer node ``reader``) a sweep of one grid the code means
    to read both ways?  What it gives is joined cell by cell with what another recurrent
    layer (one that did not make its input) gives, and the run never needs ``batch`` to equal
    ``time``."""
    g = it.graph.g
    if reader not in g or requires_equal(it, batch, time):
        return False
    mine = nx.descendants(g, reader) | {reader}
    before = nx.ancestors(g, reader)
    for j in mine:
        if g.nodes[j].get("op") not in _CELL_JOINS:
            continue
        ins = [(s, v) for s, _d, v in g.in_edges(j, data="value")]
        ours = [v for s, v in ins if s in mine and _full(v)]
        theirs = [v for s, v in ins if s not in mine and _full(v) and any(
            _rnn(g, a) and a not in before for a in nx.ancestors(g, s) | {s})]
        if any(a.shape.dims[:-1] == b.shape.dims[:-1]
               for a in ours for b in theirs):
            return True
    return False


def _full(v: Any) -> bool:
    """A tensor of known rank with at least two leading axes (a whole sequence's output)."""
    return isinstance(v, Tensor) and v.shape is not None and not v.shape.star \
        and len(v.shape.dims) >= 3 and all(d is not None for d in v.shape.dims[:-1])


def requires_equal(it: Core, a: Expr, b: Expr) -> bool:
    """Does the run need ``a == b``: a constraint that says exactly that (``torch.cat`` of
    ``(B, H)`` with ``(T, H)``), or an elementwise op that broadcasts one against the other on
    one axis (``h[-1] + hc[-1]``: it runs only when they are equal, or one of them is 1)?"""
    if any(c.op == "==" and {c.lhs, c.rhs} == {a, b} for c in it.graph.constraints):
        return True
    g = it.graph.g
    for nid, data in g.nodes(data=True):
        if data.get("op") != "arith":
            continue
        shapes = [v.shape for _s, _d, v in g.in_edges(nid, data="value")
                  if isinstance(v, Tensor) and v.shape is not None and not v.shape.star]
        if len(shapes) != 2:
            continue
        for da, db in zip(reversed(shapes[0].dims), reversed(shapes[1].dims), strict=False):
            if {da, db} == {a, b}:
                return True
    return False
