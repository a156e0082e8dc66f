"""LST502: an LSTM's proj_size must be smaller than its hidden_size."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lstm_lint.rule import SHAPE_ERROR, Finding, Rule, RuleContext, error_near, lines_of


class ProjSizeTooLarge(Rule):
    code = "LST502"
    name = "proj-size-too-large"
    severity = "error"
    confirm_error = SHAPE_ERROR
    confirm_at_build = True
    summary = "`nn.LSTM(proj_size=p)` requires 0 < p < hidden_size."
    what_it_does = """
Flags an `nn.LSTM` whose `proj_size` is not smaller than its `hidden_size`.
"""
    why_bad = """
PyTorch raises `proj_size has to be smaller than hidden_size` when the model is built: the
projection exists to shrink the hidden state.
"""
    example = """
self.lstm = nn.LSTM(n_in, 64, proj_size=128)
"""
    use_instead = """
self.lstm = nn.LSTM(n_in, 128, proj_size=64)
"""
    fix_safety = "No automatic fix yet."

    VALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 64, proj_size=16)
""",
    ]
    INVALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.lstm = nn.LSTM(10, hidden, proj_size=hidden)  # <-- LST502
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for _g, node, c in ctx.conflicts("config"):
            if c.detail.get("option") != "proj_size":
                continue
            label = c.layer.label() if c.layer else "the LSTM"
            msg = (f"{label} has {c.received}, but PyTorch requires {c.expected} and raises "
                   "when the model is built")
            yield ctx.finding(node, msg)

    def confirm(self, finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
        """Decided by building the model: no forward input is needed."""
        hit = error_near(finding, evidence)
        if hit is not None:
            return hit
        for ev in evidence:
            for op in [o for ln in sorted(lines_of(finding)) for o in ev.ops_at(ln)]:
                cfg = op.get("config") if op.get("op") == "build" else None
                if cfg and cfg["proj_size"] < cfg["hidden_size"]:
                    return ("refuted", f"the {op['name']} built at line {op['line']} has "
                            f"proj_size={cfg['proj_size']} < hidden_size={cfg['hidden_size']}")
        return None

