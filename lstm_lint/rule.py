"""The rule API: what a rule is, what it sees of a file, and the helpers rules share.

A rule is one file in ``rules/``: a :class:`Rule` subclass with its code, kebab-case name,
severity, docs, and ``VALID``/``INVALID`` examples that the test suite runs.  In an invalid
example, the line the rule must flag ends with the comment ``# <-- LSTnnn``.

The helpers for ``Rule.confirm`` live in :mod:`lstm_lint.evidence`, the fix builders in
:mod:`lstm_lint.fixes`, and the loaded rules in :mod:`lstm_lint.catalogue`; their names are
importable from here too, as rules have always imported them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

from .analyze import FileAnalysis
from .dataflow import Dataflow, NodeView
from .findings import Finding, Related
from .layers import Conflict
from .ops import IndexEvent
from .values import TIME, Tensor, Value

CODE_RE = re.compile(r"^LST\d{3}$")
#: ``Rule.confirm_error`` of the rules whose bug crashes a run with a shape error
#: a dtype mismatch ("mat1 and mat2 must have the same dtype", "expected scalar type Long")
#: is no shape error, whatever words it shares with one
SHAPE_ERROR = (("RuntimeError", "ValueError", "IndexError"),
               r"(?s)^(?!.*dtype)(?!.*scalar type).*?(?:shape|size|dimension|mat1|mat2|"
               r"[Ee]xpected|must match|must be equal|smaller than|should contain)")
NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[str] = "warning"
    summary: ClassVar[str]  # one line: what it catches
    what_it_does: ClassVar[str]
    why_bad: ClassVar[str]
    example: ClassVar[str]
    use_instead: ClassVar[str]
    fix_safety: ClassVar[str] = "No automatic fix is offered."
    VALID: ClassVar[list[str]] = []
    INVALID: ClassVar[list[str]] = []
    #: ``--confirm``: the bug shows when the model is built (its layers' configuration), so
    #: building the model decides the finding, with no forward input
    confirm_at_build: ClassVar[bool] = False
    #: ``--confirm``: the error a run crashes with when the bug is real, as (exception type
    #: names, message pattern); None for a bug that runs silently.  The file's own crash
    #: confirms a finding only with this error.
    confirm_error: ClassVar[tuple[tuple[str, ...], str] | None] = None
    #: ``--confirm``: the bug shows where the loss is computed: the file's argument-free
    #: functions holding the finding are called
    confirm_at_loss: ClassVar[bool] = False

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        raise NotImplementedError

    def confirm(self, finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
        """Judge ``finding`` from what ``--confirm`` observed (a list of ``Evidence``).

        By default a finding is confirmed by a real error raised at its line (or at its
        related line) and otherwise left unconfirmed; rules about silent bugs override this
        to check the observed shapes themselves.
        """
        return error_near(finding, evidence)

    def docs(self) -> str:
        return "\n".join([
            f"# {self.code} {self.name} ({self.severity})", "", self.summary, "",
            "## What it does", "", self.what_it_does.strip(), "",
            "## Why is this bad?", "", self.why_bad.strip(), "",
            "## Example", "", "```python", self.example.strip("\n"), "```", "",
            "## Use instead", "", "```python", self.use_instead.strip("\n"), "```", "",
            "## Fix safety", "", self.fix_safety.strip(), "",
        ])


class RuleContext:
    """What a rule sees of one file: its graphs and helpers to phrase findings."""

    def __init__(self, analysis: FileAnalysis, rule: Rule):
        self.analysis = analysis
        self.rule = rule
        self._miswired: set[object] | None = None
        self._named_sizes: list[tuple[object, Dataflow, int, tuple[object, ...]]] | None = None
        self.path = analysis.fm.path

    def graphs(self) -> list[Dataflow]:
        return self.analysis.graphs()

    def conflicts(self, kind: str) -> Iterator[tuple[Dataflow, NodeView, Conflict]]:
        for g in self.graphs():
            for node, c in g.conflicts(kind):
                yield g, node, c

    def miswired(self, layer: Any) -> bool:
        """Is this recurrent layer (a Layer, or its label) read in a layout the code
        contradicts (an LST204 layout conflict)?  That conflict is the root cause, and rules
        on what follows from it (an index, a state's batch) step aside."""
        if self._miswired is None:
            self._miswired = set()
            for _g, _n, c in self.conflicts("layout"):
                if c.reader == "rnn" and c.layer is not None:
                    self._miswired.add(c.layer.label())
                    if c.layer.cst is not None:
                        self._miswired.add(id(c.layer.cst))
        if isinstance(layer, str):
            return layer in self._miswired
        return id(getattr(layer, "cst", None)) in self._miswired \
            if getattr(layer, "cst", None) is not None else False

    def named_against_layout(self, size: object, g: Dataflow | None = None,
                             call: int | None = None, batch: object = None) -> bool:
        """Is ``size`` an input axis whose name LST204 sets against the layout a recurrent
        layer reads (``batch_size, src_len = src.shape`` before a time-major encoder)?  The
        engine's role for that size rests on the layout LST204 disputes: a state of another
        layer sized from it (``zeros(1, batch_size, H)`` for a decoder) steps aside.  Given
        the layer's ``call`` in ``g`` and the ``batch`` it expects: only a layer fed from
        other forward inputs than the disputed one (a cell stepping over the disputed input
        itself reads its batch off that input's other axis, and the names make its state
        wrong too); one fed by factories alone (a start token) only when the batch it expects
        is none of the disputed input's sizes (``x.new_zeros(x.shape)`` filled from ``x``
        is ``x``'s batch; ``torch.zeros(tgt.size(0), E)`` is not)."""
        if self._named_sizes is None:
            self._named_sizes = []
            for dg, view, c in self.conflicts("layout"):
                x = c.tensor
                if c.reader == "rnn" and c.named is not None and x is not None \
                        and x.shape is not None and not x.shape.star \
                        and 0 <= c.named[1] < len(x.shape.dims):
                    self._named_sizes.append((x.shape.dims[c.named[1]], dg, view.id,
                                              tuple(x.shape.dims)))
        for d, dg, disputed, dims in self._named_sizes:
            if size is None or size != d:
                continue
            if g is None or call is None or dg is not g:
                return True
            mine = _forward_inputs(g, call)
            if mine and not mine & _forward_inputs(g, disputed):
                return True
            # fed by factories alone (reviews rv30, rv31)
            if not mine and batch is not None and batch not in dims:
                return True
        return False

    def index_events(self) -> Iterator[tuple[Dataflow, NodeView, Tensor, IndexEvent]]:
        """Integer indices applied to tensors (``out[:, -1]``), with the tensor indexed."""
        for g in self.graphs():
            for node in g.nodes("index"):
                src = node.attrs.get("source")
                if not isinstance(src, Tensor):
                    continue
                for ev in node.attrs.get("events", []):
                    yield g, node, src, ev

    def finding(self, at: NodeView | Any, message: str, *, related: Any = None,
                related_message: str = "") -> Finding:
        cst_node = at.cst if isinstance(at, NodeView) else at
        fm = at.attrs.get("fm") if isinstance(at, NodeView) else self.analysis.fm
        path = at.path if isinstance(at, NodeView) and at.path else self.path
        via = at.attrs.get("via") if isinstance(at, NodeView) else None
        if via:  # found in a child's code as the parent builds and calls it
            message = f"{message} (when called through {' -> '.join(via)})"
        f = Finding(self.rule.code, self.rule.name, self.rule.severity,
                    f"{self.rule.code} {message}", path, cst_node, fm)
        if isinstance(at, NodeView):
            f.via = tuple(via or ())
            f.owner = self._owner(at)
        if related is not None:
            rnode = related.cst if hasattr(related, "cst") else related
            if rnode is not None:
                f.related.append(Related(path, rnode, fm, related_message))
        if via and fm is not None and fm is not self.analysis.fm:
            # in another file's code, reached through a module this file builds and calls:
            # where this file does so
            self._here(f, at.attrs.get("via_at") or ())
        return f

    def _here(self, f: Finding, via_at: tuple[tuple[Any, Any, Any], ...]) -> None:
        here = self.analysis.fm
        for call, call_fm, built in via_at:
            if built is not None and built[1] is here:
                f.related.append(Related(here.path, built[0], here, "the module is built here"))
            if call_fm is here:
                f.related.append(Related(here.path, call, here, "and called here"))
                return

    def _owner(self, at: NodeView) -> str | None:
        """The module class whose analysis holds the node (None: the file's script code)."""
        for m in self.analysis.modules:
            d = m.graph.g.nodes.get(at.id) if at.id in m.graph.g else None
            if d is at.attrs:
                return m.cls.name
        return None

    def with_fix(self, f: Finding, applicability: str, message: str,
                 replacements: list[tuple[Any, Any]]) -> Finding:
        """Attach a fix: each (old node, new node or code) becomes a text edit of old's span.

        ``applicability`` is "safe" (behaviour kept) or "unsafe" (behaviour changes, as every
        bug fix does); see the rule's ``fix_safety``.
        """
        fm = f.fm or self.analysis.fm
        edits = []
        for old, new in replacements:
            code = new if isinstance(new, str) else fm.module.code_for_node(new)
            edits.append((old, code))
        f.pending_fix = (applicability, message, edits)
        return f

    def used_as_summary(self, g: Dataflow, nid: int) -> bool:
        """The value feeds a layer, or is what a module's forward returns."""
        if flows_into_head(g, nid):
            return True
        for m in self.analysis.modules:
            if m.graph is g and nid in _node_ids(m.output):
                return True
        return False

    def node_of(self, g: Dataflow, v: Value | None) -> NodeView | None:
        nid = getattr(v, "node", None)
        if nid is None or nid not in g.g:
            return None
        return g.view(nid)


def last_step(ev: IndexEvent) -> bool:
    """``x[:, -1]`` or ``x[:, T - 1]`` on the time axis."""
    if ev.index is None:
        return False
    if ev.index.as_int() == -1:
        return True
    return ev.size is not None and ev.index == ev.size - 1 and ev.role == TIME


def flows_into_head(g: Dataflow, nid: int, depth: int = 5) -> bool:
    """Does this value reach a layer (a head) through shape-keeping steps?"""
    return any(n.op in ("layer", "module")
               for n in g.reachable(nid, SHAPE_KEEPING, depth))


#: ops a value passes through on its way to a head without changing what it holds per row
SHAPE_KEEPING = frozenset({"arith", "reshape", "squeeze", "unsqueeze", "call"})


def _node_ids(v: Value) -> set[int]:
    from .values import Seq

    if isinstance(v, Seq):
        out: set[int] = set()
        for i in v.items:
            out |= _node_ids(i)
        return out
    nid = getattr(v, "node", None)
    return {nid} if nid is not None else set()


def lower_bound(e: Any) -> int | None:
    """The least value ``e`` (a symbolic size) can take when every size is >= 1 and flags are
    0/1: ``2*num_layers`` is at least 2.  None when a negative term makes it undecidable."""
    from .symbolic import Sym

    if e is None:
        return None
    low = 0
    for m, c in e.terms:
        if not m:
            low += c
            continue
        if c < 0:
            return None
        if all(isinstance(a, Sym) for a, _p in m):
            low += c
    return low


def keyword_arg(call: Any, name: str) -> Any | None:
    """The ``name=...`` argument of a libcst call (the node to point at), or None."""
    for a in getattr(call, "args", ()) or ():
        if a.keyword is not None and a.keyword.value == name:
            return a
    return None


# the names rules (and older callers) import from here; catalogue imports Rule lazily, so this
# import at the end, once Rule is defined, is not circular
from .catalogue import all_rules, catalogue_markdown, rule_by_code  # noqa: E402
from .evidence import (  # noqa: E402
    LAYER_AXES,
    axis_name,
    error_near,
    getitems_at,
    int_index,
    lines_of,
    ran_clean_at,
    rnn_output_axes,
)
from .evidence_state import state_refused_by_layer  # noqa: E402
from .fixes import move_index, replace_index  # noqa: E402
from .walk import contains  # noqa: E402  (reads the tree without libcst's copying .children)

__all__ = [
    "CODE_RE", "LAYER_AXES", "NAME_RE", "SHAPE_ERROR", "Finding", "Related", "Rule", "RuleContext",
    "all_rules", "axis_name", "catalogue_markdown", "contains", "error_near", "flows_into_head",
    "getitems_at", "int_index", "keyword_arg", "last_step", "lines_of", "lower_bound", "move_index",
    "ran_clean_at", "replace_index", "rnn_output_axes", "rule_by_code", "state_refused_by_layer",
]


def _forward_inputs(g: Dataflow, node: int) -> set[int]:
    """The forward inputs (graph nodes) a node's value is made from; not through a factory
    (``enc_out.new_zeros(L, B, H)`` takes its receiver's dtype and device, not its data)."""
    if node not in g.g:
        return set()
    found: set[int] = set()
    seen = {node}
    todo = [node]
    while todo:
        n = todo.pop()
        for p in g.g.predecessors(n):
            if p in seen:
                continue
            seen.add(p)
            op = g.g.nodes[p].get("op")
            if op == "input":
                found.add(p)
            elif op != "factory":
                todo.append(p)
    return found
