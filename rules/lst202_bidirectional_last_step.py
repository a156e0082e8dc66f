"""LST202: the last time step of a bidirectional RNN used as the sequence summary."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lstm_lint.rule import Finding, Rule, RuleContext, getitems_at, int_index, last_step
from lstm_lint.values import TIME, Tensor


class BidirectionalLastStep(Rule):
    code = "LST202"
    name = "bidirectional-last-step"
    severity = "warning"
    summary = "The last step of a bidirectional output holds a backward state that saw one token."
    what_it_does = """
Flags `out[:, -1]` (or `out[-1]` time-major) on the output of a bidirectional RNN when the
full `2*hidden` width is kept: the second half of that vector is the backward direction after
a single step.
"""
    why_bad = """
The backward direction reads the sequence from the end, so at the last position it has seen
only the last token. The model trains without error but half of its summary carries almost no
information about the sequence. PyTorch never complains.
"""
    example = """
self.lstm = nn.LSTM(n_in, hidden, batch_first=True, bidirectional=True)
...
out, _ = self.lstm(x)
summary = out[:, -1, :]
"""
    use_instead = """
out, (h_n, c_n) = self.lstm(x)
summary = torch.cat((h_n[-2], h_n[-1]), dim=1)   # both directions' final states
"""
    fix_safety = "No automatic fix yet."

    VALID = [
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(40, 3)

    def forward(self, x):
        out, (h_n, c_n) = self.lstm(x)
        return self.fc(torch.cat((h_n[-2], h_n[-1]), dim=1))
""",
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(10, 20, batch_first=True, bidirectional=True)

    def forward(self, x):
        out, _ = self.gru(x)
        return torch.cat((out[:, -1, :20], out[:, 0, 20:]), dim=1)
""",
    ]
    INVALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(40, 3)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])  # <-- LST202
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for g, node, src, ev in ctx.index_events():
            if src.rnn is None or src.rnn.bidirectional is not True or src.rnn.padded:
                continue
            if ev.role != TIME or not last_step(ev) or src.what != "output":
                continue
            out = node.value
            if not isinstance(out, Tensor) or out.shape is None or src.shape is None:
                continue
            if out.shape.dims[-1:] != src.shape.dims[-1:]:
                continue  # only one direction's half is kept: deliberate
            if not ctx.used_as_summary(g, node.id):
                continue
            if any(c.op == "index" and isinstance(c.value, Tensor) and c.value.shape
                   and c.value.shape.dims[-1:] != out.shape.dims[-1:]
                   for c in g.consumers(node.id)):
                continue
            layers = src.rnn.num_layers
            one = layers is not None and layers.as_int() == 1
            seen = "has seen only the last token" if one else "has taken a single step"
            msg = (f"the last time step of bidirectional {src.rnn.layer}'s output is used as "
                   f"the sequence summary, but its backward half {seen}; use "
                   "torch.cat((h_n[-2], h_n[-1]), dim=1) for both directions' final states")
            yield ctx.finding(node, msg)

    def confirm(self, finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
        for ev, op in getitems_at(evidence, finding.line):
            shape, out = op.args[0], op.out
            for axis, idx in int_index(op):
                if axis < len(shape) and shape[axis] == ev.env.get("T") and idx in (-1, shape[axis] - 1) \
                        and isinstance(out, list) and out and out[-1] == shape[-1]:
                    return ("confirmed", f"the last step (axis {axis} of size T={shape[axis]}) of "
                            f"{shape} was taken with all {shape[-1]} features of both directions")
        return None
