"""LST204: a tensor reaches a layer with its axes in another order than the layer reads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import libcst as cst
import networkx as nx

from lstm_lint.dataflow import NEW_VALUE_OPS
from lstm_lint.extract import int_literal
from lstm_lint.findings import Related
from lstm_lint.layout_joins import batch_time_joins, cross_rnn_joins, qualified_label
from lstm_lint.rule import (
    SHAPE_ERROR,
    Finding,
    Rule,
    RuleContext,
    contains,
    error_near,
    state_refused_by_layer,
)
from lstm_lint.values import BATCH, TIME, Tensor

#: forward parameters that carry per-sequence lengths (not ``seq_len``/``max_len``: sizes)
_LENGTHS = re.compile(r"^(?:\w+_)?(?:lengths?|lens|len)$")
_NOT_LENGTHS = frozenset({"seq_len", "seq_length", "max_len", "max_length", "sequence_length",
                          "len", "length", "pad_len", "window_len"})


class InputLayout(Rule):
    code = "LST204"
    name = "input-layout"
    severity = "warning"
    confirm_error = SHAPE_ERROR
    summary = "Batch-major data into a time-major RNN, or (N, L, C) into a convolution."
    what_it_does = """
Uses the axis roles the engine tracks (batch, time, features) to flag a tensor whose layout
the code itself shows, fed to a layer that reads another layout: the `(B, T, H)` output of a
`batch_first` RNN into an RNN built with `batch_first=False`, a CNN's map of the caller's
image laid out `(N, W, C)` (its batch on axis 0, a width of the image on axis 1) into a
time-major RNN, or an RNN output `(N, L, C)` into `nn.Conv1d`/`nn.BatchNorm1d`, which read
channels on axis 1.

For an input whose layout nothing before the RNN fixes (a `forward` argument), the code's own
statements count: an initial state sized from the axis the RNN reads as time
(`h0 = zeros(L, x.size(0), H)` into a time-major RNN, a step decoder's `(B, 1, F)` with a state
of batch `B`), or a size the code names for the other role (`batch_size, seq_len, _ =
x.shape` before a time-major RNN, or the same names on its output). A finding about what
follows from such a layout (an index on the output, the state's batch) is left to this rule:
the layout is the root cause. So does a gather of each sequence's position from the lengths
`forward` receives (`out.gather(1, (lengths - 1).view(-1, 1, 1).expand(-1, -1, H))`, the
usual "last real step"): the code reads that axis as time, and a time-major RNN made it the
batch. And so does a `torch.cat` of the RNN's final state (`h_n.mean(0)`, batch on axis 0)
with a tensor made from its output that holds time on that axis (`(out * w).sum(dim=1)` on a
time-major output): the code read the output's other axis as the batch, and the join runs
only when batch and time are equal. The same holds for the outputs of two RNNs built with
different `batch_first` joined as they came (`torch.cat([enc_out, dec_out], dim=1)` with one
time-major, one batch-major): one's time lies where the other's batch does.

Two RNNs that read one input of the caller's with different `batch_first` (a `forward`
argument, or what an embedding or a projection made of it) are reported at the second reader,
unless the code sweeps one grid both ways on purpose, as a ReNet does: the two outputs joined
cell by cell (`r + c`, `torch.cat([r, c], dim=-1)` of tensors with the same leading axes) and
nothing that needs the batch to equal the time (`torch.cat([h[-1], hc[-1]], dim=-1)`).
"""
    why_bad = """
A time-major RNN fed batch-major data runs the recurrence across the batch: samples leak into
each other and the shapes look right, so nothing fails. A convolution fed `(N, L, C)` treats
time steps as channels and crashes, or silently convolves over features when `L` happens to
equal the channel count.
"""
    example = """
self.enc = nn.LSTM(n_in, hidden, batch_first=True)
self.dec = nn.LSTM(hidden, hidden)              # batch_first=False
...
h, _ = self.enc(x)                              # (B, T, H)
y, _ = self.dec(h)                              # reads (T, B, H)
"""
    use_instead = """
