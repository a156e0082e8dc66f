"""LST306: one RNN's final state handed to another RNN built with another state shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lstm_lint.dataflow import Dataflow, NodeView
from lstm_lint.layers import RECURRENT, Layer, differs
from lstm_lint.layers_rnn import directions, h_out
from lstm_lint.rule import Finding, Rule, RuleContext, contains, error_near
from lstm_lint.symbolic import Expr
from lstm_lint.values import BATCH, STATE, Tensor, dim_str


class StateHandoffMismatch(Rule):
    code = "LST306"
    name = "state-handoff-mismatch"
    severity = "error"
    summary = ("An encoder's `h_n` `(2*layers, B, H)` handed to a decoder RNN that expects "
               "`(layers, B, H)`.")
    what_it_does = """
Follows the final state `h_n` (or `c_n`) of one RNN to the call of another RNN that receives
it as its initial state, and compares the two layouts: the first axis is
`num_layers*num_directions` of the RNN that *made* the state and must equal that of the RNN
that *reads* it; the last axis is each one's hidden size. It names both RNNs, across modules
(a `Seq2Seq` parent that builds an `Encoder` and a `Decoder`).
"""
    why_bad = """
A bidirectional or deeper encoder returns `2*layers` (or more) state rows; a unidirectional
decoder of `layers` layers raises `Expected hidden size (layers, B, H), got [2*layers, B, H]`
on its first step, and the message names neither the encoder nor the reason. With a wider
encoder the last axis differs as well.
"""
    example = """
self.encoder = nn.GRU(emb, hidden, num_layers=layers, bidirectional=True)
self.decoder = nn.GRU(emb, hidden, num_layers=layers)
...
_, h_n = self.encoder(src)                    # (2*layers, B, hidden)
out, _ = self.decoder(tgt, h_n)               # expects (layers, B, hidden)
"""
    use_instead = """
_, h_n = self.encoder(src)
h_n = h_n.view(layers, 2, h_n.size(1), hidden).sum(1)   # join the two directions
# or: torch.tanh(self.bridge(torch.cat((h_n[-2], h_n[-1]), dim=1))).unsqueeze(0)
out, _ = self.decoder(tgt, h_n)
"""
    fix_safety = """
No automatic fix: joining the directions (sum, concatenation and a `nn.Linear` bridge, or
the top layers only) is a modelling choice.
"""

    VALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, emb, hidden, layers):
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.encoder = nn.GRU(emb, hidden, num_layers=layers, bidirectional=True)
        self.decoder = nn.GRU(emb, hidden, num_layers=layers)

    def forward(self, src, tgt):
        _, h_n = self.encoder(src)
        h_n = h_n.view(self.layers, 2, src.size(1), self.hidden).sum(1)
        return self.decoder(tgt, h_n)[0]
""",
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, emb, hidden):
        super().__init__()
        self.encoder = nn.GRU(emb, hidden, bidirectional=True)
        self.bridge = nn.Linear(2 * hidden, hidden)
        self.decoder = nn.GRU(emb, hidden)

    def forward(self, src, tgt):
        _, h_n = self.encoder(src)
        h0 = torch.tanh(self.bridge(torch.cat((h_n[-2], h_n[-1]), dim=1))).unsqueeze(0)
        return self.decoder(tgt, h0)[0]
