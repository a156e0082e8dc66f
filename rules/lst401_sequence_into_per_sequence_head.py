"""LST401: a per-step head's output meets a per-sequence target."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lstm_lint.rule import SHAPE_ERROR, Finding, Rule, RuleContext, error_near
from lstm_lint.values import Tensor


class SequenceIntoPerSequenceHead(Rule):
    code = "LST401"
    name = "sequence-into-per-sequence-head"
    severity = "error"
    confirm_error = SHAPE_ERROR
    confirm_at_loss = True
    summary = "The head runs on every time step, but the loss wants one prediction per sequence."
    what_it_does = """
Follows the model from its definition to the training code of the same file. When a head
(`nn.Linear`) is applied to a full RNN output `(N, L, H)` and the resulting `(N, L, C)` logits
meet a target with one label per sequence `(N,)` in `nn.CrossEntropyLoss`/`nn.NLLLoss`, the
head line is flagged: that is where a summary step (`out[:, -1]`, pooling, `h_n[-1]`) is
missing. Regression losses (`nn.MSELoss`, `nn.L1Loss`, `nn.SmoothL1Loss`, `nn.HuberLoss` and
`F.mse_loss`, `F.l1_loss`, `F.smooth_l1_loss`, `F.huber_loss`) are checked too: per-step
predictions `(N, L, 1)` against one target per sequence `(N,)`. So is a `torch.cat` that
joins the full output `(N, L, H)` with one row per sequence `(N, H)` (an attention-pooled
summary beside the output it pools): torch.cat refuses parts of different ranks; and an
output at every step `(N, L, H)` fed to an `nn.LSTMCell`/`nn.GRUCell`/`nn.RNNCell`, which
takes one step per sequence `(N, H)` (an encoder's summary that starts a cell decoder): the
head that made it is flagged.
"""
    why_bad = """
PyTorch fails at the loss (`Expected target size [N, C], got [N]`), far from the model, and
the message suggests the target is wrong. The real mistake is in `forward`. A regression
loss does not even fail: `(N, L, 1)` against `(N,)` broadcasts to `(N, L, N)` with only a
`UserWarning`, and the model trains every step of every sample against every other sample's
target.
"""
    example = """
def forward(self, x):
    out, _ = self.lstm(x)
    return self.fc(out)             # (N, L, C)
...
loss = criterion(model(x), labels)  # labels: (N,)
"""
    use_instead = """
def forward(self, x):
    out, _ = self.lstm(x)
    return self.fc(out[:, -1, :])   # (N, C)
"""
    fix_safety = "No automatic fix yet."

    VALID = [
        """
import torch
import torch.nn as nn

class AttnRNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(6, 32, batch_first=True)
        self.att = nn.Linear(32, 1)
        self.fc_out = nn.Linear(64, 1)

    def forward(self, x):
        rnn_out, _ = self.rnn(x)
        score = torch.softmax(self.att(rnn_out), dim=1)
        pooled = torch.sum(rnn_out * score, dim=1)
        return self.fc_out(torch.cat((rnn_out[:, -1], pooled), dim=1))
""",
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)
        self.fc = nn.Linear(20, 5)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])

model = Net()
criterion = nn.CrossEntropyLoss()
loss = criterion(model(torch.randn(32, 50, 10)), torch.randint(0, 5, (32,)))
""",
        """
import torch
import torch.nn as nn

class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(4, 16, batch_first=True)
        self.head = nn.Linear(16, 1)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.head(out)

model = Regressor()
loss = nn.MSELoss()(model(torch.randn(8, 30, 4)), torch.randn(8, 30, 1))
""",
    ]
    INVALID = [
        """
import torch
import torch.nn as nn

class AttnRNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(6, 32, batch_first=True)
        self.att = nn.Linear(32, 1)
        self.fc_out = nn.Linear(64, 1)

    def forward(self, x):
        rnn_out, _ = self.rnn(x)
        score = torch.softmax(self.att(rnn_out), dim=1)
        pooled = torch.sum(rnn_out * score, dim=1)
        return self.fc_out(torch.cat((rnn_out, pooled), dim=1))  # <-- LST401
""",
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)
        self.fc = nn.Linear(20, 5)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out)  # <-- LST401

model = Net()
criterion = nn.CrossEntropyLoss()
loss = criterion(model(torch.randn(32, 50, 10)), torch.randint(0, 5, (32,)))
""",
        """
import torch
import torch.nn as nn

class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(4, 16, batch_first=True)
        self.head = nn.Linear(16, 1)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.head(out)  # <-- LST401

model = Regressor()
loss = nn.MSELoss()(model(torch.randn(8, 30, 4)), torch.randn(8))
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for g, node, c in ctx.conflicts("per_sequence_target"):
            x = c.tensor
            target = c.target
            head = c.head
            shape = x.shape.render() if isinstance(x, Tensor) and x.shape else c.received
            tshape = target.shape.render() if isinstance(target, Tensor) and target.shape else "?"
            at = g.view(head) if head is not None and head in g.g else node
            if c.loss == "cat":
                msg = (f"torch.cat joins a sequence at every time step {shape} with {tshape}, "
                       "one row per sequence: the ranks differ and torch raises; take one step "
                       f"per sequence of the {shape} part first (out[:, -1], pooling over time, "
                       "or h_n[-1])")
                yield ctx.finding(node, msg)
                continue
            if c.loss == "cell":
                cell = c.layer.label() if c.layer else "the cell"
                who = at.label if at is not node else "the input"
                msg = (f"{who} runs on every time step and gives {shape}, but {cell} on line "
                       f"{{related_line}} takes one step per sequence {c.expected}: torch "
                       "raises (a cell's input is 1-d or 2-d); take one step per sequence "
                       "before it (out[:, -1], pooling over time, or h_n[-1])")
                yield ctx.finding(at, msg, related=node.cst,
                                  related_message="the cell that takes one step")
                continue
            if c.loss == "regression":
                loss = c.layer.label() if c.layer else "the loss"
                wide = c.broadcast
                wide_s = wide.render() if wide is not None else "a (B, T, B) error"
                who = at.label if at is not node else "the prediction"
                msg = (f"{who} runs on every time step and gives {shape}, but {loss} on line "
                       f"{{related_line}} compares it with one target per sequence {tshape}: "
                       f"torch only warns, broadcasts the error to {wide_s} and trains every "
                       "step against every sample's target; take one step per sequence before "
                       "the head (out[:, -1], pooling over time, or h_n[-1])")
                yield ctx.finding(at, msg, related=node.cst,
                                  related_message="the loss that broadcasts")
                continue
            msg = (f"{at.label if at is not node else 'the logits'} runs on every time step and "
                   f"gives {shape}, but the loss on line {{related_line}} compares it with one "
                   f"label per sequence {tshape}; take one step per sequence before the head "
                   "(out[:, -1], pooling over time, or h_n[-1])")
            yield ctx.finding(at, msg, related=node.cst, related_message="the loss that fails")

    def confirm(self, finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
        hit = error_near(finding, evidence)
        if hit is not None:
            return hit
        for ev in evidence:
            for op in ev.ops_at(finding.line):
                out = op.out
                if isinstance(out, list) and len(out) == 3 and out[0] == ev.env.get("B") \
                        and out[1] == ev.env.get("T"):
                    return ("confirmed", f"{op.name} produced {out}: one prediction per "
                            f"time step (B={ev.env['B']}, T={ev.env['T']})")
        return None
