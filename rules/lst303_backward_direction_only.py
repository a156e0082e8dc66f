"""LST303: h_n[-1] alone of a bidirectional RNN is only its backward direction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lstm_lint.rule import Finding, Rule, RuleContext, flows_into_head, getitems_at, int_index
from lstm_lint.values import STATE


class BackwardDirectionOnly(Rule):
    code = "LST303"
    name = "backward-direction-only"
    severity = "warning"
    summary = "`h_n[-1]` of a bidirectional RNN drops the forward direction."
    what_it_does = """
Flags `h_n[-1]` of a bidirectional RNN used alone as the summary (it feeds a layer without
being concatenated with `h_n[-2]`).
"""
    why_bad = """
`h_n` is ordered layer by layer with the directions inside: `h_n[-1]` is the top layer's
backward direction and `h_n[-2]` its forward one. Using `h_n[-1]` alone throws the forward
pass away while the model still pays for it.
"""
    example = """
self.gru = nn.GRU(n_in, hidden, batch_first=True, bidirectional=True)
...
_, h_n = self.gru(x)
return self.fc(h_n[-1])
"""
    use_instead = """
self.fc = nn.Linear(2 * hidden, n_out)
return self.fc(torch.cat((h_n[-2], h_n[-1]), dim=1))
"""
    fix_safety = "No automatic fix yet."

    VALID = [
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(10, 20, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(40, 2)

    def forward(self, x):
        _, h_n = self.gru(x)
        return self.fc(torch.cat((h_n[-2], h_n[-1]), dim=1))
""",
    ]
    INVALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(10, 20, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(20, 2)

    def forward(self, x):
        _, h_n = self.gru(x)
        return self.fc(h_n[-1])  # <-- LST303
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for g, node, src, ev in ctx.index_events():
            if src.rnn is None or src.rnn.bidirectional is not True or src.what != "h_n":
                continue
            if ev.role != STATE or ev.axis != 0 or ev.index is None or ev.index.as_int() != -1:
                continue
            if any(c.op in ("cat", "stack") for c in g.consumers(node.id)):
                continue
            if not flows_into_head(g, node.id):
                continue
            msg = (f"h_n[-1] of bidirectional {src.rnn.layer} is only the top layer's backward "
                   "direction; join both with torch.cat((h_n[-2], h_n[-1]), dim=1)")
            yield ctx.finding(node, msg)

    def confirm(self, finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
        for ev, op in getitems_at(evidence, finding.line):
            shape = op.args[0]
            if (0, -1) in int_index(op) and len(shape) == 3 and shape[1] == ev.env.get("B") \
                    and shape[0] >= 2:
                return ("confirmed", f"index -1 selected 1 of the {shape[0]} layer-direction "
                        f"states of {shape}")
        return None
