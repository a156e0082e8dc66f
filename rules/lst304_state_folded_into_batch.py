"""LST304: ``h_n.view(-1, H)`` of a stacked or bidirectional RNN folds the layers into the batch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import libcst as cst

from lstm_lint.rule import Finding, Rule, RuleContext, flows_into_head, lower_bound
from lstm_lint.values import BATCH, STATE, Tensor, dim_str


class StateFoldedIntoBatch(Rule):
    code = "LST304"
    name = "state-folded-into-batch"
    severity = "warning"
    summary = ("`h_n.view(-1, H)` / `h_n.view(B, -1)` of a stacked or bidirectional RNN mixes "
               "layers, directions and samples.")
    what_it_does = """
Flags a `view`/`reshape` of an RNN's `h_n` (or `c_n`), laid out `(layers*dirs, B, H)`, that
merges the layer-direction axis with the batch axis while the engine proves `layers*dirs > 1`:
`h_n.view(-1, H)` gives `(layers*dirs*B, H)`, several rows per sample; `h_n.view(B, -1)` (or
`view(-1, 2*H)`) cuts the memory into rows that hold states of *different* samples.
"""
    why_bad = """
`h_n` is stored layer by layer, the batch inside. Folding the first axis into the batch gives
the head `layers*dirs` rows per sample, which then meet a target of `B` rows (a crash at the
loss, or, with `expand`/broadcasting, silent training on the wrong pairs). Reading it as
`(B, layers*dirs*H)` without moving the batch axis first is worse: each row mixes two samples
and nothing fails.
"""
    example = """
self.lstm = nn.LSTM(n_in, hidden, num_layers=2, batch_first=True)
...
_, (h_n, _) = self.lstm(x)
logits = self.fc(h_n.view(-1, hidden))        # (2*B, n_out): two rows per sample
"""
    use_instead = """
logits = self.fc(h_n[-1])                     # the top layer, (B, hidden)
# every layer (or both directions) per sample:
# h_n.transpose(0, 1).reshape(x.size(0), -1)  # (B, layers*dirs*hidden)
"""
    fix_safety = """
Unsafe: for a unidirectional RNN, `h_n.view(-1, H)` becomes `h_n[-1]` (the top layer's final
state), which changes the rows the head sees. `h_n.view(B, -1)` becomes
`h_n.transpose(0, 1).reshape(B, -1)`, which keeps the shape but changes which values fill each
row. A bidirectional `view(-1, H)` gets no fix: join `h_n[-2]` and `h_n[-1]` by hand.
"""

    VALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.hidden = hidden
        self.lstm = nn.LSTM(10, hidden, num_layers=2, batch_first=True)
        self.fc = nn.Linear(2 * hidden, 3)

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        return self.fc(h_n.transpose(0, 1).reshape(x.size(0), -1))
""",
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.hidden = hidden
        self.gru = nn.GRU(10, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 3)

    def forward(self, x):
        _, h_n = self.gru(x)
        return self.fc(h_n.view(-1, self.hidden))
