"""What a rule is, what it reports, and the catalogue of every rule in ``lstm_lint.rules``.

A rule is one file in ``rules/``: a :class:`Rule` subclass with its code, kebab-case name,
severity, docs, and ``VALID``/``INVALID`` examples that the test suite runs.  In an invalid
example, the line the rule must flag ends with the comment ``# <-- LSTnnn``.
"""

from __future__ import annotations

import importlib
import pkgutil
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
SHAPE_ERROR = (("RuntimeError", "ValueError", "IndexError"),
               r"shape|size|dimension|mat1|mat2|[Ee]xpected|must match|must be equal|smaller than")
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
        self.path = analysis.fm.path

    def graphs(self) -> list[Dataflow]:
        return self.analysis.graphs()

    def conflicts(self, kind: str) -> Iterator[tuple[Dataflow, NodeView, Conflict]]:
        for g in self.graphs():
            for node, c in g.conflicts(kind):
                yield g, node, c

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
        return f

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


# ---- evidence helpers for Rule.confirm (plain data from the child process) ------------------


def lines_of(f: Finding) -> set[int]:
    lines = {f.line}
    for r in f.related:
        if r.span is not None:
            lines.add(r.span.line)
    return lines


def error_near(f: Finding, evidence: list[Any]) -> tuple[str, str] | None:
    for ev in evidence:
        err = ev.error
        if err and err.get("line") is not None and any(abs(err["line"] - ln) <= 1
                                                       for ln in lines_of(f)):
            return ("confirmed", f"PyTorch raised {err['type']} at line {err['line']}: "
                    f"{err['message']}")
    return None


def getitems_at(evidence: list[Any], line: int) -> list[tuple[Any, dict[str, Any]]]:
    """``x[...]`` operations observed at ``line``: (evidence, op)."""
    out = []
    for ev in evidence:
        for op in ev.ops:
            if op.get("line") == line and op.get("name") in ("getitem", "__getitem__") \
                    and op.get("args") and isinstance(op["args"][0], list):
                out.append((ev, op))
    return out


def int_index(op: dict[str, Any]) -> list[tuple[int, int]]:
    """(axis, index) pairs of the integer indices in an observed ``x[...]``."""
    idx = op["args"][1] if len(op["args"]) > 1 else None
    items = idx if isinstance(idx, list) else [idx]
    out = []
    for axis, it in enumerate(items):
        if isinstance(it, int) and not isinstance(it, bool):
            out.append((axis, it))
    return out


def axis_name(size: int, env: dict[str, int]) -> str:
    names = [k for k, v in env.items() if v == size and k in ("B", "T")]
    if names == ["B"]:
        return f"the batch (B={size})"
    if names == ["T"]:
        return f"time (T={size})"
    return str(size)


def ran_clean_at(f: Finding, evidence: list[Any]) -> tuple[str, str] | None:
    """The real model ran through the finding's line without error: the claim is refuted."""
    for ev in evidence:
        if ev.error is None and any(op.get("line") == f.line for op in ev.ops):
            ops = [op for op in ev.ops if op.get("line") == f.line and op.get("out") is not None]
            if ops:
                return ("refuted", f"the model ran through line {f.line} without error "
                        f"({ops[0]['name']} gave {ops[0]['out']})")
    return None


# ---- fix builders ------------------------------------------------------------------------------


def move_index(sub: Any, src_axis: int, dst_axis: int) -> Any | None:
    """``x[-1]`` -> ``x[:, -1]``: move the index at ``src_axis`` to ``dst_axis`` (a bare ``:``).

    Returns a new libcst Subscript, or None when the subscript uses ``...``/``None`` or the
    target position holds anything but a full slice.
    """
    import libcst as cst

    if not isinstance(sub, cst.Subscript):
        return None
    elems = list(sub.slice)
    for el in elems:
        if isinstance(el.slice, cst.Index) and (
                isinstance(el.slice.value, cst.Ellipsis)
                or isinstance(el.slice.value, cst.Name) and el.slice.value.value == "None"):
            return None

    def full() -> cst.SubscriptElement:
        return cst.SubscriptElement(cst.Slice(lower=None, upper=None))

    def is_full(el: cst.SubscriptElement) -> bool:
        return isinstance(el.slice, cst.Slice) and el.slice.lower is None \
            and el.slice.upper is None and el.slice.step is None

    while len(elems) <= max(src_axis, dst_axis):
        elems.append(full())
    if not is_full(elems[dst_axis]):
        return None
    elems[src_axis], elems[dst_axis] = elems[dst_axis], elems[src_axis]
    while len(elems) > 1 and is_full(elems[-1]):
        elems.pop()
    out = [e.with_changes(comma=cst.MaybeSentinel.DEFAULT) for e in elems]
    return sub.with_changes(slice=out)