self.dec = nn.LSTM(hidden, hidden, batch_first=True)
# for a convolution: self.conv(out.transpose(1, 2))
"""
    fix_safety = """
Unsafe: for a convolution or `nn.BatchNorm1d`, the argument `x` becomes `x.transpose(1, 2)`;
the layer's output is then `(N, C, L)`, and code after it that expects `(N, L, C)` needs a
transpose back. A batch-major tensor into a time-major RNN gets no fix (building the RNN with
`batch_first=True` or transposing are both reasonable).
"""

    VALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(10, 16, batch_first=True)
        self.conv = nn.Conv1d(16, 8, 3)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.conv(out.transpose(1, 2))
""",
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, vocab, emb):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.conv = nn.Conv1d(emb, 32, 3)

    def forward(self, tokens):
        return self.conv(self.embedding(tokens).permute(0, 2, 1))
""",
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(10, 16)

    def forward(self, x):
        batch_size, seq_len, _ = x.shape
        h0 = torch.zeros(1, batch_size, 16)
        out, _ = self.rnn(x.transpose(0, 1), h0)
        return out[-1]
""",
        """
import torch.nn as nn

class SeqRec(nn.Module):
    def __init__(self, n_items, emb, hidden):
        super().__init__()
        self.emb = nn.Embedding(n_items, emb)
        self.gru = nn.GRU(emb, hidden)

    def forward(self, item_seq, item_seq_len):
        out, _ = self.gru(self.emb(item_seq))
        idx = (item_seq_len - 1).view(1, -1, 1).expand(-1, -1, out.size(-1))
        return out.gather(0, idx).squeeze(0)
""",
        """
import torch
import torch.nn as nn

class AttnEncoder(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, num_layers=2)
        self.u = nn.Linear(hidden, 1)

    def forward(self, x):
        out, h = self.rnn(x)
        scores = self.u(out).softmax(dim=0)
        return torch.cat([h.mean(dim=0), (out * scores).sum(dim=0)], dim=1)
""",
        """
import torch
import torch.nn as nn

class TwoStreams(nn.Module):
    def __init__(self, n_items, emb, n_feat, hidden):
        super().__init__()
        self.emb = nn.Embedding(n_items, emb)
        self.item_gru = nn.GRU(emb, hidden, batch_first=True)
        self.feat_gru = nn.GRU(n_feat, hidden)

    def forward(self, items, feats):
        item_out, _ = self.item_gru(self.emb(items))
        feat_out, _ = self.feat_gru(feats)
        return torch.cat((item_out, feat_out.transpose(0, 1)), -1)
""",
        """
import torch
import torch.nn as nn

class TableFilling(nn.Module):
    # one (L, L, 2E) table of word pairs read along rows (batch-first) and down columns
    # (time-major): both outputs are (L, L, H), indexed by cell; the feature join is valid
    def __init__(self, vocab, emb, h):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.rows = nn.GRU(2 * emb, h, batch_first=True)
        self.cols = nn.GRU(2 * emb, h)

    def forward(self, words):
        e = self.emb(words)
        n = e.size(0)
        grid = torch.cat([e.unsqueeze(1).expand(-1, n, -1), e.unsqueeze(0).expand(n, -1, -1)],
                         dim=-1)
        r, _ = self.rows(grid)
        c, _ = self.cols(grid)
        return torch.cat([r, c], dim=-1)
""",
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.cnn = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.rnn = nn.LSTM(8, 16)

    def forward(self, images):
        conv = self.cnn(images).squeeze(2)
        out, _ = self.rnn(conv.permute(2, 0, 1))
        return out
""",
    ]
    INVALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(10, 16, batch_first=True)
        self.conv = nn.Conv1d(16, 8, 3)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.conv(out)  # <-- LST204
""",
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.LSTM(10, 16, batch_first=True)
        self.dec = nn.LSTM(16, 16)

    def forward(self, x):
        h, _ = self.enc(x)
        y, _ = self.dec(h)  # <-- LST204
        return y
