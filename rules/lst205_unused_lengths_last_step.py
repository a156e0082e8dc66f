"""LST205: the last step of a padded batch read while forward ignores the lengths it receives."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import libcst as cst

from lstm_lint.layers import RECURRENT
from lstm_lint.node_memo import NodeMemo
from lstm_lint.returned_state import state_returned
from lstm_lint.rule import (
    Finding,
    Rule,
    RuleContext,
    flows_into_head,
    getitems_at,
    int_index,
    last_step,
    lines_of,
)
from lstm_lint.values import STATE, TIME, Packed, Tensor

#: forward parameters that carry per-sequence lengths (not ``seq_len``/``max_len``: sizes)
_LENGTHS = re.compile(r"^(?:\w+_)?(?:lengths?|lens|len)$")
_NOT_LENGTHS = frozenset({"seq_len", "seq_length", "max_len", "max_length", "sequence_length",
                          "len", "length", "pad_len", "window_len"})
#: lengths of the targets or outputs (CTC labels, a decoder's side), not of an RNN's input
_TARGET_SIDE = re.compile(r"^(?:tgt|trg|targets?|labels?|y|dec|decoder|out|outputs?)_")


class UnusedLengthsLastStep(Rule):
    code = "LST205"
    name = "unused-lengths-last-step"
    severity = "warning"
    summary = ("An RNN run over a padded batch that was never packed, while `forward` receives "
               "the lengths: its last step, final state or backward half reads padding.")
    what_it_does = """
Flags the call of an RNN whose input was never packed, in a `forward` that takes the
sequences' lengths as an argument (`lengths`, `text_lengths`, `x_lens`...), when the padding
reaches the model: the last time step (`out[:, -1]`, `out[-1]` time-major) or the final state
(`h_n[-1]`, or the whole `h_n` laid out per sample, `h_n.permute(1, 0, 2).reshape(B, -1)`) is
read as the summary, the whole `h_n` is returned to the caller (of a call over a known plain
sequence given no initial state, `None` or zeros built in `forward`: a state handed in and
returned is carried between batches), or the RNN is bidirectional (its backward direction
starts in the padding, at every step). Lengths
handed over with the sequences as one pair (`x, x_len = x` first thing in `forward`) count
as received; lengths named after another sequence `forward` receives that never reaches the
RNN (`memory_lengths` beside `memory` in a decoder) do not, nor does an RNN that a parent in
the file hands a PackedSequence. In a class that packs anywhere, only a call
of an RNN that the class packs at another call counts, when it is given a whole padded
sequence unpacked (not one step of a generation loop), and only what that call's output
flows into is read.
"""
    why_bad = """
For every sequence shorter than the longest, the last position is padding: the RNN has read
`max_len - length` pad vectors after the real data, and its "final" state summarises them.
The model trains, and learns to depend on how much padding each sample got. The lengths that
would fix it are right there in the signature.
"""
    example = """
def forward(self, x, lengths):                # x padded to the longest sequence
    out, _ = self.lstm(x)
    return self.fc(out[:, -1])                # padding for every shorter sequence
"""
    use_instead = """
def forward(self, x, lengths):
    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    _, (h_n, _) = self.lstm(packed)
    return self.fc(h_n[-1])                   # each sequence's own last step
# or: out[torch.arange(out.size(0)), lengths - 1]
"""
    fix_safety = """
No automatic fix: packing changes the call and the sorting contract, gathering at
`lengths - 1` needs the lengths on the right device.
"""

    VALID = [
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)

    def forward(self, x, lengths):
        out, _ = self.lstm(x)
        return out[torch.arange(out.size(0)), lengths - 1]
""",
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)
        self.fc = nn.Linear(20, 2)

    def forward(self, x, seq_len):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])
""",
        """
import torch.nn as nn

class LanguageModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(10, 20, batch_first=True)

    def forward(self, x, hidden, lengths=None):
        out, hidden = self.rnn(x, hidden)  # a state carried from batch to batch
        return out, hidden
""",
        """
import torch.nn as nn

class LanguageModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(10, 20, batch_first=True)

    def forward(self, x, hidden, lengths=None):
        out, h = self.rnn(x, hidden.unsqueeze(0))  # carried, then returned as (B, H)
        return out, h.squeeze(0)
