"""LST302: h_n[0] of a multi-layer RNN is the first layer's state, not the top layer's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lstm_lint.rule import (
    Finding,
    Rule,
    RuleContext,
    flows_into_head,
    getitems_at,
    int_index,
    replace_index,
)
from lstm_lint.values import STATE


class FirstLayerState(Rule):
    code = "LST302"
    name = "first-layer-state"
    severity = "warning"
    summary = "`h_n[0]` of a multi-layer RNN is the bottom layer's state."
    what_it_does = """
Flags `h_n[0]` (or `c_n[0]`) of an RNN with two or more layers when it feeds a layer as the
sequence summary. `h_n` is ordered bottom layer first; the top layer's final state is
`h_n[-1]` (`h_n[-2]` and `h_n[-1]` when bidirectional).
"""
    why_bad = """
The model trains on the first layer's representation and the layers above it only add
parameters: no error, just a worse model.
"""
    example = """
self.lstm = nn.LSTM(n_in, hidden, num_layers=3, batch_first=True)
...
_, (h_n, _) = self.lstm(x)
return self.fc(h_n[0])
"""
    use_instead = """
return self.fc(h_n[-1])
"""
    fix_safety = """
Unsafe: `h_n[0]` becomes `h_n[-1]` (unidirectional RNNs only), which changes the features the
head sees. For a bidirectional RNN no fix is offered: join `h_n[-2]` and `h_n[-1]` by hand.
"""

    VALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, num_layers=3, batch_first=True)
        self.fc = nn.Linear(20, 2)

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        return self.fc(h_n[-1])
""",
    ]
    INVALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, num_layers=3, batch_first=True)
        self.fc = nn.Linear(20, 2)

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        return self.fc(h_n[0])  # <-- LST302
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for g, node, src, ev in ctx.index_events():
            if src.rnn is None or src.what not in ("h_n", "c_n") or ev.role != STATE:
                continue
            if ev.axis != 0 or ev.index is None or ev.index.as_int() != 0:
                continue
            layers = src.rnn.num_layers
            n = layers.as_int() if layers is not None else None
            if n is None or n < 2 or not flows_into_head(g, node.id):
                continue
            top = "torch.cat((h_n[-2], h_n[-1]), dim=1)" if src.rnn.bidirectional else "h_n[-1]"
            msg = (f"{src.what}[0] of {src.rnn.layer} ({n} layers) is the first layer's final "
                   f"state; the top layer's is {top}")
            f = ctx.finding(node, msg)
            if not src.rnn.bidirectional:
                fixed = replace_index(node.cst, 0, -1)
                if fixed is not None:
                    ctx.with_fix(f, "unsafe", "use the top layer's state", [(node.cst, fixed)])
            yield f

    def confirm(self, finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
        for ev, op in getitems_at(evidence, finding.line):
            shape = op.args[0]
            if (0, 0) in int_index(op) and len(shape) == 3 and shape[1] == ev.env.get("B") \
                    and shape[0] >= 2:
                return ("confirmed", f"index 0 selected 1 of the {shape[0]} layer-direction "
                        f"states of {shape}")
        return None
