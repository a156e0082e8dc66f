"""LST402: per-step logits into CrossEntropyLoss without moving the class axis."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from lstm_lint.rule import SHAPE_ERROR, Finding, Rule, RuleContext


class LossLayout(Rule):
    code = "LST402"
    name = "loss-layout"
    severity = "error"
    confirm_error = SHAPE_ERROR
    confirm_at_loss = True
    summary = "CrossEntropyLoss/NLLLoss want classes on axis 1: (N, C, L), not (N, L, C)."
    what_it_does = """
Flags a `CrossEntropyLoss`/`NLLLoss` call (module or functional) whose input holds per-step
logits `(N, L, C)` and whose target is `(N, L)`.
"""
    why_bad = """
For inputs with extra axes these losses read classes from axis 1. `(N, L, C)` logits fail
with `Expected target size [N, C], got [N, L]`, or, when `L == C`, train silently on the
wrong axis.
"""
    example = """
logits = model(tokens)                 # (N, L, C)
loss = criterion(logits, tags)         # tags: (N, L)
"""
    use_instead = """
loss = criterion(logits.permute(0, 2, 1), tags)
# or: criterion(logits.reshape(-1, C), tags.reshape(-1))
"""
    fix_safety = """
Unsafe: the logits argument becomes `logits.permute(0, 2, 1)`, which changes the loss.
"""

    VALID = [
        """
import torch
import torch.nn as nn

class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)
        self.fc = nn.Linear(20, 5)

    def forward(self, x):
        return self.fc(self.lstm(x)[0])

model = Tagger()
criterion = nn.CrossEntropyLoss()
logits = model(torch.randn(4, 9, 10))
loss = criterion(logits.permute(0, 2, 1), torch.randint(0, 5, (4, 9)))
""",
    ]
    INVALID = [
        """
import torch
import torch.nn as nn

class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)
        self.fc = nn.Linear(20, 5)

    def forward(self, x):
        return self.fc(self.lstm(x)[0])

model = Tagger()
criterion = nn.CrossEntropyLoss()
logits = model(torch.randn(4, 9, 10))
loss = criterion(logits, torch.randint(0, 5, (4, 9)))  # <-- LST402
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for _g, node, c in ctx.conflicts("loss_layout"):
            loss = c.layer.kind if c.layer else "the loss"
            msg = (f"{loss} reads classes from axis 1, but receives per-step logits "
                   f"{c.received} with classes last and a per-step target; pass "
                   "logits.permute(0, 2, 1) (expected " + c.expected + ")")
            f = ctx.finding(node, msg)
            call = node.cst
            if isinstance(call, cst.Call) and call.args and call.args[0].keyword is None:
                first = call.args[0]
                permuted = cst.parse_expression(
                    f"({ctx.analysis.fm.module.code_for_node(first.value)}).permute(0, 2, 1)"
                    if not isinstance(first.value, cst.Name | cst.Attribute | cst.Call)
                    else f"{ctx.analysis.fm.module.code_for_node(first.value)}.permute(0, 2, 1)")
                args = [first.with_changes(value=permuted), *call.args[1:]]
                ctx.with_fix(f, "unsafe", "move the classes to axis 1",
                             [(call, call.with_changes(args=args))])
            yield f
