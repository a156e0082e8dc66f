"""LST201: an index meant for the last time step selects a sample of the batch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import libcst as cst

from lstm_lint.rule import (
    LAYER_AXES,
    Finding,
    Rule,
    RuleContext,
    axis_name,
    getitems_at,
    int_index,
    move_index,
    rnn_output_axes,
    state_refused_by_layer,
)
from lstm_lint.values import BATCH, STATE, TIME


class WrongTimeAxis(Rule):
    code = "LST201"
    name = "wrong-time-axis"
    severity = "warning"
    summary = "`out[-1]` on a batch_first RNN output picks the last sample, not the last step."
    what_it_does = """
Follows which axis of an RNN output is the batch and which is time (`batch_first=True` gives
`(B, T, H)`, the default gives `(T, B, H)`) through transposes and permutes, and flags an
integer index `-1` that lands on the batch axis while the time axis is still there. The
same on a final state: `h_n[:, -1]` on `(num_layers*num_directions, B, H)` picks the last
sample, where `h_n[-1]` (the last layer) was meant.
"""
    why_bad = """
With `batch_first=True`, `out[-1]` is the whole sequence of the batch's last sample, shape
`(T, H)`. Nothing crashes when `T` happens to equal the batch size, and otherwise the error
surfaces at the loss, far from the cause. The time-major mirror image, `out[:, -1]` on a
`batch_first=False` output, reads the last sample's steps instead of every sample's last step.
"""
    example = """
self.lstm = nn.LSTM(n_in, hidden, batch_first=True)
...
out, _ = self.lstm(x)       # (B, T, H)
last = out[-1]              # (T, H): the last sample
"""
    use_instead = """
last = out[:, -1]           # (B, H): every sample's last step
"""
    fix_safety = """
Unsafe: `out[-1]` becomes `out[:, -1]` (and `out[:, -1]` becomes `out[-1]` for a time-major
output), which changes what the model computes; review the shapes downstream.
"""

    VALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)

    def forward(self, x):
        out, _ = self.lstm(x)
        return out[:, -1]
""",
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return out[-1] + h[-1]
""",
    ]
    INVALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)
        self.fc = nn.Linear(20, 3)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[-1])  # <-- LST201
""",
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(10, 20)

    def forward(self, x):
        output, _ = self.gru(x)
        return output[:, -1]  # <-- LST201
""",
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, num_layers=2, batch_first=True)
        self.fc = nn.Linear(20, 3)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return self.fc(h[:, -1])  # <-- LST201
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for _g, node, src, ev in ctx.index_events():
            dims = src.shape.dims if src.shape is not None and not src.shape.star else ()
            size = dims[ev.axis] if ev.role == BATCH and ev.axis is not None \
                and ev.axis < len(dims) else None
            if size is not None and size.as_int() == 1:
                continue  # a batch of one (x.unsqueeze(0)): index -1 is its only sample
            if src.rnn is not None and src.roles is not None and ev.role == BATCH \
                    and STATE in src.roles and TIME not in src.roles:
                yield from _state_sample(ctx, node, src, ev)
                continue
            if src.rnn is None or src.roles is None or ev.role != BATCH or TIME not in src.roles:
                continue
            if ctx.miswired(src.rnn.layer):
                continue  # the layer's layout contradicts the code (LST204): the root cause
            if ev.index is None or ev.index.as_int() != -1:
                continue
            layout = "batch_first=True" if src.rnn.batch_first else "batch_first=False"
            shape = src.shape.render() if src.shape else "?"
            if ev.axis == 0:
                fix = "index the time axis: out[:, -1]"
            else:
                fix = "index the time axis: out[-1]"
            msg = (f"index -1 on axis {ev.axis} of {src.rnn.layer}'s output {shape} "
                   f"({layout}) selects the last sample of the batch, not the last time step; "
                   f"{fix}")
            f = ctx.finding(node, msg)
            fixed = move_index(node.cst, ev.axis, src.roles.index(TIME))
            if fixed is not None:
                ctx.with_fix(f, "unsafe", "index the time axis", [(node.cst, fixed)])
            yield f

    def confirm(self, finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
        layer_said: tuple[str, str] | None = None
        for ev, op in getitems_at(evidence, finding.line):
            shape = op.args[0]
            # the recurrent layer that made the tensor says which axis it ran as the batch
            # (its final state holds it): the layer's own answer, whoever named the input's
            # axes
            axes = rnn_output_axes(ev, shape)
            for axis, idx in int_index(op):
                if idx != -1 or axis >= len(shape):
                    continue
                size = shape[axis]
                if size == 1:
                    continue  # a batch of one: its last sample is its only one
                where = f"index -1 selected axis {axis} of size {size} of {shape}"
                by_layer = ""
                if axes is not None and axis == axes[0]:
                    _b, time, call, h_n = axes
                    by_layer = (f"{call.name} at line {call.line} made it: its batch "
                                f"{LAYER_AXES} (its final state {h_n} holds {h_n[1]} "
                                f"sequences), not its {shape[time]} time steps")
                    layer_said = layer_said or ("confirmed", f"{where}; {by_layer}")
                if size == ev.env.get("B") and ev.env.get("T") in shape:
                    return ("confirmed", f"{where}: {axis_name(size, ev.env)}, "
                            f"not time (B={ev.env['B']}, T={ev.env['T']})"
                            + (f"; {by_layer}" if by_layer else ""))
                if size == ev.env.get("T") and not by_layer:
                    return ("refuted", f"{where}: that axis is time (T={size})")
        # a crash before the line: the layer refusing, at its call, the state the code built
        # for its batch shows it reads batch and time the other way round from the code
        return layer_said or state_refused_by_layer(finding, evidence)


def _indexed(sub: object) -> str | None:
    """The code of the expression a subscript indexes (``h`` of ``h[:, -1]``)."""
    if not isinstance(sub, cst.Subscript):
        return None
    return cst.Module([]).code_for_node(sub.value)


def _state_sample(ctx: RuleContext, node: Any, src: Any, ev: Any) -> Iterator[Finding]:
    """``h_n[:, -1]``: index -1 on the batch axis of a final state, meant for the last layer."""
    if ev.index is None or ev.index.as_int() != -1 or ctx.miswired(src.rnn.layer):
        return
    shape = src.shape.render() if src.shape else "?"
    name = src.what or "state"
    base = _indexed(node.cst) or name
    if src.rnn.bidirectional is True:
        # the last layer is two rows: its forward direction, then its backward one
        advice = (f"join the last layer's two directions: torch.cat(({base}[-2], {base}[-1]), "
                  f"dim=-1)")
    else:
        advice = f"index the layer axis: {base}[-1]"
    msg = (f"index -1 on axis {ev.axis} of {src.rnn.layer}'s final state {name} {shape} "
           f"(num_layers*num_directions, batch, hidden) selects the last sample of the batch, "
           f"not the last layer; {advice}")
    f = ctx.finding(node, msg)
    if src.rnn.bidirectional is False:
        fixed = move_index(node.cst, ev.axis, src.roles.index(STATE))
        if fixed is not None:
            ctx.with_fix(f, "unsafe", "index the layer axis", [(node.cst, fixed)])
    yield f
