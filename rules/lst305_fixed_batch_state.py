"""LST305: an initial state sized for a fixed batch instead of the input's batch."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import libcst as cst

from lstm_lint.dataflow import NEW_VALUE_OPS, Constraint, Dataflow, NodeView
from lstm_lint.extract import FileModel
from lstm_lint.rule import Finding, Rule, RuleContext, contains, error_near
from lstm_lint.state_consumers import (
    BATCH_PARAM,
    RECEIVES_STATE,
    is_state_method,
    state_receiver,
)
from lstm_lint.state_pairs import swapped_pairs
from lstm_lint.symbolic import Expr
from lstm_lint.values import Tensor

_STATE_NAMES = ("h_0", "c_0", " h", " c")


class FixedBatchState(Rule):
    code = "LST305"
    name = "fixed-batch-state"
    severity = "warning"
    summary = "`h0` built for a constant or configured batch size, not the input's batch."
    what_it_does = """
Flags an initial state (`h0`/`c0` of an RNN, `h`/`c` of a cell) whose batch axis is a
constant or a size from the constructor or a configuration (`self.batch_size`,
`args.batch_size`, `32`) while the input's batch is read from the data: the state and the
input agree only when every batch has exactly that size.  The same holds for a tensor built
for a fixed batch and joined (`torch.cat`, `torch.stack`) with tensors of the input's batch,
such as a decoder's next-step token, and for a buffer built for a fixed batch whose slots
are filled with rows of the input's batch (`est = torch.zeros(32, steps, 2)`, then
`est[:, t] = step_out` with `step_out` `(B, 2)`).
"""
    why_bad = """
The last batch of an epoch is usually smaller (`len(dataset) % batch_size`), and so is any
batch at evaluation or inference time: there PyTorch raises `Expected hidden[0] size (1, 32,
64), got [1, 7, 64]`, after a whole epoch of training. Tests with the training batch size
pass.
"""
    example = """
def forward(self, x):                         # x: (B, T, F)
    h0 = torch.zeros(self.num_layers, self.batch_size, self.hidden)
    out, _ = self.gru(x, h0)
"""
    use_instead = """
def forward(self, x):
    h0 = torch.zeros(self.num_layers, x.size(0), self.hidden)
    out, _ = self.gru(x, h0)
"""
    fix_safety = """
Unsafe: the batch-size argument of the state's factory call becomes the input's batch
(`x.size(0)` for `batch_first=True`, `x.size(1)` otherwise). Offered only when the state is
built in the same function that calls the RNN on a plain variable; it changes the model only
for batches of another size, which then run instead of raising.
"""

    VALID = [
        """
import torch
import torch.nn as nn

class StepDecoder(nn.Module):
    def __init__(self, n_tok, hidden):
        super().__init__()
        self.n_tok = n_tok
        self.cell = nn.GRUCell(2 * n_tok, hidden)
        self.out = nn.Linear(hidden, n_tok)

    def forward(self, z, steps: int = 4):
        h = z
        token = torch.zeros(z.size(0), self.n_tok)
        for _ in range(steps):
            extra = torch.zeros(z.size(0), self.n_tok)
            h = self.cell(torch.cat([token, extra], dim=-1), h)
            token = self.out(h)
        return token
""",
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, hidden, batch_size):
        super().__init__()
        self.hidden, self.batch_size = hidden, batch_size
        self.gru = nn.GRU(10, hidden, batch_first=True)

    def forward(self, x):
        h0 = torch.zeros(1, x.size(0), self.hidden)
        return self.gru(x, h0)[0]
""",
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.hidden = hidden
        self.gru = nn.GRU(10, hidden)

    def forward(self, x, batch_size):
        # the caller passes the batch it feeds: model(x, x.size(1))
        h0 = torch.zeros(1, batch_size, self.hidden)
        return self.gru(x, h0)[0]
""",
        """
import torch
import torch.nn as nn

class LanguageModel(nn.Module):
    def __init__(self, vocab, hidden, layers):
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.rnn = nn.GRU(hidden, hidden, layers)

    def init_hidden(self, bsz):
        return torch.zeros(self.layers, 1, self.hidden).expand(-1, bsz, -1).contiguous()
""",
    ]
    INVALID = [
        """
import torch
import torch.nn as nn