""",
        """
import torch.nn as nn
from seqlib import to_packed, from_packed  # a package the linter cannot read

class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(10, 20, batch_first=True)

    def forward(self, x, lengths):
        out, h_n = self.rnn(to_packed(x, lengths))  # may well be packed
        return from_packed(out), h_n
""",
        """
import torch
import torch.nn as nn

class AttnDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(10, 20, batch_first=True)

    def forward(self, tgt, memory, memory_lengths):  # the lengths of the memory
        out, hidden = self.rnn(tgt)
        mask = torch.arange(memory.size(1))[None, :] < memory_lengths[:, None]
        scores = torch.bmm(out, memory.transpose(1, 2)).masked_fill(~mask[:, None], -1e9)
        return torch.bmm(scores.softmax(-1), memory), hidden
""",
        """
import torch.nn as nn

class Child(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(10, 20)

    def forward(self, x, lengths=None):
        out, (h, c) = self.rnn(x)  # x is the parent's PackedSequence
        return out, (h, c)

class Parent(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = Child()

    def forward(self, x, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), enforce_sorted=False)
        out, (h, c) = self.enc(packed, lengths)
        return h[-1]
""",
    ]
    INVALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)
        self.fc = nn.Linear(20, 2)

    def forward(self, x, lengths):
        out, _ = self.lstm(x)  # <-- LST205
        return self.fc(out[:, -1])
""",
        """
import torch.nn as nn

class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(40, 5)

    def forward(self, x, x_lens):
        mask = x_lens  # used, but never to pack
        out, _ = self.lstm(x)  # <-- LST205
        return self.fc(out), mask
""",
        """
import torch.nn as nn

class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)
        self.fc = nn.Linear(20, 2)

    def forward(self, x, lengths):
        pack_input = x.float()  # named like a packed batch, never packed
        out, _ = self.lstm(pack_input)  # <-- LST205
        return self.fc(out[:, -1])
""",
        """
import torch.nn as nn

class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(10, 20, batch_first=True)

    def forward(self, x, lengths=None):
        out, h_n = self.gru(x)  # <-- LST205
        return out, h_n
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for m in ctx.analysis.modules:
            fwd = m.cls.forward
            if fwd is None:
                continue
            params = _length_params(fwd)
            if not params:
                continue
            packs = _packs(m.cls.node, ctx.analysis.fm.text)
            unused = [n for n in params if not _uses(fwd, n)]
            g = m.graph
            seen: set[int] = set()
            for call in g.nodes("layer"):
                layer = call.attrs.get("layer")
                if layer is None or layer.kind not in RECURRENT or layer.node in seen:
                    continue
                # a class that packs somewhere: this call counts only where the same RNN is
                # packed at another call (so it runs over padded batches) and this one is
                # given a whole sequence (not one step of a generation loop) the engine
                # followed unpacked, and only what its own output flows into is read
                packed_elsewhere = _rnn_input_packed(g, layer.node)
                elsewhere = packs or packed_elsewhere or _packs_around(ctx, call.cst)
                if elsewhere and not (packed_elsewhere and _unpacked_sequence(g, call)):
                    continue
                mine = [n for n in params if not _lengths_of_another(g, fwd, n, call.id)]
                if not mine:
                    continue
                read = _padding_read(ctx, g, layer, call.id if elsewhere else None)
                if read is None or _packed_by_another(ctx, g, layer.node):
                    continue
                seen.add(layer.node)
                what, at = read
                lengths = ([n for n in unused if n in mine] or mine)[0]
                given = (f"forward receives {lengths} and never uses it" if unused else
                         f"forward receives {lengths} but never packs {call.label}'s input "
                         "with it")
                msg = (f"{call.label} runs over the whole padded batch, and {what}: for every "
                       f"sequence shorter than the longest that reads padding, while {given}; "
                       f"pack the input with pack_padded_sequence(..., {lengths}.cpu(), "
                       "batch_first=..., enforce_sorted=False) and use h_n[-1], or gather out at "
                       f"{lengths} - 1")
                node = at.cst if hasattr(at, "cst") else at
                yield ctx.finding(call, msg, related=node,
                                  related_message="the state leaves forward here"
                                  if isinstance(node, cst.Return) else
                                  "the read that sees padding")

    def confirm(self, finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
        """Refuted when the model packed its input.  Otherwise what the run shows (step T-1,
        or the state after it, read for every sequence of an input never packed; a backward
        direction that started at step T-1) is said, but the finding stays unconfirmed: it
        holds only if the batches are padded, which the run's own inputs cannot show (their
        lengths are the confirmer's, or the user's, and nothing says they are the lengths of
        this input: review rv22, clips of exactly 7 frames with their captions' lengths)."""
        for ev, op in [hit for ln in sorted(lines_of(finding))
                       for hit in getitems_at(evidence, ln)]:
            if any("pack_padded" in o.name for o in ev.ops):
                return ("refuted", "the model packed its input with pack_padded_sequence")
            shape = op.args[0]
            T = ev.env.get("T")
            for axis, idx in int_index(op):
                if axis < len(shape) and shape[axis] == T and idx in (-1, T - 1):
                    return ("unconfirmed", f"the model read step {T - 1} (the last of T={T}) "
                            f"of {shape} for every sequence and never packed its input; "
                            f"{_PREMISE}")
                if axis == 0 and idx == -1 and len(shape) == 3 and shape[1] == ev.env.get("B"):
                    return ("unconfirmed", f"the model read h_n[-1] of {shape}, the state "
                            f"after all T={T} steps, and never packed its input; {_PREMISE}")
        if "backward direction starts in the padding" in finding.message:
            return _backward_in_padding(finding, evidence)
        return None


#: why a run over the whole padded batch confirms nothing by itself
_PREMISE = ("whether the batches are padded (sequences shorter than the steps run), a run "
            "on inputs lstm-lint or you chose cannot show: the bug is silent")


def _backward_in_padding(finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
    """A bidirectional RNN that ran at the finding's line on a tensor of all T steps (no
    PackedSequence), in a run that never packed: its backward direction started at step T-1,
    in the padding of any shorter sequence (said, not confirmed: see ``confirm``)."""
    for ev in evidence:
        if any("pack_padded" in o.name for o in ev.ops):
            continue  # it packs something: whether this input is packed is not shown here
        T = ev.env.get("T")
        for op in ev.ops_at(finding.line):
            if (op.module or op.name) not in ("LSTM", "GRU", "RNN") or not op.args:
                continue
            shape = op.args[0]
            if isinstance(shape, list) and len(shape) == 3 and T in shape[:2] \
                    and all(isinstance(n, int) for n in shape):
                return ("unconfirmed", f"{op.name} ran over all T={T} steps of {shape} (not "
                        "packed): its backward direction started at step "
                        f"{T - 1}, in the padding of any shorter sequence; {_PREMISE}")
    return None


def _length_params(fn: cst.FunctionDef) -> list[str]:
    """The lengths ``forward`` receives: a parameter, or a name its first statements unpack
    from one (``x, x_len = x``: the sequences and their lengths handed over as a pair)."""
    params = [p.name.value for p in list(fn.params.params)[1:] + list(fn.params.kwonly_params)]
    names = list(params)
    body = fn.body.body if isinstance(fn.body, cst.IndentedBlock) else []
    for stmt in body[:3]:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1 \
                    and isinstance(small.value, cst.Name) and small.value.value in params \
                    and isinstance(small.targets[0].target, cst.Tuple):
                names += [el.value.value for el in small.targets[0].target.elements
                          if isinstance(el.value, cst.Name)]
    out = []
    for name in names:
        if name in _NOT_LENGTHS or not _LENGTHS.match(name) or _TARGET_SIDE.match(name) \
                or name in out:
            continue
        out.append(name)
    return out


#: prefixes that name the encoder's side of a decoder (the memory its attention reads)
_SOURCE_SIDE = ("src", "source", "enc", "encoder", "memory", "mem", "ctx", "context")


def _lengths_of_another(g: Any, fn: cst.FunctionDef, name: str, call: int) -> bool:
    """Are these the lengths of another sequence ``forward`` receives, one that never reaches
    the RNN's input?  (``forward(self, tgt, memory, memory_lengths)``: a decoder's lengths of
    the attention memory; ``src_lengths``, ``enc_lens`` with the memory beside them.)"""
    import networkx as nx

    prefix = name.rsplit("_", 1)[0] if "_" in name else ""
    if not prefix:
        return False
    params = [p.name.value for p in list(fn.params.params)[1:] + list(fn.params.kwonly_params)]
    if name not in params:
        return False  # unpacked with its sequences from one pair (``x, x_len = x``)
    owners = [p for p in params if p != name and (p == prefix or p.startswith(prefix + "_"))]
    if not owners and prefix in _SOURCE_SIDE:
        owners = [p for p in params if p != name and not _LENGTHS.match(p)
                  and p.split("_", 1)[0] in _SOURCE_SIDE]
    if not owners:
        return False
    ins = [n for n in g.nodes("input") if n.label.split("[", 1)[0] in owners]
    if {n.label for n in ins} & set(owners) != set(owners):
        return False  # one the engine did not follow: its path is not known
    return not any(nx.has_path(g.g, n.id, call) for n in ins)


def _uses(fn: cst.FunctionDef, name: str) -> bool:
    """Is ``name`` read anywhere in the body (also by a nested function, ``locals()``...)?"""
    from lstm_lint.walk import mentions

    return mentions(fn.body, {name, "locals", "vars"})


def contains_node(root: Any, node: Any) -> bool:
    from lstm_lint.walk import contains

    return contains(root, node)


def _rnn_input_packed(g: Any, build: int | None) -> bool:
    """Was any call of this RNN given a PackedSequence?"""
    for node in g.nodes("layer"):
        layer = node.attrs.get("layer")
        if layer is None or layer.node != build:
            continue
        for p in g.g.predecessors(node.id):
            if isinstance(g.g.edges[p, node.id].get("value"), Packed):
                return True
    return False


def _packed_by_another(ctx: RuleContext, g: Any, build: int | None) -> bool:
    """Is this RNN given a PackedSequence in another module's graph of the file (a parent
    that packs before calling the child that owns it: ``self.enc(packed, lengths)``)?"""
    return any(m.graph is not g and _rnn_input_packed(m.graph, build)
               for m in ctx.analysis.modules)


def _packs(cls_node: Any, text: str) -> bool:
    """Does the class pack anything (pack_padded_sequence, pack_sequence)?  Then its RNNs
    are taken as handled even where the engine lost the PackedSequence.  (A file whose text
    never says "pack" packs nothing: the class is not walked.)"""
    if "pack" not in text.lower():
        return False
    known = _PACKS.get(cls_node)
    if known is None:
        known = _PACKS.put(cls_node, _walk_packs(cls_node))
    return known


#: per class node: does it pack?
_PACKS: NodeMemo[Any, bool] = NodeMemo()


def _walk_packs(cls_node: Any) -> bool:
    from lstm_lint.walk import descendants

    for n in descendants(cls_node):
        if isinstance(n, cst.Name) and n.value in _PACKERS:
            return True
        # a helper that packs (self.pack_batch(...)): a *call* of a pack_ name, never a
        # variable that merely has such a name (``pack_input = x``)
        if isinstance(n, cst.Call):
            f = n.func
            name = f.value if isinstance(f, cst.Name) else \
                f.attr.value if isinstance(f, cst.Attribute) else ""
            if name.startswith("pack_"):
                return True
    return False


_PACKERS = frozenset({"pack_padded_sequence", "pack_sequence", "PackedSequence"})


def _unpacked_sequence(g: Any, call: Any) -> bool:
    """The call's input is a plain tensor of three axes (never a PackedSequence) whose time
    axis is known and not a single step (``token.unsqueeze(1)`` in a generation loop)."""
    ins = [g.g.edges[p, call.id].get("value") for p in g.g.predecessors(call.id)]
    if not ins or any(isinstance(v, Packed) for v in ins):
        return False
    layer = call.attrs.get("layer")
    bf = layer.flag("batch_first") if layer is not None else None
    if not isinstance(bf, bool):
        return False
    for v in ins:
        if isinstance(v, Tensor) and v.rnn is None and v.shape is not None \
                and not v.shape.star and len(v.shape.dims) == 3:
            t = v.shape.dims[1 if bf else 0]
            return t is not None and t.as_int() != 1
    return False


def _downstream(g: Any, call: int | None, node: int) -> bool:
    if call is None:
        return True
    import networkx as nx

    return bool(nx.has_path(g.g, call, node))


def _padding_read(ctx: RuleContext, g: Any, layer: Any, call: int | None = None
                  ) -> tuple[str, Any] | None:
    """How the padding reaches the model: the last step or the final state read as a summary,
    or (bidirectional) any step of the output, whose backward half starts in the padding.
    With ``call``: only what that call's output flows into."""
    for node in g.nodes("index"):
        src = node.attrs.get("source")
        if not isinstance(src, Tensor) or src.rnn is None or src.rnn.node != layer.node \
                or src.rnn.padded or not _downstream(g, call, node.id):
            continue
        for ev in node.attrs.get("events", []):
            step = src.what == "output" and ev.role == TIME and last_step(ev)
            state = src.what in ("h_n", "c_n") and ev.role == STATE and ev.axis == 0 \
                and ev.index is not None and ev.index.as_int() in (-1, -2)
            if (step or state) and (flows_into_head(g, node.id)
                                    or ctx.used_as_summary(g, node.id)):
                return ("its last time step is read" if step
                        else "its final state h_n is read", node)
    for node in g.nodes():
        # the whole final state laid out per sample (h_n.permute(1, 0, 2).reshape(B, -1)):
        # every layer's and direction's state after the padding
        if node.op not in _STATE_LAYOUT_OPS:
            continue
        for p in g.g.predecessors(node.id):
            v = g.g.edges[p, node.id].get("value")
            if isinstance(v, Tensor) and v.what == "h_n" and v.rnn is not None \
                    and v.rnn.node == layer.node and not v.rnn.padded \
                    and _downstream(g, call, node.id) \
                    and (flows_into_head(g, node.id) or ctx.used_as_summary(g, node.id)
                         or _summary_after(ctx, g, node.id)):
                return ("its final state h_n is read", node)
    returned = state_returned(ctx, g, layer, call)
    if returned is not None:
        # the whole final state handed to forward's caller (``return out, h_n``): for every
        # shorter sequence it is the state after the padding (h_n[-1] returned is read above)
        return ("its final state h_n is returned whole", returned or None)
    if layer.flag("bidirectional") is True and (call is None or any(True for _ in
                                                                    g.g.successors(call))):
        # its backward direction starts in the padding: every step and both final states
        return ("its backward direction starts in the padding (every step, and h_n)", None)
    return None


#: ops that lay a whole state out anew, keeping every value in it
_STATE_LAYOUT_OPS = frozenset({"permute", "transpose"})


def _summary_after(ctx: RuleContext, g: Any, nid: int) -> bool:
    """Does a value made from this one by shape-keeping or reshaping steps feed a head or
    leave forward (``h.permute(1, 0, 2).contiguous().view(B, -1)`` returned)?"""
    from lstm_lint.rule import SHAPE_KEEPING

    for n in g.reachable(nid, SHAPE_KEEPING | {"reshape", "squeeze"}, 5):
        if ctx.used_as_summary(g, n.id):
            return True
    return False


def _packs_around(ctx: RuleContext, call: Any) -> bool:
    """Does the class whose code calls the RNN pack anything?  (a child module's RNN run from
    its parent's analysis: the child packs, the parent does not)"""
    owner = _call_owners(ctx.analysis.fm).get(id(call))
    if owner is None:
        return True  # the call is in another file: its packing is not visible here
    return _packs(owner, ctx.analysis.fm.text)


#: per parsed file: the class that holds each call (every class walked once, not once a call)
_OWNERS: NodeMemo[Any, dict[int, Any]] = NodeMemo()


def _call_owners(fm: Any) -> dict[int, Any]:
    from lstm_lint.walk import descendants

    hit = _OWNERS.get(fm.module)
    if hit is not None:
        return hit
    owners: dict[int, Any] = {}
    for cls in fm.classes.values():
        for n in descendants(cls.node):
            if type(n) is cst.Call:
                owners.setdefault(id(n), cls.node)
    return _OWNERS.put(fm.module, owners)
