"""Joins that pair an RNN's batch axis with its time axis: ``torch.cat([h_n.mean(0),
(out * w).sum(1)], dim=1)`` on a time-major RNN puts the final state's batch (B, H) beside
a tensor the code reduced over the batch (T, H); torch needs B == T there, which two free
sizes are not.  Used by LST204 (the layout the RNN was built with is not the one the code
reads)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import libcst as cst
import networkx as nx

from .extract import int_literal
from .values import BATCH, TIME, Seq, Tensor

#: the nodes whose values start an RNN's input (what an RNN's input may come from for its
#: layout to be the caller's: the forward argument as it came)
_STARTS = ("layer", "input", "factory", "module")


@dataclass
class BatchTimeJoin:
    graph: Any  # Dataflow
    call: Any  # NodeView: the RNN call whose output and state meet
    layer: Any  # the RNN layer
    join: Any  # NodeView: the torch.cat
    axis: int
    batch_part: Tensor
    time_part: Tensor


def batch_time_joins(analysis: Any) -> Iterator[BatchTimeJoin]:
    """Each ``torch.cat`` of two tensors made from one RNN call, whose parts hold that RNN's
    batch and its time on the same (not joined) axis, with sizes of free, unrelated symbols;
    only for an RNN whose input is a ``forward`` argument as it came (its layout is what the
    RNN's flag says, nothing in the code fixes it otherwise)."""
    for g in analysis.graphs():
        for node in g.nodes("cat"):
            dim = _cat_dim(node.cst) if node.label in ("cat", "concat", "concatenate") else None
            ins = [d.get("value") for _u, _v, d in g.g.in_edges(node.id, data=True)]
            parts = [x for x in ins if isinstance(x, Tensor) and x.rnn is not None
                     and x.shape is not None and not x.shape.star and x.roles is not None
                     and len(x.roles) == len(x.shape.dims)]
            if dim is None or len(parts) < 2 or len({len(p.shape.dims) for p in parts
                                                     if p.shape is not None}) != 1:
                continue
            found = _clash(parts, dim)
            if found is None:
                continue
            axis, b_part, t_part = found
            assert b_part.rnn is not None
            if b_part.rnn.node != (t_part.rnn.node if t_part.rnn else None) \
                    or not isinstance(b_part.rnn.batch_first, bool):
                continue
            call = _rnn_call(g, b_part.rnn.node, node.id)
            if call is None:
                continue
            yield BatchTimeJoin(g, call, call.attrs.get("layer"), node, axis, b_part, t_part)


def _clash(parts: list[Tensor], dim: int) -> tuple[int, Tensor, Tensor] | None:
    assert parts[0].shape is not None
    rank = len(parts[0].shape.dims)
    joined = dim % rank if -rank <= dim < rank else None
    if joined is None:
        return None
    for k in range(rank):
        if k == joined:
            continue
        bs = [p for p in parts if p.role(k) == BATCH]
        ts = [p for p in parts if p.role(k) == TIME]
        if not bs or not ts:
            continue
        b, t = bs[0], ts[0]
        assert b.shape is not None and t.shape is not None
        db, dt = b.shape.dims[k], t.shape.dims[k]
        if db is None or dt is None or db.is_const or dt.is_const:
            continue
        sb, st = db.symbols(), dt.symbols()
        if sb and st and not sb & st:
            return k, b, t
    return None


def _rnn_call(g: Any, rnn_id: int | None, join_id: int) -> Any:
    """The call of the RNN built (or called) at ``rnn_id`` whose output reaches the join, when
    its input is a ``forward`` argument as it came."""
    if rnn_id is None or rnn_id not in g.g:
        return None
    layer = g.view(rnn_id).attrs.get("layer")
    if layer is None:
        return None
    calls = [c for c in g.nodes("layer") if c.attrs.get("layer") is layer
             and nx.has_path(g.g, c.id, join_id)]
    if len(calls) != 1:
        return None
    srcs = g.sources(calls[0].id, _STARTS, 12)
    if not srcs or any(s.op not in ("input", "factory") for s in srcs) \
            or not any(s.op == "input" for s in srcs):
        return None
    return calls[0]


def _first_arg(call: object) -> cst.BaseExpression | None:
    """The input an RNN call reads: its first positional argument, or ``input=``."""
    if not isinstance(call, cst.Call):
        return None
    for a in call.args:
        if a.keyword is None and not a.star:
            return a.value
        if a.keyword is not None and a.keyword.value == "input":
            return a.value
    return None


def _cat_dim(call: object) -> int | None:
    """The literal ``dim`` of ``torch.cat(parts, dim)`` (0 when not given)."""
    if not isinstance(call, cst.Call):
        return None
    pos = [a.value for a in call.args if a.keyword is None and not a.star]
    kw = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    e = kw.get("dim", kw.get("axis", pos[1] if len(pos) > 1 else None))
    if e is None:
        return 0
    return int_literal(e)


@dataclass
class CrossJoin:
    """Outputs of two RNNs built with different layouts joined as they came: one holds its
    time where the other holds its batch."""
    graph: Any  # Dataflow
    join: Any  # NodeView: the torch.cat / torch.stack
    axis: int | None  # an axis (not the joined one) holding time in one part, batch in the other
    time_part: tuple[Tensor, Any]  # (the part, its RNN's layer)
    batch_part: tuple[Tensor, Any]


def cross_rnn_joins(analysis: Any) -> Iterator[CrossJoin]:
    """Each ``torch.cat``/``torch.stack`` of 3-d tensors made by two different RNNs, one with
    time then batch on axes 0 and 1, the other with batch then time: the outputs of an RNN
    built with ``batch_first=False`` and one built with ``batch_first=True``, joined with
    neither transposed.  torch needs the parts' sizes equal on every axis but the joined one,
    so one's time equals the other's batch, whatever the inputs were.  A part whose rank is
    not known counts when it is an RNN's output as it came and another part is 3-d (torch
    joins only parts of one rank, and an RNN's 3-d output is laid out as its flag says)."""
    for g in analysis.graphs():
        joins = [nid for nid, op in g.g.nodes(data="op") if op in ("cat", "stack")]
        for node in map(g.view, joins):
            stack = node.label == "stack"
            if not stack and node.label not in ("cat", "concat", "concatenate"):
                continue
            parts = _layout_parts(g, node.id)
            if len(parts) < 2:
                continue
            tb = [p for p in parts if p[1] == (TIME, BATCH)]
            bt = [p for p in parts if p[1] == (BATCH, TIME)]
            if not tb or not bt:
                continue
            t, b = tb[0], bt[0]
            if t[2] is b[2] or t[0].rnn is None or b[0].rnn is None \
                    or t[0].rnn.node == b[0].rnn.node \
                    or _read_together(g, t[2], b[2], node.id):
                continue
            dim = None if stack else _cat_dim(node.cst)
            if not stack and dim is None:
                # the joined axis is not known here: any axis known to agree may be the other
                if any(_same_size(t[0], b[0], k) for k in (0, 1)):
                    continue
                axis = None
            else:
                axes = [0, 1] if dim is None else \
                    [k for k in (0, 1) if k != dim % 3] if -3 <= dim < 3 else []
                axis = next((k for k in axes if not _same_size(t[0], b[0], k)), None)
                if axis is None:
                    continue
            yield CrossJoin(g, node, axis, (t[0], t[2]), (b[0], b[2]))


def qualified_label(g: Any, layer: Any, join_id: int) -> str:
    """The layer's name as the joining code reaches it: ``self.enc.rnn`` for ``self.rnn`` of
    a child module called as ``self.enc`` (two wrapper modules each name their RNN alike)."""
    label = str(layer.label())
    for c in g.nodes("layer"):
        if c.attrs.get("layer") is layer and nx.has_path(g.g, c.id, join_id):
            via = c.attrs.get("via") or ()
            callee = str(via[-1]).split(" (", 1)[0] if via else ""
            if callee.startswith("self.") and label.startswith("self."):
                return callee + label[len("self"):]
            return label
    return label


def _read_together(g: Any, one: Any, other: Any, join_id: int) -> bool:
    """Whether the two RNN layers' calls that reach the join read one and the same value: a
    grid (N, M, C) swept along rows by a batch-first RNN and down columns by a time-major one
    (ReNet, table filling) gives two outputs indexed alike, (N, M, H) both, so joining them on
    the features is always valid whatever the roles say."""
    def data(layer: Any) -> set[object]:
        found: set[object] = set()
        for c in g.nodes("layer"):
            if c.attrs.get("layer") is layer and nx.has_path(g.g, c.id, join_id):
                found |= c.attrs.get("data_in", set())
                first = _first_arg(c.cst)
                if isinstance(first, cst.Name):  # a value not modelled, named alike
                    found.add((c.path, c.attrs.get("via"), first.value))
        return found
    return bool(data(one) & data(other))


def _layout_parts(g: Any, join_id: int) -> list[tuple[Tensor, tuple[str | None, ...], Any,
                                                      bool]]:
    """The parts of a join made by an RNN: (part, its roles on axes 0 and 1, the RNN layer,
    whether its rank 3 is known)."""
    found = []
    known3 = False
    for u, _v, d in g.g.in_edges(join_id, data=True):
        x = d.get("value")
        if not isinstance(x, Tensor):
            continue
        if x.shape is not None and not x.shape.star and len(x.shape.dims) == 3:
            known3 = True
        if x.rnn is None or x.rnn.node is None or x.rnn.node not in g.g \
                or not isinstance(x.rnn.batch_first, bool):
            continue
        layer = g.view(x.rnn.node).attrs.get("layer")
        if layer is None:
            continue
        if x.shape is not None and not x.shape.star and len(x.shape.dims) == 3:
            if x.roles is not None and len(x.roles) == 3:
                found.append((x, tuple(x.roles[:2]), layer, True))
        elif _output_as_it_came(g, u, x):
            roles = (BATCH, TIME) if x.rnn.batch_first else (TIME, BATCH)
            found.append((x, roles, layer, False))
            # a call given a batched (3-d) state returns a 3-d output, or a PackedSequence
            # when it read one: torch.cat/stack take no PackedSequence, so where the join
            # runs at all, the part is 3-d
            known3 = known3 or _batched_state(g.view(u).value)
    return found if known3 else [p for p in found if p[3]]


def _output_as_it_came(g: Any, src: int, x: Tensor) -> bool:
    """``x`` is the output of the RNN call ``src`` itself (``out, h = self.rnn(x)``)."""
    n = g.view(src)
    v = n.value
    if n.op != "layer" or not isinstance(v, Seq) or not v.items or v.items[0] is not x:
        return False
    layer = n.attrs.get("layer")
    return layer is not None and x.rnn is not None and layer.node == x.rnn.node


def _batched_state(v: Any) -> bool:
    """Whether an RNN call's result ``(output, h_n)`` / ``(output, (h_n, c_n))`` holds a 3-d
    final state (the call read a batched input)."""
    if not isinstance(v, Seq) or len(v.items) < 2:
        return False
    h = v.items[1]
    if isinstance(h, Seq) and h.items:
        h = h.items[0]
    return isinstance(h, Tensor) and h.shape is not None and not h.shape.star \
        and len(h.shape.dims) == 3


def _same_size(a: Tensor, b: Tensor, k: int) -> bool:
    """Whether axis ``k`` is known to be of one size in both (the same size expression, or
    two literals: a coincidence of a configuration is not a layout)."""
    da = a.shape.dims[k] if a.shape is not None and not a.shape.star else None
    db = b.shape.dims[k] if b.shape is not None and not b.shape.star else None
    if da is None or db is None:
        return False
    return da == db or (da.is_const and db.is_const)