class StepDecoder(nn.Module):
    def __init__(self, n_tok, hidden):
        super().__init__()
        self.n_tok = n_tok
        self.cell = nn.GRUCell(2 * n_tok, hidden)
        self.out = nn.Linear(hidden, n_tok)

    def forward(self, z, steps: int = 4):
        h = z
        token = torch.zeros(z.size(0), self.n_tok)
        for _ in range(steps):
            extra = torch.zeros(32, self.n_tok)  # <-- LST305
            h = self.cell(torch.cat([token, extra], dim=-1), h)
            token = self.out(h)
        return token
""",
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, hidden, batch_size):
        super().__init__()
        self.hidden, self.batch_size = hidden, batch_size
        self.gru = nn.GRU(10, hidden, batch_first=True)

    def forward(self, x):
        h0 = torch.zeros(1, self.batch_size, self.hidden)  # <-- LST305
        return self.gru(x, h0)[0]
""",
        """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.hidden = hidden
        self.lstm = nn.LSTM(10, hidden)

    def forward(self, x):
        h0 = torch.zeros(1, x.size(1), self.hidden)
        c0 = torch.zeros(1, 64, self.hidden)  # <-- LST305
        return self.lstm(x, (h0, c0))[0]
""",
        """
import torch
import torch.nn as nn

class LanguageModel(nn.Module):
    def __init__(self, vocab, hidden, layers):
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.rnn = nn.LSTM(hidden, hidden, layers)

    def init_hidden(self, bsz):
        return (torch.zeros(self.layers, 32, self.hidden),  # <-- LST305
                torch.zeros(self.layers, bsz, self.hidden))
""",
        """
import torch
import torch.nn as nn

class Captioner(nn.Module):
    def __init__(self, rnn_type, hidden, layers):
        super().__init__()
        self.rnn_type, self.hidden, self.layers = rnn_type, hidden, layers
        self.core = getattr(nn, rnn_type.upper())(hidden, hidden, layers)

    def init_hidden(self, bsz):
        return torch.zeros(self.layers, 16, self.hidden)  # <-- LST305
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        # a state whose first two sizes are swapped against its (h, c) partner's is laid out
        # wrongly (LST301), not built for a fixed batch: its "batch" is the layer count
        seen = _swapped_calls(ctx.analysis.fm)
        # a size passed to forward is the caller's to pick: model(x, batch_size=x.size(0))
        inputs: dict[int, set[str]] = {}
        for m in ctx.analysis.modules:
            inputs.setdefault(id(m.graph), set()).update(m.input_names)
        for g in ctx.graphs():
            callers = inputs.get(id(g), set())
            for c in g.constraints:
                slot = _slot_fixed(c)
                if slot is not None and c.node is not None and c.node in g.g \
                        and not slot.symbols() & (callers | g.data_sizes):
                    yield from self._slot(ctx, g, c.node, slot, seen)
                    continue
                joined = _joined_fixed(c)
                if joined is not None and c.node is not None and c.node in g.g \
                        and not joined[0].symbols() & (callers | g.data_sizes):
                    yield from self._joined(ctx, g, c.node, *joined, seen)
                    continue
                fixed = _fixed_batch(c)
                if fixed is None or c.node is None or c.node not in g.g \
                        or fixed.symbols() & (callers | g.data_sizes):
                    continue
                call = g.view(c.node)
                found = [(src, state, axis) for src, state, axis
                         in _state_factories(g, c.node, fixed) if id(src.cst) not in seen]
                if not found:
                    continue
                found.sort(key=lambda t: t[0].id)
                seen.update(id(src.cst) for src, _s, _a in found)
                yield self._finding(ctx, call, found, fixed)
        yield from self._state_methods(ctx, seen)

    def _joined(self, ctx: RuleContext, g: Dataflow, node: int, fixed: Expr, axis: int,
                seen: set[int]) -> Iterator[Finding]:
        """A tensor built for a fixed batch and joined (cat/stack) with tensors of the input's
        batch: a decoder's step token ``torch.zeros(32, 1, V)`` beside ``(B, 1, E)`` parts."""
        join = g.view(node)
        out = join.value
        rank = len(out.shape.dims) if isinstance(out, Tensor) and out.shape is not None \
            and not out.shape.star else None
        for src, v in _factories_into(g, node):
            # (a join that carries a forward input still to be solved has no rank yet: the
            # constraint's axis is then counted in the factory's own axes)
            if v.shape is None or v.shape.star \
                    or len(v.shape.dims) != (rank if rank is not None else len(v.shape.dims)) \
                    or axis >= len(v.shape.dims) \
                    or v.shape.dims[axis] != fixed or id(src.cst) in seen:
                continue
            seen.add(id(src.cst))
            how = f"torch.{join.label}" if join.label in ("cat", "stack") else join.label
            msg = (f"this tensor is built as {v.shape.render()} with a fixed batch of {fixed}, "
                   f"but {how} joins it with tensors of the input's batch B: the model "
                   "fails on any batch of another size (the last, smaller batch of an epoch); "
                   "size it from the batch of what it is joined with")
            yield ctx.finding(src, msg, related=join.cst,
                              related_message=f"joined with the batch B here ({join.label})")

    def _slot(self, ctx: RuleContext, g: Dataflow, node: int, fixed: Expr,
              seen: set[int]) -> Iterator[Finding]:
        """A buffer built for a fixed batch whose slots are filled with rows of the input's
        batch: ``est = torch.zeros(32, steps, 2)`` then ``est[:, t] = step_out`` (B, 2)."""
        at = g.view(node)
        into = at.attrs.get("into")
        if not isinstance(into, Tensor) or into.node is None or into.node not in g.g:
            return
        sources = list(_factories_into(g, into.node))
        here = g.view(into.node)
        if here.op == "factory" and isinstance(here.value, Tensor):
            sources.append((here, here.value))
        for src, v in sources:
            if v.shape is None or v.shape.star or fixed not in v.shape.dims \
                    or any(str(d) == "B" for d in v.shape.dims) or id(src.cst) in seen:
                continue
            seen.add(id(src.cst))
            msg = (f"this tensor is built as {v.shape.render()} with a fixed batch of {fixed}, "
                   "but its slots are filled with rows of the input's batch B: the model fails "
                   "on any batch of another size (the last, smaller batch of an epoch), and a "
                   "batch of one is copied to every row; size it from the batch of what is "
                   "written into it")
            yield ctx.finding(src, msg, related=at.cst,
                              related_message="filled with the batch B here")

    def _state_methods(self, ctx: RuleContext, seen: set[int]) -> Iterator[Finding]:
        """``def init_hidden(self, bsz): return torch.zeros(L, 32, H)``: a state method that is
        given the batch size and builds the state for another one (not followed by the engine
        when only the training code calls it)."""
        for cls in ctx.analysis.fm.module_classes():
            methods = []
            for name, fn in cls.methods.items():
                if not is_state_method(name):
                    continue
                batch = [p.name.value for p in fn.params.params[1:]
                         if BATCH_PARAM.match(p.name.value)]
                if batch:
                    methods.append((name, fn, batch))
            # the class's code is generated (costly) only when it has such a method; a layer
            # whose class is chosen by name (getattr(nn, self.rnn_type.upper())) is named in
            # any case
            if not methods or not any(
                    k in ctx.analysis.fm.module.code_for_node(cls.node).lower()
                    for k in ("lstm", "gru", "rnn")):
                continue
            for name, fn, batch in methods:
                for call, arg in _factories(fn, batch[0]):
                    if id(call) in seen or _mentions(arg, batch[0]):
                        continue
                    code = ctx.analysis.fm.module.code_for_node(arg)
                    seen.add(id(call))
                    msg = (f"{name}() receives the batch size {batch[0]} but builds this state "
                           f"for a batch of {code}: the RNN raises (or mixes samples) for every "
                           f"batch of another size; build it with {batch[0]}")
                    f = ctx.finding(call, msg, related=state_receiver(cls.methods, call),
                                    related_message=RECEIVES_STATE)
                    ctx.with_fix(f, "unsafe", "size the state from the batch it is given",
                                 [(arg, cst.parse_expression(batch[0]))])
                    yield f

    def _finding(self, ctx: RuleContext, call: NodeView,
                 found: list[tuple[NodeView, Tensor, int]], fixed: Expr) -> Finding:
        """One finding per RNN call, at its first fixed-batch state, fixing every one."""
        label = call.label
        src, state, axis = found[0]
        rnn_in = _input_code(ctx, call)
        bf = _batch_first(call)
        batch_expr = None
        if rnn_in is not None and bf is not None:
            batch_expr = f"{rnn_in}.size({0 if bf else 1})"
        elif rnn_in is not None and axis == 0:  # a cell: (B, F)
            batch_expr = f"{rnn_in}.size(0)"
        use = batch_expr or (f"the input's batch (axis {0 if bf else 1} of what {label} reads)"
                             if bf is not None else "the input's batch")
        shape = state.shape.render() if state.shape else "?"
        what = "this initial state" if len(found) == 1 else f"these {len(found)} initial states"
        verb = "is" if len(found) == 1 else "are"
        msg = (f"{what} for {label} {verb} built as {shape} with a fixed batch of {fixed}, but the "
               "input's batch is read from the data: the model fails on any batch of another "
               f"size (the last, smaller batch of an epoch); size it from {use}")
        f = ctx.finding(src, msg, related=call.cst, related_message=f"passed to {label} here")
        if batch_expr is None:
            return f
        fn = _enclosing_function(ctx, call.cst)
        edits: list[tuple[Any, Any]] = []
        for s_node, _state, ax in found:
            fcall = s_node.cst
            if fn is None or not isinstance(fcall, cst.Call) or not contains(fn, fcall):
                return f
            pos = [a for a in fcall.args if a.keyword is None and not a.star]
            if len(pos) <= ax or len(pos) != len([a for a in fcall.args if a.keyword is None]):
                return f
            edits.append((pos[ax].value, cst.parse_expression(batch_expr)))
        ctx.with_fix(f, "unsafe", "size the state from the input's batch", edits)
        return f

    def confirm(self, finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
        """Confirmed when the RNN raised on the state, or when the state was built for another
        batch than the input's; left open when the child's batch happens to match."""
        m = _FIXED.search(finding.message)
        fixed = int(m.group(1)) if m is not None else None
        hit = error_near(finding, evidence)
        if hit is not None and "hidden" in hit[1].lower() and (
                fixed is None or str(fixed) in re.findall(r"\d+", hit[1].split("got", 1)[-1])):
            return hit  # the RNN's state check, the fixed batch in the state it got
        # a join or a slot that the fixed batch meets (the finding's related line) raises a
        # size mismatch that names both batches: the fixed one and the input's
        for ev in evidence if fixed is not None else ():
            B = ev.env.get("B")
            hit = error_near(finding, [ev])
            if hit is not None and B is not None and fixed != B:
                sizes = {int(n) for n in re.findall(r"(?<![\w.])(\d+)(?![\w.])", hit[1])}
                if {fixed, B} <= sizes:
                    return hit
        for ev in evidence:
            B = ev.env.get("B")
            for op in ev.ops_at(finding.line):
                out = op.out
                if not isinstance(out, list) or len(out) not in (2, 3) or B is None:
                    continue
                n = out[1] if len(out) == 3 else out[0]
                if isinstance(n, int) and n != B:
                    return ("confirmed", f"{op.name} built the state {out} for a batch of "
                            f"{n} while the input's batch was B={B}")
        return None


def _fixed_batch(c: Constraint) -> Expr | None:
    """``B == batch_size`` on a state: the side that is not the input's batch."""
    if c.op != "==" or not any(c.why.endswith(s) for s in _STATE_NAMES):
        return None
    for a, b in ((c.lhs, c.rhs), (c.rhs, c.lhs)):
        if str(a) == "B" and not (b.symbols() & {"B", "T"}) and not str(b).startswith("T"):
            return b
    return None


#: the constant batch a finding names (``with a fixed batch of 32``)
_FIXED = re.compile(r"(?:with a fixed batch|for a batch) of (\d+)\b")


_JOINED = re.compile(r"torch\.(?:cat|stack) parts, axis (\d+)$")


_SLOT = re.compile(r"slot assignment, axis \d+$")


def _slot_fixed(c: Constraint) -> Expr | None:
    """``B == 32`` between a slot and the rows written into it: the fixed side (as for a
    join: neither a batch nor a time size, nor a literal 1)."""
    if c.op != "==" or _SLOT.search(c.why) is None:
        return None
    for a, b in ((c.lhs, c.rhs), (c.rhs, c.lhs)):
        if str(a) == "B" and not (b.symbols() & {"B", "T"}) and not str(b).startswith("T") \
                and b.as_int() != 1:
            return b
    return None


def _joined_fixed(c: Constraint) -> tuple[Expr, int] | None:
    """``B == 32`` between the parts of a cat/stack: the fixed side (neither a batch nor a
    time size, nor a literal 1 a generation loop may mean), and the axis."""
    m = _JOINED.search(c.why)
    if m is None or c.op != "==":
        return None
    for a, b in ((c.lhs, c.rhs), (c.rhs, c.lhs)):
        if str(a) == "B" and not (b.symbols() & {"B", "T"}) and not str(b).startswith("T") \
                and b.as_int() != 1:
            return b, int(m.group(1))
    return None


def _factories_into(g: Dataflow, node: int) -> Iterator[tuple[NodeView, Tensor]]:
    """Factory nodes feeding ``node`` through ops that keep a shape (casts, ``.to``)."""
    for view in g.sources(node, NEW_VALUE_OPS | {"cat", "stack"}, 4):
        if view.op == "factory" and isinstance(view.value, Tensor):
            yield view, view.value




def _state_factories(g: Dataflow, call: int, fixed: Expr) -> Iterator[tuple[NodeView, Tensor,
                                                                            int]]:
    """Factory nodes feeding the RNN call whose batch axis holds ``fixed`` (not one that
    holds the input's batch on another axis: that state is laid out wrongly, LST301)."""
    for view in g.sources(call, NEW_VALUE_OPS, 4):
        v = view.value
        if view.op == "factory" and isinstance(v, Tensor) and v.shape is not None \
                and not v.shape.star and len(v.shape.dims) in (2, 3):
            axis = 1 if len(v.shape.dims) == 3 else 0
            if v.shape.dims[axis] == fixed and not any(str(d) == "B" for d in v.shape.dims):
                yield view, v, axis


def _input_code(ctx: RuleContext, call: NodeView) -> str | None:
    c = call.cst
    if isinstance(c, cst.Call) and c.args and c.args[0].keyword is None \
            and isinstance(c.args[0].value, cst.Name):
        return c.args[0].value.value
    return None


def _batch_first(call: NodeView) -> bool | None:
    v = call.value
    from lstm_lint.values import Seq

    out = v.items[0] if isinstance(v, Seq) and v.items else None
    if isinstance(out, Tensor) and out.rnn is not None:
        return out.rnn.batch_first
    return None


def _enclosing_function(ctx: RuleContext, node: Any) -> cst.FunctionDef | None:
    for cls in ctx.analysis.fm.classes.values():
        for fn in cls.methods.values():
            if contains(fn, node):
                return fn
    return None


_FACTORIES = frozenset({"zeros", "ones", "randn", "rand", "empty", "new", "new_zeros",
                        "new_ones", "new_empty", "FloatTensor", "Tensor"})


def _factories(fn: cst.FunctionDef, batch: str
               ) -> Iterator[tuple[cst.Call, cst.BaseExpression]]:
    """Factory calls with three plain sizes whose batch (the middle one) is a constant other
    than 1 (``zeros(L, 1, H).expand(...)`` is fine) or a ``self.`` attribute."""
    out: list[tuple[cst.Call, cst.BaseExpression]] = []

    class V(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            f = node.func
            name = f.attr.value if isinstance(f, cst.Attribute) else \
                f.value if isinstance(f, cst.Name) else None
            if name not in _FACTORIES:
                return
            sizes = [a.value for a in node.args if a.keyword is None and not a.star]
            if len(sizes) == 1 and isinstance(sizes[0], cst.Tuple | cst.List):
                sizes = [e.value for e in sizes[0].elements]
            if len(sizes) != 3 or any(_mentions(x, batch) for x in sizes):
                return  # the batch it was given sits on another axis: not an RNN state
            mid = sizes[1]
            if isinstance(mid, cst.Integer) and mid.value not in ("0", "1") or (
                    isinstance(mid, cst.Attribute) and isinstance(mid.value, cst.Name)
                    and mid.value.value == "self"):
                out.append((node, mid))

    fn.body.visit(V())
    yield from out


def _mentions(node: cst.CSTNode, name: str) -> bool:
    found = False

    class V(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            nonlocal found
            found = found or n.value == name

    node.visit(V())
    return found


def _swapped_calls(fm: FileModel) -> set[int]:
    """The factory calls of the file's swapped pairs (LST301's), once a file: the rule runs
    once per class, and a file may hold thousands."""
    memo: set[int] | None = fm.__dict__.get("_lst305_swapped")
    if memo is None:
        memo = fm.__dict__["_lst305_swapped"] = {
            id(call) for cls in fm.module_classes()
            for call, _s, _o in swapped_pairs(cls.node, fm.text)}
    return memo
