"""LST203: the last padded step after pad_packed_sequence is padding for shorter sequences."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lstm_lint.rule import Finding, Rule, RuleContext, getitems_at, last_step
from lstm_lint.values import TIME


class PaddedLastStep(Rule):
    code = "LST203"
    name = "padded-last-step"
    severity = "warning"
    summary = "`out[:, -1]` after `pad_packed_sequence` reads zeros for every shorter sequence."
    what_it_does = """
Flags indexing the last time step of a tensor that came out of `pad_packed_sequence`.
"""
    why_bad = """
Packing lets the RNN stop at each sequence's true length; unpacking pads the output with zeros
up to the longest one. The last padded position is real only for the longest sequence: every
other sample's "summary" is a vector of zeros, silently.
"""
    example = """
packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
out, (h_n, c_n) = self.lstm(packed)
out, _ = pad_packed_sequence(out, batch_first=True)
summary = out[:, -1]
"""
    use_instead = """
summary = h_n[-1]          # the state at each sequence's own last step
# or: out[torch.arange(out.size(0)), lengths - 1]
"""
    fix_safety = "No automatic fix yet."

    VALID = [
        """
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)
        return h_n[-1]
""",
    ]
    INVALID = [
        """
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True)
        return out[:, -1]  # <-- LST203
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for _g, node, src, ev in ctx.index_events():
            if src.rnn is None or not src.rnn.padded or ev.role != TIME or not last_step(ev):
                continue
            msg = (f"the last time step of {src.rnn.layer}'s unpacked output is padding (zeros) "
                   "for every sequence shorter than the longest; use h_n[-1], or gather each "
                   "sequence's step at lengths - 1")
            yield ctx.finding(node, msg)

    def confirm(self, finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
        for _ev, op in getitems_at(evidence, finding.line):
            rows = op.zero_rows
            if rows is None:
                continue
            zeros = [i for i, z in enumerate(rows) if z]
            if zeros:
                return ("confirmed", f"rows {zeros} of the selected step {op.out} are all "
                        "zeros: padding, not data")
            if op.padded is False:
                # every sequence of the run was as long as the longest: nothing was padded,
                # so the run cannot show what a shorter one reads
                shown = f" {op.args[0]}" if op.args else ""
                return ("unconfirmed", "every sequence of the run had the full length (no "
                        f"padding in the unpacked{shown}), so it cannot show what a shorter "
                        "sequence reads; give lengths below the longest")
            return ("refuted", "no row of the selected step is all zeros")
        return None