""",
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, hidden, layers):
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.lstm = nn.LSTM(10, hidden, num_layers=layers, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, 3)

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        top = h_n.view(self.layers, 2, x.size(1), self.hidden)[-1]
        return self.fc(top.transpose(0, 1).reshape(x.size(1), -1))
""",
        """
import torch
import torch.nn as nn
class Bridge(nn.Module):
    def __init__(self, hidden, dec_hidden):
        super().__init__()
        self.enc = nn.GRU(10, hidden, num_layers=2, batch_first=True)
        self.proj = nn.Linear(hidden, dec_hidden)
        self.dec = nn.GRU(10, dec_hidden, num_layers=2, batch_first=True)
    def forward(self, x, y):
        _, h = self.enc(x)
        L, B, H = h.shape
        # each layer's row through the same Linear, then back to (layers, B, .): nothing mixed
        h = torch.tanh(self.proj(h.reshape(L * B, H))).reshape(L, B, -1)
        return self.dec(y, h)[0]
""",
    ]
    INVALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.hidden = hidden
        self.lstm = nn.LSTM(10, hidden, num_layers=2, batch_first=True)
        self.fc = nn.Linear(hidden, 3)

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        return self.fc(h_n.view(-1, self.hidden))  # <-- LST304
""",
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.hidden = hidden
        self.gru = nn.GRU(10, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, 3)

    def forward(self, x):
        _, h_n = self.gru(x)
        return self.fc(h_n.view(-1, 2 * self.hidden))  # <-- LST304
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for g in ctx.graphs():
            for node in g.nodes("reshape"):
                out = node.value
                src = _source(g, node.id)
                if src is None or not isinstance(out, Tensor) or out.shape is None \
                        or out.shape.star or len(out.shape.dims) != 2:
                    continue
                assert src.shape is not None and src.rnn is not None
                n, b, h = src.shape.dims
                first = out.shape.dims[0]
                if n is None or b is None or first is None or (lower_bound(n) or 0) < 2:
                    continue
                if first == n * b:
                    mode = "fold"
                elif first == b:
                    mode = "mix"
                else:
                    continue
                if not _feeds_model(ctx, g, node.id):
                    continue
                if mode == "fold" and _unfolded_later(g, node.id, n, b):
                    continue  # a per-layer bridge: row-wise ops, then back to (n, B, .)
                yield self._finding(ctx, node, src, out, mode)

    def _finding(self, ctx: RuleContext, node: Any, src: Tensor, out: Tensor,
                 mode: str) -> Finding:
        assert src.rnn is not None and src.shape is not None and out.shape is not None
        rnn = src.rnn
        what = src.what or "h_n"
        call = node.cst
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) \
                and isinstance(call.func.value, cst.Name):
            what = call.func.value.value  # the name the code gives the state
        parts = []
        if rnn.num_layers is not None and (rnn.num_layers.as_int() or 0) > 1:
            parts.append(f"{rnn.num_layers} layers")
        if rnn.bidirectional:
            parts.append("2 directions")
        count = dim_str(src.shape.dims[0])
        made = " x ".join(parts) if parts else f"{count} layer-directions"
        fm = ctx.analysis.fm
        args_txt = "x.size(0), -1"
        if isinstance(call, cst.Call) and call.args:
            args_txt = ", ".join(fm.module.code_for_node(a.value) for a in call.args)
        if mode == "fold":
            top = (f"torch.cat(({what}[-2], {what}[-1]), dim=1)" if rnn.bidirectional
                   else f"{what}[-1]")
            msg = (f"{what} of {rnn.layer} is {src.shape.render()} ({made}, then the batch); "
                   f"this view gives {out.shape.render()}: {count} rows per sample, so the head "
                   f"sees each sequence {count} times; take the top layer with {top}")
        else:
            msg = (f"{what} of {rnn.layer} is {src.shape.render()} ({made}, then the batch); "
                   f"this view reads it as {out.shape.render()} without moving the batch axis "
                   f"first, so each row mixes the states of different samples; use "
                   f"{what}.transpose(0, 1).reshape({args_txt}), or "
                   + (f"torch.cat(({what}[-2], {what}[-1]), dim=1)" if rnn.bidirectional
                      else f"{what}[-1]"))
        f = ctx.finding(node, msg)
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return f
        base = call.func.value
        code = fm.module.code_for_node(base)
        if not isinstance(base, cst.Name | cst.Attribute):
            return f
        if mode == "fold" and not rnn.bidirectional:
            ctx.with_fix(f, "unsafe", "use the top layer's state",
                         [(call, cst.parse_expression(f"{code}[-1]"))])
        elif mode == "mix" and call.args and all(a.keyword is None and not a.star
                                                 for a in call.args):
            ctx.with_fix(f, "unsafe", "move the batch axis first",
                         [(call, cst.parse_expression(
                             f"{code}.transpose(0, 1).reshape({args_txt})"))])
        return f

    def confirm(self, finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
        for ev in evidence:
            for op in ev.ops_at(finding.line):
                if op.name not in ("view", "reshape") or not op.args:
                    continue
                shape, out = op.args[0], op.out
                if not (isinstance(shape, list) and len(shape) == 3 and isinstance(out, list)
                        and len(out) == 2 and shape[1] == ev.env.get("B")):
                    continue
                if shape[0] >= 2 and out[0] in (shape[0] * shape[1], shape[1]):
                    return ("confirmed", f"{op.name} turned the state {shape} into {out}: "
                            f"the {shape[0]} layer-direction rows are folded into the batch "
                            f"(B={ev.env['B']})")
                if shape[0] == 1:
                    return ("refuted", f"the state {shape} has a single layer-direction row")
        return None


def _source(g: Any, nid: int) -> Tensor | None:
    """The RNN state a reshape node reads, laid out (layers*dirs, B, H)."""
    for p in g.g.predecessors(nid):
        v = g.g.edges[p, nid].get("value")
        if isinstance(v, Tensor) and v.rnn is not None and v.what in ("h_n", "c_n") \
                and v.shape is not None and not v.shape.star and len(v.shape.dims) == 3 \
                and v.roles is not None and v.roles[:2] == (STATE, BATCH):
            return v
    return None


def _unfolded_later(g: Any, nid: int, n: Any, b: Any, depth: int = 6) -> bool:
    """Do the folded rows go, through row-wise steps only (a layer applied to each row, an
    activation, arithmetic), into a reshape back to ``(n, B, ...)``?  Then every layer's row was
    kept apart (a bridge that maps each layer's state on its own), and nothing is mixed."""
    for node in g.reachable(nid, ROW_WISE, depth):
        v = node.value
        if node.op == "reshape" and isinstance(v, Tensor) and v.shape is not None \
                and not v.shape.star and len(v.shape.dims) >= 3 and v.shape.dims[0] == n \
                and v.shape.dims[1] == b:
            return True
    return False


#: steps that treat each row on its own: a layer applied row by row, arithmetic, activations
ROW_WISE = frozenset({"layer", "arith", "call"})


def _feeds_model(ctx: RuleContext, g: Any, nid: int) -> bool:
    """The folded state reaches a layer or the module's output, also through a cat/stack."""
    if flows_into_head(g, nid) or ctx.used_as_summary(g, nid):
        return True
    return any(g.g.nodes[s].get("op") in ("cat", "stack")
               and (flows_into_head(g, s) or ctx.used_as_summary(g, s))
               for s in g.g.successors(nid))
