"""LST502: an LSTM's proj_size must be smaller than its hidden_size (and only an LSTM has one)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lstm_lint.rule import (
    SHAPE_ERROR,
    Finding,
    Rule,
    RuleContext,
    error_near,
    keyword_arg,
    lines_of,
)


class ProjSizeTooLarge(Rule):
    code = "LST502"
    name = "proj-size-too-large"
    severity = "error"
    confirm_error = SHAPE_ERROR
    confirm_at_build = True
    summary = "`nn.LSTM(proj_size=p)` requires 0 < p < hidden_size; `nn.GRU`/`nn.RNN` take none."
    what_it_does = """
Flags an `nn.LSTM` whose `proj_size` is not smaller than its `hidden_size` for every choice of
the sizes (`proj_size=hidden`, `proj_size=2 * hidden`), and an `nn.GRU` or `nn.RNN` given a
projection at all (a positive literal, or one at least `hidden_size`). The finding is on the
constructor call and points at the `proj_size=` argument.
"""
    why_bad = """
PyTorch raises `proj_size has to be smaller than hidden_size` when the model is built: the
projection exists to shrink the hidden state. A GRU or a plain RNN has no projection and
raises `proj_size argument is only supported for LSTM, not RNN or GRU`: this happens when the
layer class is picked from a configuration (`nn.GRU if cell == "gru" else nn.LSTM`) and the
projection was written for the LSTM case only.
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
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, hidden, proj=0, cell="gru"):
        super().__init__()
        rnn = nn.GRU if cell == "gru" else nn.LSTM
        extra = {"proj_size": proj} if cell == "lstm" else {}
        self.rnn = rnn(10, hidden, batch_first=True, **extra)
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
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, hidden, cell="gru"):
        super().__init__()
        rnn = nn.GRU if cell == "gru" else nn.LSTM
        self.rnn = rnn(  # <-- LST502
            10, hidden, batch_first=True,
            proj_size=hidden)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for _g, node, c in ctx.conflicts("config"):
            if c.option != "proj_size":
                continue
            layer = c.layer
            label = layer.label() if layer else "the LSTM"
            if layer is not None and layer.kind != "LSTM":
                msg = (f"{label} is an nn.{layer.kind} built with {c.received}, but only nn.LSTM "
                       f"has a projection: PyTorch raises ValueError when the model is built; "
                       f"drop proj_size, or build an nn.LSTM")
            else:
                msg = (f"{label} has {c.received}, but PyTorch requires {c.expected} and raises "
                       "when the model is built; make proj_size smaller than hidden_size")
            arg = keyword_arg(node.cst, "proj_size")
            yield ctx.finding(node, msg, related=arg,
                              related_message="proj_size is set here" if arg is not None else "")

    def confirm(self, finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
        """Decided by building the model: no forward input is needed."""
        hit = error_near(finding, evidence)
        if hit is not None:
            return hit
        for ev in evidence:
            for op in [o for ln in sorted(lines_of(finding)) for o in ev.ops_at(ln)]:
                cfg = op.config if op.op == "build" else None
                if cfg and cfg["proj_size"] < cfg["hidden_size"]:
                    return ("refuted", f"the {op.name} built at line {op.line} has "
                            f"proj_size={cfg['proj_size']} < hidden_size={cfg['hidden_size']}")
        return None