""",
    ]
    INVALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, emb, hidden, layers):
        super().__init__()
        self.encoder = nn.GRU(emb, hidden, num_layers=layers, bidirectional=True)
        self.decoder = nn.GRU(emb, hidden, num_layers=layers)

    def forward(self, src, tgt):
        _, h_n = self.encoder(src)
        out, _ = self.decoder(tgt, h_n)  # <-- LST306
        return out
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        seen: set[tuple[int, int]] = set()
        for g in ctx.graphs():
            for node in g.nodes("layer"):
                layer = node.attrs.get("layer")
                if not isinstance(layer, Layer) or layer.kind not in RECURRENT:
                    continue
                if not _has_state_argument(node.cst):
                    continue
                states = sorted(_handed_states(g, node, layer), key=lambda t: t.what != "h_n")
                for state in states:
                    assert state.rnn is not None
                    key = (id(node.cst), state.rnn.node or -1)
                    if key in seen:
                        continue
                    mismatch = _mismatch(state, layer)
                    if mismatch is None:
                        continue
                    seen.add(key)
                    yield self._finding(ctx, g, node, layer, state, mismatch)

    def _finding(self, ctx: RuleContext, g: Dataflow, node: NodeView, layer: Layer,
                 state: Tensor, mismatch: tuple[Expr, Expr, Expr | None, Expr | None]) -> Finding:
        assert state.rnn is not None and state.shape is not None
        src_rows, dst_rows, src_w, dst_w = mismatch
        src = state.rnn
        src_layer = _built_layer(g, src.node)
        src_name = _qualified(ctx, src_layer, src.layer)
        dst_name = _qualified(ctx, layer, layer.label())
        src_desc = _describe(src_layer, src.kind)
        dst_desc = _describe(layer, layer.kind)
        what = state.what or "h_n"
        if src.kind == "LSTM" and layer.kind == "LSTM":
            what = "h_n" if what == "h_n" else "c_n"
        named = "the final state (h_n, c_n)" if src.kind == "LSTM" else "h_n"
        exp = f"({dim_str(dst_rows)}, B, {dim_str(dst_w)})"
        fixes = []
        L = src.num_layers
        if src.bidirectional and src_rows != dst_rows:
            fixes.append(f"join its directions (h_n.view({dim_str(L)}, 2, B, "
                         f"{dim_str(src_w)}).sum(1), or cat them and a nn.Linear bridge)")
        elif src_rows != dst_rows:
            n = dim_str(dst_rows)
            top = "the top layer" if n == "1" else f"the top {n} layers"
            fixes.append(f"pass {top} only (h_n[-{n}:]" + (f", c_n[-{n}:])" if named != "h_n"
                                                              else ")"))
        if src_w is not None and dst_w is not None and src_w != dst_w:
            fixes.append(f"map its width {dim_str(src_w)} to {dim_str(dst_w)} with a nn.Linear "
                         "bridge")
        msg = (f"{named} of {src_name} ({src_desc}) is {state.shape.render()}, but it is passed "
               f"as the initial state of {dst_name} ({dst_desc}), which expects {exp}; "
               + " and ".join(fixes))
        related = src_layer.cst if src_layer is not None else None
        return ctx.finding(node, msg, related=related,
                           related_message=f"{src_name} is built here")

    def confirm(self, finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
        return error_near(finding, evidence)


def _has_state_argument(call: Any) -> bool:
    import libcst as cst

    if not isinstance(call, cst.Call):
        return False
    pos = [a for a in call.args if a.keyword is None and not a.star]
    return len(pos) >= 2 or any(a.keyword is not None and a.keyword.value == "hx"
                                for a in call.args)


def _handed_states(g: Dataflow, node: NodeView, layer: Layer) -> Iterator[Tensor]:
    """Final states of *other* RNNs that flowed into this RNN call (on any pass of a loop)."""
    for p in g.g.predecessors(node.id):
        v = g.g.edges[p, node.id].get("value")
        if isinstance(v, Tensor) and v.rnn is not None and v.what in ("h_n", "c_n") \
                and v.rnn.node != layer.node and v.shape is not None and not v.shape.star \
                and len(v.shape.dims) == 3 and v.roles is not None \
                and v.roles[:2] == (STATE, BATCH):
            yield v


def _mismatch(state: Tensor, layer: Layer) -> tuple[Expr, Expr, Expr | None, Expr | None] | None:
    """(rows given, rows expected, width given, width expected) when they provably differ."""
    assert state.shape is not None
    D = directions(layer)
    L = layer.size("num_layers")
    if D is None or L is None:
        return None
    rows = D * L
    width = h_out(layer) if state.what == "h_n" or layer.kind != "LSTM" \
        else layer.size("hidden_size")
    got_rows, got_w = state.shape.dims[0], state.shape.dims[2]
    if got_rows is None:
        return None
    bad = differs(rows, got_rows) or (got_w is not None and width is not None
                                      and differs(width, got_w))
    return (got_rows, rows, got_w, width) if bad else None


def _built_layer(g: Dataflow, nid: int | None) -> Layer | None:
    if nid is None or nid not in g.g:
        return None
    layer = g.g.nodes[nid].get("layer")
    if isinstance(layer, Layer):
        return layer
    v = g.g.nodes[nid].get("value")
    return v if isinstance(v, Layer) else None


def _qualified(ctx: RuleContext, layer: Layer | None, label: str) -> str:
    """``Encoder's self.rnn`` when the layer is built in a class of this file."""
    if layer is None or layer.cst is None:
        return label
    for cls in ctx.analysis.fm.classes.values():
        if contains(cls.node, layer.cst):
            return f"{cls.name}'s {label}"
    return label


def _describe(layer: Layer | None, kind: str) -> str:
    if layer is None:
        return kind
    parts = []
    if layer.flag("bidirectional") is True:
        parts.append("bidirectional")
    parts.append(layer.kind)
    L = layer.size("num_layers")
    desc = " ".join(parts)
    return f"{desc}, num_layers={dim_str(L)}"