""",
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(10, 16)

    def forward(self, x):
        h0 = torch.zeros(1, x.size(0), 16)
        out, _ = self.rnn(x, h0)  # <-- LST204
        return out
""",
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(10, 16)
        self.fc = nn.Linear(16, 2)

    def forward(self, x):
        batch_size, seq_len, _ = x.size()
        out, _ = self.rnn(x)  # <-- LST204
        return self.fc(out.reshape(batch_size * seq_len, 16))
""",
        """
import torch.nn as nn

class Downsample(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = getattr(nn, "GRU")(n_in, hidden)

    def forward(self, x):
        out, _ = self.rnn(x)  # <-- LST204
        batch_size, steps, feat = out.shape
        return out.reshape(batch_size, steps // 2, feat * 2)
""",
        """
import torch.nn as nn

class SeqRec(nn.Module):
    def __init__(self, n_items, emb, hidden):
        super().__init__()
        self.emb = nn.Embedding(n_items, emb)
        self.gru = nn.GRU(emb, hidden)

    def forward(self, item_seq, item_seq_len):
        out, _ = self.gru(self.emb(item_seq))  # <-- LST204
        idx = (item_seq_len - 1).view(-1, 1, 1).expand(-1, -1, out.size(-1))
        return out.gather(1, idx).squeeze(1)
""",
        """
import torch
import torch.nn as nn

class AttnEncoder(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, num_layers=2)
        self.u = nn.Linear(hidden, 1)

    def forward(self, x):
        out, h = self.rnn(x)  # <-- LST204
        scores = self.u(out).softmax(dim=1)
        return torch.cat([h.mean(dim=0), (out * scores).sum(dim=1)], dim=1)
""",
        """
import torch
import torch.nn as nn

class TwoStreams(nn.Module):
    def __init__(self, n_items, emb, n_feat, hidden):
        super().__init__()
        self.emb = nn.Embedding(n_items, emb)
        self.item_gru = nn.GRU(emb, hidden, batch_first=True)
        self.feat_gru = nn.GRU(n_feat, hidden)

    def forward(self, items, feats):
        item_out, _ = self.item_gru(self.emb(items))
        feat_out, _ = self.feat_gru(feats)
        return torch.cat((item_out, feat_out), -1)  # <-- LST204
""",
        """
import torch
import torch.nn as nn

class EncoderDecoder(nn.Module):
    def __init__(self, hidden, layers):
        super().__init__()
        self.history = nn.LSTM(input_size=hidden, hidden_size=hidden, num_layers=layers)
        self.future = nn.LSTM(input_size=hidden, hidden_size=hidden, num_layers=layers,
                              batch_first=True)

    def forward(self, past, ahead, h0, c0):
        history, state = self.history(past, (h0, c0))
        future, _ = self.future(ahead, state)
        return torch.cat([history, future], dim=1)  # <-- LST204
""",
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.cnn = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.rnn = nn.LSTM(8, 16)

    def forward(self, images):
        conv = self.cnn(images).squeeze(2)
        out, _ = self.rnn(conv.permute(0, 2, 1))  # <-- LST204
        return out
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        yield from self._layout_conflicts(ctx)
        yield from _gathers_across_batch(ctx)
        yield from _batch_time_joins(ctx)
        yield from _cross_rnn_joins(ctx)

    def _layout_conflicts(self, ctx: RuleContext) -> Iterator[Finding]:
        flagged = [node.cst for _g, node, _c in ctx.conflicts("layout")]
        for _g, node, c in ctx.conflicts("layout"):
            x = c.tensor
            layer = c.layer
            label = layer.label() if layer else node.label
            shape = x.shape.render() if isinstance(x, Tensor) and x.shape else c.received
            if c.reader == "rnn" and isinstance(c.target, Tensor) and c.target.shape:
                b_ax = 0 if c.batch_first else 1
                msg = (f"{label} is built with batch_first={c.batch_first} and reads its "
                       f"input {shape} with the batch on axis {b_ax}, but the initial state "
                       f"{c.state} is {c.target.shape.render()}: its batch is the input's "
                       f"axis {1 - b_ax}, which {label} reads as time (the code treats axis "
                       f"{1 - b_ax} as the batch); it runs only when batch and time are "
                       f"equal; build {label} with batch_first={not c.batch_first}, or size "
                       f"{c.state} from the input's axis {b_ax}")
            elif c.reader == "rnn" and c.named is not None:
                name, ax, _target = c.named
                role = "batch" if ax == (0 if c.batch_first else 1) else "time"
                said = "batch" if role == "time" else "time"
                msg = (f"{label} is built with batch_first={c.batch_first} and reads its "
                       f"input as {c.expected}, so axis {ax} is the {role}; but the code "
                       f"names that axis `{name}`, the {said}: the recurrence would run across "
                       f"the batch; build {label} with batch_first={not c.batch_first}, or "
                       "transpose(0, 1) first")
            elif c.reader == "rnn" and c.packed:
                src = x.rnn.layer if isinstance(x, Tensor) and x.rnn else "the input"
                msg = (f"{label} reads a PackedSequence packed with batch_first={c.batch_first}, "
                       f"which takes {c.expected}, but {src} delivers {shape} with batch and "
                       f"time the other way round; the recurrence would run across the batch; "
                       f"pack with batch_first={not c.batch_first}, or transpose(0, 1) first")
            elif c.reader == "rnn":
                src = x.rnn.layer if isinstance(x, Tensor) and x.rnn else "the input"
                msg = (f"{label} is built with batch_first={c.batch_first} and "
                       f"reads {c.expected}, but {src} delivers {shape} with batch and time "
                       f"the other way round; the recurrence would run across the batch; "
                       f"build {label} with batch_first={not c.batch_first} or "
                       "transpose(0, 1) first")
            else:
                kind = f"nn.{layer.kind}" if layer else "the layer"
                named = label if label == kind else f"{label} ({kind})"
                arg = _first_arg(node.cst)
                code = ctx.analysis.fm.module.code_for_node(arg) if arg is not None else "x"
                if arg is not None and not isinstance(arg, cst.Name | cst.Attribute | cst.Call
                                                      | cst.Subscript):
                    code = f"({code})"
                msg = (f"{named} reads channels on axis 1 {c.expected}, but receives {shape} "
                       f"with time on axis 1 and features last; call it on "
                       f"{code}.transpose(1, 2)")
            f = ctx.finding(node, msg, related=layer.cst if layer else None,
                            related_message=f"{label} is built here")
            if c.named is not None:
                f.related.append(Related(f.path, c.named[2], f.fm,
                                         f"`{c.named[0]}` is read here"))
            arg = _first_arg(node.cst) if c.reader != "rnn" else None
            # an argument that is itself a flagged call gets its own fix first
            if arg is not None and not any(contains(arg, other) for other in flagged):
                code = ctx.analysis.fm.module.code_for_node(arg)
                if not isinstance(arg, cst.Name | cst.Attribute | cst.Call | cst.Subscript):
                    code = f"({code})"
                ctx.with_fix(f, "unsafe", "put the channels on axis 1",
                             [(arg, cst.parse_expression(f"{code}.transpose(1, 2)"))])
            yield f

    def confirm(self, finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
        if "the code names that axis" in finding.message:
            # the finding rests on the code's own name for an axis: a crash nearby (often in
            # the code that reads the name) or the shapes a run happens to use cannot show
            # which axis the code means; only the layer itself refusing the state the code
            # built for its layout, at the call, does
            # (at the finding's line or another call of the layer, with batch and time the
            # other way round in the layer's own input: a state of a fixed size refused
            # there says nothing of the layout)
            return state_refused_by_layer(finding, evidence)
        hit = error_near(finding, evidence) or state_refused_by_layer(finding, evidence)
        if hit is not None:
            return hit
        for ev in evidence:
            for op in ev.ops_at(finding.line):
                if (op.module or op.name) not in ("LSTM", "GRU", "RNN"):
                    continue
                shape = op.args[0] if op.args else None
                if isinstance(shape, list) and len(shape) == 3 and shape[0] == ev.env.get("B") \
                        and shape[1] == ev.env.get("T"):
                    return ("confirmed", f"{op.name} received {shape}: it reads axis 0 "
                            f"(the batch, B={ev.env['B']}) as time")
        return None


def _first_arg(call: object) -> cst.BaseExpression | None:
    if isinstance(call, cst.Call) and len(call.args) == 1 and call.args[0].keyword is None \
            and not call.args[0].star:
        return call.args[0].value
    return None


def _gathers_across_batch(ctx: RuleContext) -> Iterator[Finding]:
    """A gather along the axis an RNN made the batch, at positions read from the lengths
    ``forward`` receives: the code takes that axis for time, the RNN reads it as the batch."""
    done: set[int] = set()
    for g in ctx.analysis.graphs():
        for node in g.nodes("gather"):
            dim = _gather_dim(node.cst)
            ins = [(u, d.get("value")) for u, _v, d in g.g.in_edges(node.id, data=True)]
            data = [(u, x) for u, x in ins if isinstance(x, Tensor) and x.rnn is not None]
            index = [u for u, x in ins if not (isinstance(x, Tensor) and x.rnn is not None)]
            if dim is None or len(data) != 1 or len(index) != 1:
                continue
            x = data[0][1]
            assert x.rnn is not None
            if x.shape is None or x.shape.star or not -len(x.shape.dims) <= dim \
                    < len(x.shape.dims):
                continue
            ax = dim % len(x.shape.dims)
            if x.role(ax) != BATCH or TIME not in (x.roles or ()) \
                    or not isinstance(x.rnn.batch_first, bool):
                continue
            lengths = _lengths_input(g, index[0])
            rnn_id = x.rnn.node
            if lengths is None or rnn_id is None or rnn_id not in g.g or rnn_id in done:
                continue
            done.add(rnn_id)
            rnn = g.view(rnn_id)  # where the layer is built
            layer = rnn.attrs.get("layer")
            # reported at the call whose output reaches the gather
            calls = [c for c in g.nodes("layer") if layer is not None
                     and c.attrs.get("layer") is layer and nx.has_path(g.g, c.id, node.id)]
            rnn = calls[0] if calls else rnn
            label = layer.label() if layer is not None else x.rnn.layer
            t_ax = (x.roles or ()).index(TIME)
            msg = (f"{label} is built with batch_first={x.rnn.batch_first}, so axis {ax} of "
                   f"{x.shape.render()} (made from its output) is the batch; but the code "
                   f"gathers along "
                   f"axis {ax} at positions read from `{lengths}` (a step of each sequence): "
                   f"it takes that axis for time, and each sequence's step is read from "
                   f"other samples; build {label} with batch_first={not x.rnn.batch_first}, "
                   f"or gather along axis {t_ax}")
            f = ctx.finding(rnn, msg, related=layer.cst if layer is not None else None,
                            related_message=f"{label} is built here")
            if node.cst is not None and node.attrs.get("fm") is not None:
                f.related.append(Related(node.path or f.path, node.cst, node.attrs["fm"],
                                         f"gathered along axis {ax} here"))
            yield f


def _batch_time_joins(ctx: RuleContext) -> Iterator[Finding]:
    """A ``torch.cat`` of the RNN's final state (batch on an axis) and a tensor made from its
    output that holds time on that same axis: the code read the output's other axis as the
    batch (a reduction or index over it), so the parts agree only when batch and time do."""
    done: set[int] = set()
    for j in batch_time_joins(ctx.analysis):
        if j.call.id in done or j.layer is None:
            continue
        done.add(j.call.id)
        bf = j.batch_part.rnn.batch_first if j.batch_part.rnn else None
        label = j.layer.label()
        b, t = j.batch_part.shape.render(), j.time_part.shape.render()  # type: ignore[union-attr]
        msg = (f"{label} is built with batch_first={bf}, but the code joins {b} (the batch on "
               f"axis {j.axis}) with {t}, made from its output with time on that axis: the "
               f"output's other axis was read as the batch, and torch.cat runs only when batch "
               f"and time are equal; build {label} with batch_first={not bf}, or reduce the "
               f"output over its time axis")
        f = ctx.finding(j.call, msg, related=j.layer.cst, related_message=f"{label} is built here")
        if j.join.cst is not None and j.join.attrs.get("fm") is not None:
            f.related.append(Related(j.join.path or f.path, j.join.cst, j.join.attrs["fm"],
                                     "joined here"))
        yield f


def _cross_rnn_joins(ctx: RuleContext) -> Iterator[Finding]:
    """Outputs of two RNNs built with different ``batch_first`` joined as they came: one's
    time lies where the other's batch does, so the join runs only when they are equal."""
    for j in cross_rnn_joins(ctx.analysis):
        (tx, tl), (bx, bl) = j.time_part, j.batch_part
        if ctx.miswired(tl) or ctx.miswired(bl):
            continue  # the layout conflict at the call says it first
        tn, bn = tl.label(), bl.label()
        if tn == bn:  # two wrappers naming their RNN alike: say which module holds each
            tn = qualified_label(j.graph, tl, j.join.id)
            bn = qualified_label(j.graph, bl, j.join.id)
        if j.axis is not None:
            t_role, b_role = ("time", "batch") if j.axis == 0 else ("batch", "time")
            clash = f"on axis {j.axis} {tn} holds its {t_role} where {bn} holds its {b_role}"
        else:
            clash = f"{tn} holds its time and batch on axes 0 and 1, {bn} its batch and time"
        ts = tx.shape.render() if tx.shape is not None and not tx.shape.star else "(T, B, H)"
        bs = bx.shape.render() if bx.shape is not None and not bx.shape.star else "(B, T, H)"
        joined = "stacks" if j.join.label == "stack" else "concatenates"
        msg = (f"{_laid_out(tn, tl, tx, False)} and {_laid_out(bn, bl, bx, True)}, but the "
               f"code {joined} their outputs {ts} and {bs} as they came: {clash}, so it runs "
               f"only when batch and time are equal (and if it runs, one of them reads its "
               f"batch as time); lay both out alike (the same batch_first), or transpose(0, 1) "
               f"one output before the join")
        f = ctx.finding(j.join, msg, related=tl.cst, related_message=f"{tn} is built here")
        fm = j.join.attrs.get("fm")
        if bl.cst is not None and fm is not None:
            f.related.append(Related(j.join.path or f.path, bl.cst, fm, f"{bn} is built here"))
        yield f


def _laid_out(name: str, layer: Any, part: Any, batch_first: bool) -> str:
    """What gave a joined output its layout: the layer's own flag, or the
    ``pad_packed_sequence`` that unpacked it (its flag, not the packing's, lays it out)."""
    if part.rnn is not None and part.rnn.padded:
        return (f"{name}'s output is unpacked with pad_packed_sequence(..., "
                f"batch_first={batch_first})")
    flag = layer.flag("batch_first")
    return f"{name} is built with batch_first={flag if isinstance(flag, bool) else batch_first}"


def _gather_dim(call: object) -> int | None:
    """The literal ``dim`` of ``x.gather(dim, index)`` or ``torch.gather(x, dim, index)``."""
    if not isinstance(call, cst.Call):
        return None
    functional = isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Name) \
        and call.func.value.value == "torch"
    pos = [a.value for a in call.args if a.keyword is None and not a.star]
    kw = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    e = kw.get("dim")
    if e is None:
        k = 1 if functional else 0
        e = pos[k] if len(pos) > k else None
    return int_literal(e)


def _lengths_input(g: Any, start: int) -> str | None:
    """The name of the lengths argument the index is computed from, through ops that make
    no new value only (``(lengths - 1).view(-1, 1, 1).expand(...)``); None otherwise."""
    nodes = [g.view(start), *g.sources(start, NEW_VALUE_OPS, 12)]
    names = set()
    for n in nodes:
        if n.op == "input":
            name = n.label
            if name in _NOT_LENGTHS or not _LENGTHS.match(name):
                return None
            names.add(name)
        elif n.op in NEW_VALUE_OPS:
            return None
    return names.pop() if len(names) == 1 else None