def replace_index(sub: Any, axis: int, value: int) -> Any | None:
    """``h_n[0]`` -> ``h_n[-1]``: put an integer at ``axis`` of a subscript."""
    import libcst as cst

    if not isinstance(sub, cst.Subscript) or axis >= len(sub.slice):
        return None
    el = sub.slice[axis]
    if not isinstance(el.slice, cst.Index):
        return None
    new_val: cst.BaseExpression = cst.Integer(str(abs(value)))
    if value < 0:
        new_val = cst.UnaryOperation(cst.Minus(), new_val)
    elems = list(sub.slice)
    elems[axis] = el.with_changes(slice=cst.Index(new_val))
    return sub.with_changes(slice=elems)


def last_step(ev: IndexEvent) -> bool:
    """``x[:, -1]`` or ``x[:, T - 1]`` on the time axis."""
    if ev.index is None:
        return False
    if ev.index.as_int() == -1:
        return True
    return ev.size is not None and ev.index == ev.size - 1 and ev.role == TIME


def flows_into_head(g: Dataflow, nid: int, depth: int = 5) -> bool:
    """Does this value reach a layer (a head) through shape-keeping steps?"""
    frontier = [nid]
    seen = {nid}
    for _ in range(depth):
        nxt = []
        for n in frontier:
            for s in g.g.successors(n):
                if s in seen:
                    continue
                seen.add(s)
                d = g.g.nodes[s]
                if d.get("op") in ("layer", "module"):
                    return True
                if d.get("op") in ("arith", "reshape", "squeeze", "unsqueeze", "call"):
                    nxt.append(s)
        frontier = nxt
    return False


def _node_ids(v: Value) -> set[int]:
    from .values import Seq

    if isinstance(v, Seq):
        out: set[int] = set()
        for i in v.items:
            out |= _node_ids(i)
        return out
    nid = getattr(v, "node", None)
    return {nid} if nid is not None else set()


def _rules_package() -> Any:
    """``lstm_lint.rules``: installed from ``rules/``, or read from a source checkout."""
    try:
        return importlib.import_module("lstm_lint.rules")
    except ModuleNotFoundError:
        import os
        import sys
        from importlib import util

        folder = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rules")
        spec = util.spec_from_file_location(
            "lstm_lint.rules", os.path.join(folder, "__init__.py"),
            submodule_search_locations=[folder])
        if spec is None or spec.loader is None:
            raise
        mod = util.module_from_spec(spec)
        sys.modules["lstm_lint.rules"] = mod
        spec.loader.exec_module(mod)
        return mod


def _load() -> list[Rule]:
    pkg = _rules_package()

    found: list[Rule] = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{pkg.__name__}.{info.name}")
        for obj in vars(mod).values():
            if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule \
                    and obj.__module__ == mod.__name__:
                found.append(obj())
    found.sort(key=lambda r: r.code)
    return found


_RULES: list[Rule] | None = None


def all_rules() -> list[Rule]:
    global _RULES
    if _RULES is None:
        _RULES = _load()
    return _RULES


def catalogue_markdown() -> str:
    """docs/rules.md, generated from the rule files (``lstm-lint rule --all``)."""
    head = ["# Rule catalogue", "",
            "Generated from `rules/` by `lstm-lint rule --all > docs/rules.md`; do not edit.", "",
            "| code | name | severity | summary |", "|---|---|---|---|"]
    for r in all_rules():
        summary = r.summary.replace("|", "\\|")
        head.append(f"| [{r.code}](#{r.code.lower()}-{r.name}) | {r.name} | {r.severity} | "
                    f"{summary} |")
    body = [r.docs().replace(f"# {r.code} {r.name}", f"## {r.code} {r.name}", 1)
            .replace("\n## ", "\n### ") for r in all_rules()]
    return "\n".join(head) + "\n\n" + "\n".join(body)


def rule_by_code(code: str) -> Rule | None:
    for r in all_rules():
        if r.code == code.upper() or r.name == code:
            return r
    return None


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


def contains(root: Any, node: Any) -> bool:
    """Is ``node`` (a libcst node) ``root`` or inside it?"""
    stack = [root]
    while stack:
        n = stack.pop()
        if n is node:
            return True
        stack.extend(getattr(n, "children", ()))
    return False
