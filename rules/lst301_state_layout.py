"""LST301: an initial hidden or cell state is not laid out as PyTorch expects."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import libcst as cst

from lstm_lint.dataflow import NEW_VALUE_OPS
from lstm_lint.layers import Layer
from lstm_lint.rule import SHAPE_ERROR, Finding, Rule, RuleContext, error_near, lines_of
from lstm_lint.state_consumers import RECEIVES_STATE, state_receiver
from lstm_lint.state_pairs import swapped_pairs
from lstm_lint.values import BATCH, TIME, Tensor

#: a cell's state (``h``/``c``) as the constraint at the cell call names it
_CELL_STATES = (" h", " c")


class StateLayout(Rule):
    code = "LST301"
    name = "state-layout"
    severity = "error"
    confirm_error = SHAPE_ERROR
    summary = "`h0`/`c0` must be (num_layers*num_directions, batch, hidden), even with batch_first."
    what_it_does = """
Checks initial states passed to `nn.LSTM`, `nn.GRU`, `nn.RNN` and the cells against the shape
PyTorch requires: `(D*num_layers, N, H_out)` for `h_0` (`H_out = proj_size` when set) and
`(D*num_layers, N, hidden_size)` for `c_0`. It names what went wrong: the batch placed first
(as if `batch_first` applied to states; it never does), the direction factor missing, or the
wrong width. A state built in the branches of an `if` whose condition is not known statically
(`if self.use_gpu:`) is checked branch by branch for the batch on the layers' axis, and the
finding is on the branch that builds it so. An LSTM's `(h, c)` pair built in one tuple with
the batch and the layer count swapped in one of the two (`(zeros(bsz, self.num_layers, H),
zeros(self.num_layers, bsz, H))`) is reported from the code alone, also in a state method that
only the parent model or the training loop calls (`decoder.init_state(bs)`). A step buffer
built with the batch on one axis (`torch.zeros(steps, B, 2)`) and filled with rows of the
batch along another (`buf[:, t] = out`, `out` `(B, 2)`) is laid out wrongly the same way,
and so is a tensor built time-major from the code's own sizes (`x.new(n_frames, batch_size,
W)`) that `torch.cat` joins with a batch-first output, or one that holds the batch on the axis
where the parts it is joined with hold the time (`torch.zeros(batch_size, 1, 1)` beside a
time-major step `(1, B, E)`).

A state for a layer that LST204 reports as reading a layout the code contradicts, or sized
from an input axis whose name LST204 sets against the layout a layer reads (`batch_size,
src_len = src.shape` before a time-major encoder, then `zeros(1, batch_size, H)` for the
decoder), is left to LST204: the layout is the root cause, and the state is right as the names
say.
"""
    why_bad = """
PyTorch raises `Expected hidden size (...)` at the RNN call, which does not say which of the
three axes is wrong; and when the sizes happen to coincide (batch == num_layers), the model
runs with states shuffled across samples and layers, silently.
"""
    example = """
self.lstm = nn.LSTM(n_in, hidden, num_layers=2, batch_first=True)
...
h0 = torch.zeros(x.size(0), self.num_layers, self.hidden)
c0 = torch.zeros(x.size(0), self.num_layers, self.hidden)
out, _ = self.lstm(x, (h0, c0))
"""
    use_instead = """
h0 = torch.zeros(self.num_layers, x.size(0), self.hidden)
c0 = torch.zeros(self.num_layers, x.size(0), self.hidden)
"""
    fix_safety = """
Unsafe: when the state was built as `(batch, layers, hidden)`, the first two sizes of the
factory call are swapped. Other layouts (a missing direction factor, a wrong width) get no fix.
"""

    VALID = [
        """
import torch
import torch.nn as nn

class StackedCells(nn.Module):
    def __init__(self, n_in, hidden, num_layers):
        super().__init__()
        self.hidden, self.num_layers = hidden, num_layers
        self.cells = nn.ModuleList([nn.GRUCell(n_in if i == 0 else hidden, hidden)
                                    for i in range(num_layers)])

    def forward(self, x):
        hx = x.new_zeros(self.num_layers, x.shape[0], self.hidden)
        h = x
        for i in range(self.num_layers):
            h = self.cells[i](h, hx[i])
        return h
""",
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, n_in, hidden, layers):
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.lstm = nn.LSTM(n_in, hidden, layers, batch_first=True, bidirectional=True)

    def forward(self, x):
        h0 = torch.zeros(self.layers * 2, x.size(0), self.hidden)
        c0 = torch.zeros(self.layers * 2, x.size(0), self.hidden)
        return self.lstm(x, (h0, c0))[0]
""",
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, n_in, hidden, depth):
        super().__init__()
        self.hidden = hidden
        self.deep = depth == "deep"
        self.gru = nn.GRU(n_in, hidden, 2 if self.deep else 1, batch_first=True)

    def forward(self, x):
        if self.deep:
            h0 = torch.zeros(2, x.size(0), self.hidden)
        else:
            h0 = torch.zeros(1, x.size(0), self.hidden)
        return self.gru(x, h0)[0]
""",
        """
import torch
import torch.nn as nn

class Tagger(nn.Module):
    # states kept batch-first so that DataParallel splits them, moved in forward
    def __init__(self, n_in, hidden, layers):
        super().__init__()
        self.layers, self.hidden = layers, hidden
        self.lstm = nn.LSTM(n_in, hidden, layers)

    def init_hidden(self, bsz):
        return (torch.zeros(bsz, self.layers, self.hidden),
                torch.zeros(bsz, self.layers, self.hidden))

    def forward(self, x, hc):
        h, c = (s.transpose(0, 1).contiguous() for s in hc)
        return self.lstm(x, (h, c))[0]
""",
    ]
    INVALID = [        """
import torch
import torch.nn as nn

class StackedCells(nn.Module):
    def __init__(self, n_in, hidden, num_layers):
        super().__init__()
        self.hidden, self.num_layers = hidden, num_layers
        self.cells = nn.ModuleList([nn.GRUCell(n_in if i == 0 else hidden, hidden)
                                    for i in range(num_layers)])

    def forward(self, x):
        hx = x.new_zeros(x.shape[0], self.num_layers, self.hidden)  # <-- LST301
        h = x
        for i in range(self.num_layers):
            h = self.cells[i](h, hx[i])
        return h
""",
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, n_in, hidden, layers):
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.lstm = nn.LSTM(n_in, hidden, layers, batch_first=True)

    def forward(self, x):
        h0 = torch.zeros(x.size(0), self.layers, self.hidden)  # <-- LST301
        c0 = torch.zeros(self.layers, x.size(0), self.hidden)
        return self.lstm(x, (h0, c0))[0]
""",
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, n_in, hidden, layers):
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.gru = nn.GRU(n_in, hidden, layers, batch_first=True, bidirectional=True)

    def forward(self, x):
        h0 = torch.zeros(self.layers, x.size(0), self.hidden)  # <-- LST301
        return self.gru(x, h0)[0]
""",
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, n_in, hidden, device):
        super().__init__()
        self.hidden = hidden
        self.use_gpu = device == "cuda"
        self.lstm = nn.LSTM(n_in, hidden)

    def init_hidden(self, batch_size):
        if self.use_gpu:
            h0 = torch.zeros(1, batch_size, self.hidden).cuda()
        else:
            h0 = torch.zeros(batch_size, 1, self.hidden)  # <-- LST301
        return h0, torch.zeros(1, batch_size, self.hidden)

    def forward(self, x):
        return self.lstm(x, self.init_hidden(x.size(1)))[0]
""",
        """
import torch.nn as nn

class Captioner(nn.Module):
    def __init__(self, n_in, hidden, layers):
        super().__init__()
        self.num_layers, self.hidden = layers, hidden
        self.core = nn.LSTM(n_in, hidden, layers)

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(bsz, self.num_layers, self.hidden),  # <-- LST301
                weight.new_zeros(self.num_layers, bsz, self.hidden))

    def forward(self, x):
        out, _ = self.core(x, self.init_hidden(x.size(1)))
        return out
""",
        """
import torch
import torch.nn as nn

class SegmentLSTM(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.hidden = hidden
        self.lstm = nn.LSTM(n_in, hidden, batch_first=True)

    def forward(self, x, hc):
        B, T, _ = x.shape
        if hc is None:  # the first segment: no state yet
            h = torch.zeros(B, 1, self.hidden)  # <-- LST301
            c = torch.zeros(1, B, self.hidden)
        else:
            h, c = hc
        out, (h, c) = self.lstm(x, (h, c))
        return out, (h, c)
""",
        """
import torch
import torch.nn as nn

class Decoder(nn.Module):
    # the parent model calls decoder.init_state(bs) before its decoding loop
    def __init__(self, n_in, dim, layer):
        super().__init__()
        self.dim, self.layer = dim, layer
        self.hidden_state = None
        self.layers = nn.LSTM(n_in, dim, num_layers=layer, batch_first=True)

    def init_state(self, bs):
        self.hidden_state = (torch.zeros((bs, self.layer, self.dim)),  # <-- LST301
                             torch.zeros((self.layer, bs, self.dim)))

    def forward(self, x):
        x, self.hidden_state = self.layers(x.unsqueeze(1), self.hidden_state)
        return x.squeeze(1)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        done: set[int] = set()
        for g, node, c in ctx.conflicts("state"):
            x = c.tensor
            layer = c.layer
            if isinstance(x, Tensor) and x.rnn is not None and x.what in ("h_n", "c_n") \
                    and layer is not None and x.rnn.node != layer.node \
                    and c.axis in (0, 2):
                continue  # another RNN's final state: LST306 names both RNNs
            if layer is not None and ctx.miswired(layer):
                continue  # the layer reads the input in a layout the code contradicts: LST204
            if _batch_named_against_layout(ctx, c, g, node.id):
                continue  # sized from an axis whose role LST204 disputes: the root cause
            label = layer.label() if layer else node.label
            sname = c.state
            why = self._diagnose(x, c.axis, layer)
            msg = (f"initial state {sname} for {label} is {c.received} but PyTorch expects "
                   f"{c.expected} = (num_layers*num_directions, batch, hidden){why}")
            src = ctx.node_of(g, x) if isinstance(x, Tensor) else None
            at = src if src is not None and src.op == "factory" else node
            f = ctx.finding(at, msg, related=node.cst, related_message=f"passed to {label} here")
            done.add(id(at.cst))
            exp = c.shape
            call = at.cst if at is src else None
            if isinstance(call, cst.Call) and isinstance(x, Tensor) and x.shape is not None \
                    and exp is not None and len(call.args) == len(exp.dims) == 3 \
                    and all(a.keyword is None and not a.star for a in call.args):
                d, e = x.shape.dims, exp.dims
                if d[0] is not None and d[1] is not None and d[0] == e[1] and d[1] == e[0] \
                        and d[2] == e[2]:
                    a0, a1 = call.args[0], call.args[1]
                    swapped = [a1.value, a0.value]
                    args = [call.args[0].with_changes(value=swapped[0]),
                            call.args[1].with_changes(value=swapped[1]), call.args[2]]
                    ctx.with_fix(f, "unsafe", "put the layers first and the batch second",
                                 [(call, call.with_changes(args=args))])
            yield f
        yield from self._rows_of_the_batch(ctx)
        yield from self._swapped_pairs(ctx, done)
        yield from self._slots_across_the_batch(ctx, done)

    def _slots_across_the_batch(self, ctx: RuleContext, done: set[int]) -> Iterator[Finding]:
        """A buffer built with the batch on one axis, ``torch.zeros(steps, B, 2)``, whose
        slots are filled with rows of the batch along another (``buf[:, t] = out`` with
        ``out`` (B, 2)): the rows land on the axis of ``steps``, which equals the batch only
        by chance (the engine's ``slot assignment`` constraint ``B == steps``)."""
        for g in ctx.graphs():
            for c in g.constraints:
                other = _slot_other(c)
                if other is None or c.node is None or c.node not in g.g:
                    continue
                at = g.view(c.node)
                joined = str(c.why).startswith("torch.cat parts")
                into = at.attrs.get("into")
                if joined:
                    srcs = g.sources(c.node, NEW_VALUE_OPS, 4)
                elif isinstance(into, Tensor) and into.node is not None and into.node in g.g:
                    srcs = [g.view(into.node)] + g.sources(into.node, NEW_VALUE_OPS, 4)
                else:
                    continue
                for src in srcs:
                    v = src.value
                    if src.op != "factory" or not isinstance(v, Tensor) or v.shape is None \
                            or v.shape.star or id(src.cst) in done:
                        continue
                    dims = [str(d) for d in v.shape.dims]
                    if dims.count("B") != 1:
                        continue
                    b = dims.index("B")
                    if joined and str(other) not in dims:
                        # the batch alone, on the axis where the parts it is joined with hold
                        # the time (``torch.zeros(batch_size, 1, 1)`` beside (T, B, E) parts)
                        m = re.search(r"axis (\d+)$", str(c.why))
                        if m is None or int(m.group(1)) != b or v.role(b) != BATCH \
                                or str(other) != "T":
                            continue
                        done.add(id(src.cst))
                        msg = (f"this tensor is built as {v.shape.render()} with the batch on "
                               f"axis {b}, but torch.{at.label} joins it with tensors that "
                               f"hold the time {other} on that axis: torch raises unless B is "
                               f"{other}, and then mixes samples and steps; build it in the "
                               "layout of what it is joined with")
                        yield ctx.finding(src, msg, related=at.cst, related_message="joined here")
                        break
                    if str(other) not in dims:
                        continue
                    k = dims.index(str(other))
                    if joined and (str(other) != "T" or v.role(b) != BATCH
                                   or v.role(k) != TIME):
                        continue  # a join: the batch and the time swapped, as the code names them
                    done.add(id(src.cst))
                    if joined:
                        msg = (f"this tensor is built as {v.shape.render()} with the batch on "
                               f"axis {b}, but torch.{at.label} joins it with tensors that "
                               f"hold the batch on axis {k}, where it holds {other}: torch "
                               f"raises unless B is {other}, and then mixes samples and steps; "
                               "build it in the layout of what it is joined with")
                        rel = "joined here"
                    else:
                        msg = (f"this tensor is built as {v.shape.render()} with the batch on "
                               f"axis {b}, but its slots are filled with rows of the input's "
                               f"batch B along axis {k}, where it holds {other}: torch raises "
                               f"unless B is {other} (or 1), and then mixes samples and steps; "
                               "build it with the batch on the axis the rows are written along")
                        rel = "filled with rows of the batch here"
                    yield ctx.finding(src, msg, related=at.cst, related_message=rel)
                    break

    def _rows_of_the_batch(self, ctx: RuleContext) -> Iterator[Finding]:
        """A stacked state built ``(B, num_layers, H)`` and read one row per layer
        (``hx[i]`` into the i-th cell): each row is a sample, not a layer, and the cell gets
        ``(num_layers, H)`` where the batch belongs.  The state's own first axis is the input's
        batch (``x.shape[0]``), so the layout is the code's, not a size coincidence."""
        seen: set[int] = set()
        for g in ctx.graphs():
            for c in g.constraints:
                if c.op != "==" or c.node is None or c.node not in g.g \
                        or not c.why.endswith(_CELL_STATES):
                    continue
                other = c.rhs if str(c.lhs) == "B" else c.lhs if str(c.rhs) == "B" else None
                if other is None or other.symbols() & {"B", "T"}:
                    continue
                call = g.view(c.node)
                for src in g.sources(c.node, NEW_VALUE_OPS, 4):
                    v = src.value
                    if src.op != "factory" or id(src.cst) in seen or not isinstance(v, Tensor) \
                            or v.shape is None or v.shape.star or len(v.shape.dims) != 3:
                        continue
                    d = v.shape.dims
                    if str(d[0]) != "B" or d[1] != other:
                        continue
                    seen.add(id(src.cst))
                    shape = v.shape.render()
                    want = f"({d[1]}, B, {d[2]})"
                    msg = (f"initial state for {call.label} is built as {shape} and read one "
                           f"row per layer, but axis 0 holds the batch: each row is a sample, "
                           f"and the cell gets ({d[1]}, {d[2]}) where (B, {d[2]}) belongs; "
                           f"build it as {want} = (num_layers, batch, hidden)")
                    yield ctx.finding(src, msg, related=call.cst,
                                      related_message=f"a row of it passed to {call.label} here")

    def _swapped_pairs(self, ctx: RuleContext, done: set[int]) -> Iterator[Finding]:
        """An LSTM's ``(h, c)`` pair built in one tuple with the first two sizes of one
        swapped against the other's: ``(zeros(bsz, self.num_layers, H), zeros(self.num_layers,
        bsz, H))``.  PyTorch wants both as ``(layers, batch, hidden)``, so the one with the
        batch first is wrong whatever the sizes are; read from the code alone, because such
        pairs are mostly built by a method the parent model or the training loop calls
        (``decoder.init_state(bs)``), where the engine does not follow them."""
        fm = ctx.analysis.fm
        for cls in fm.module_classes():
            pairs = swapped_pairs(cls.node, fm.text)
            # (pairs are rare: the class's code, a whole-class codegen, only when one is found)
            if not pairs or not any(k in fm.module.code_for_node(cls.node).lower()
                                    for k in ("lstm", "rnn")):
                continue
            for call, sizes, other in pairs:
                if id(call) in done:
                    continue
                done.add(id(call))
                got = ", ".join(fm.module.code_for_node(x) for x in sizes)
                want = ", ".join(fm.module.code_for_node(x) for x in other)
                msg = (f"this initial state is built as ({got}) but its partner in the same "
                       f"(h, c) pair as ({want}): PyTorch expects both as "
                       "(num_layers*num_directions, batch, hidden); here the layer count is on "
                       "axis 1, where the batch belongs (batch_first never applies to states)")
                receiver = state_receiver(cls.methods, call)
                f = ctx.finding(call, msg, related=receiver, related_message=RECEIVES_STATE)
                pos = [a for a in call.args if a.keyword is None and not a.star]
                if len(pos) == 3 and len(pos) == len(call.args):
                    args = [pos[0].with_changes(value=pos[1].value),
                            pos[1].with_changes(value=pos[0].value), pos[2]]
                    ctx.with_fix(f, "unsafe", "put the layers first and the batch second",
                                 [(call, call.with_changes(args=args))])
                yield f

    @staticmethod
    def _diagnose(x: object, axis: object, layer: Layer | None) -> str:
        """Which of the three axes is wrong, in words."""
        if isinstance(x, Tensor) and x.roles and x.roles[0] == BATCH:
            return "; the batch is on axis 0, but batch_first never applies to states"
        if axis == 0 and layer is not None and layer.flag("bidirectional") is True:
            return "; the first axis lacks the direction factor 2 of a bidirectional RNN"
        if axis == 2:
            return "; the last axis has the wrong width"
        return ""

    def confirm(self, finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
        hit = error_near(finding, evidence)
        if hit is not None:
            return hit
        # a wrong state makes the RNN raise: a run that went through the state's line or the
        # RNN call it is passed to without any error refutes the claim
        for ev in evidence:
            if ev.error is not None or ev.method not in ("fx", "eager"):
                continue
            lines = lines_of(finding)
            if not ev.ops_at(finding.line):
                # a receiver read from the source alone (state_consumers) may take another
                # state on this run (a branch that builds the state otherwise): without the
                # state's own line in the run, it says nothing of it
                lines -= {r.span.line for r in finding.related
                          if r.span is not None and r.message == RECEIVES_STATE}
            # only the recurrent call run *with a state* speaks for the state: a line that
            # builds it may run while the call takes none (``self.rnn(x, h) if self.stateful
            # else self.rnn(x)``), and a state whose other sizes equal the run's batch has the
            # right shape by coincidence
            B = ev.env.get("B")
            for line in sorted(lines):
                ops = [op for op in ev.ops_at(line) if op.out is not None
                       and op.module in _RECURRENT and len(op.args) >= 2
                       and not _coincides(op.args[1], B)]
                if ops:
                    return ("refuted", f"the model ran through line {line} without error "
                            f"({ops[0].name} took the state {ops[0].args[1]})")
        return None


def _batch_named_against_layout(ctx: RuleContext, c: Any, g: Any, call: int) -> bool:
    """The state differs from what the layer expects only on its batch axis, and there it
    holds a size whose name LST204 sets against the layout a layer reads: right as the names
    say (``zeros(1, batch_size, H)``), wrong only by the engine's reading of that axis."""
    x, exp = c.tensor, c.shape
    if not isinstance(x, Tensor) or x.shape is None or x.shape.star or exp is None \
            or exp.star or len(x.shape.dims) != len(exp.dims):
        return False
    # (layers, batch, hidden) for an RNN, (batch, hidden) for a cell
    batch_axis = {3: 1, 2: 0}.get(len(exp.dims))
    if batch_axis is None or c.axis != batch_axis:
        return False
    got, want = x.shape.dims, exp.dims
    if any(got[k] != want[k] for k in range(len(got)) if k != batch_axis):
        return False
    return ctx.named_against_layout(got[batch_axis], g, call, want[batch_axis])


def _slot_other(c: Any) -> Any:
    """``B == steps`` between a slot and the batch rows written into it (the engine's
    ``slot assignment`` constraint), or ``B == T`` between the parts of a torch.cat: the side
    that is not the batch (nor 1, nor, for a slot, a time size)."""
    why = str(c.why)
    joined = why.startswith("torch.cat parts, axis ")
    if c.op != "==" or not (why.startswith("slot assignment, axis ") or joined):
        return None
    for a, b in ((c.lhs, c.rhs), (c.rhs, c.lhs)):
        if str(a) == "B" and "B" not in b.symbols() and b.as_int() != 1 \
                and (joined and str(b) == "T" or not (b.symbols() & {"T"})
                     and not str(b).startswith("T")):
            return b
    return None


_RECURRENT = frozenset({"LSTM", "GRU", "RNN"})


def _coincides(state: Any, batch: Any) -> bool:
    """Does a state's shape hold the run's batch on an axis other than the batch's (axis 1)?
    Then a state built with its axes swapped has the shape torch expects by chance."""
    parts = state if isinstance(state, list) and state and isinstance(state[0], list) \
        else [state]
    for shape in parts:
        if not isinstance(shape, list) or not isinstance(batch, int) \
                or not all(isinstance(n, int) for n in shape):
            return True  # not a shape the run wrote: it proves nothing
        if any(n == batch for i, n in enumerate(shape) if i != 1):
            return True
    return False
