"""Step 4: the dataflow graph (networkx) that rules query and pictures are drawn from.

Nodes are layer builds, layer calls and tensor operations, keyed by the call context and the
source node, so that re-running a loop body updates a node instead of adding a copy.  Each node
carries its operation, a label, the libcst node (for positions), the abstract value it produced
and the conflicts the shape facts reported there.  Edges carry the value that flowed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx

if TYPE_CHECKING:
    from .extract import FileModel
    from .layers import Conflict
    from .values import Value


@dataclass(frozen=True)
class Constraint:
    """Sizes the caller picks must agree for the model to run: ``lhs == rhs``; or, with
    ``op`` ``"!="``, a size the shape shown assumes is not a value (``B != 1``: ``x.squeeze()``
    drops every axis of size 1, the batch too); or, with ``">"``, a size the configuration
    needs above a bound (``n_layer > 1`` for a recurrent layer's ``dropout``)."""

    lhs: Any  # symbolic.Expr
    rhs: Any
    why: str
    node: int | None
    op: str = "=="

    def render(self) -> str:
        return f"{self.lhs} {self.op} {self.rhs}"


@dataclass(frozen=True)
class NodeView:
    id: int
    op: str
    label: str
    cst: Any
    path: str
    attrs: dict[str, Any]

    @property
    def value(self) -> Value | None:
        return self.attrs.get("value")


#: ops whose output is a new value, not one passed on (a layer's, a factory's, an input):
#: where a walk back to a value's sources stops (``Dataflow.sources``)
NEW_VALUE_OPS = frozenset(("layer", "module", "input", "factory"))


class Dataflow:
    def __init__(self) -> None:
        self.g: nx.DiGraph = nx.DiGraph()
        self.node_keys: dict[tuple[tuple[int, ...], int], int] = {}
        self._by_cst_id: dict[int, int] = {}
        self.constraints: list[Constraint] = []
        #: the chain of module calls the interpreter is inside (``self.encoder``): nodes made
        #: there remember it, so findings in a child's code can name how the parent reached it
        self.via: tuple[str, ...] = ()
        #: for each step of ``via``: (the call, its file, (the call that built the module, its
        #: file) or None), so a finding in a child's file can show where the parent calls it
        self.via_at: tuple[tuple[Any, Any, Any], ...] = ()
        #: size symbols read off a caller's input before anything solved it (``x_dim0`` for
        #: ``x.size(0)``): sizes of the caller's data, free like ``B`` and ``T``
        self.data_sizes: set[str] = set()
        #: symbols the code counts with (``range(max_len)``): ints, whatever they size
        self.counts: set[str] = set()
        #: symbols used as an exponent the engine does not expand (``2 ** bits``)
        self.exponents: set[str] = set()

    def key(self, context: tuple[int, ...], node: Any) -> int:
        k = (context, id(node))
        if k not in self.node_keys:
            self.node_keys[k] = len(self.node_keys)
        return self.node_keys[k]

    def op(self, context: tuple[int, ...], node: Any, op: str, label: str, fm: FileModel,
           **attrs: Any) -> int:
        nid = self.key(context, node)
        if nid in self.g:
            # revisited (a loop body's second pass from the joined state): what the first pass
            # found with the values the loop starts from stays a finding
            self.g.nodes[nid].update(attrs)
        else:
            if self.via:
                attrs.setdefault("via", self.via)
                attrs.setdefault("via_at", self.via_at)
            self.g.add_node(nid, op=op, label=label, cst=node, path=fm.path, fm=fm,
                            conflicts=[], **attrs)
        return nid

    def edge(self, src: int, dst: int, value: Value) -> None:
        if src in self.g and src != dst:
            self.g.add_edge(src, dst, value=value)

    def set_value(self, nid: int, value: Value) -> None:
        self.g.nodes[nid]["value"] = value

    def add_conflict(self, nid: int, c: Conflict) -> None:
        lst = self.g.nodes[nid]["conflicts"]
        if not any(x.kind == c.kind and x.expected == c.expected and x.received == c.received
                   for x in lst):
            lst.append(c)

    def add_constraint(self, a: Any, b: Any, why: str, node: int | None, op: str = "==") -> None:
        c = Constraint(a, b, why, node, op)
        if not any(x.render() == c.render() for x in self.constraints):
            self.constraints.append(c)

    # ---- queries for rules --------------------------------------------------------------------
    def nodes(self, op: str | None = None) -> Iterator[NodeView]:
        for nid, data in self.g.nodes(data=True):
            if op is None or data.get("op") == op:
                yield self.view(nid)

    def view(self, nid: int) -> NodeView:
        d = self.g.nodes[nid]
        return NodeView(nid, d.get("op", ""), d.get("label", ""), d.get("cst"), d.get("path", ""),
                        d)

    def conflicts(self, kind: str | None = None) -> Iterator[tuple[NodeView, Conflict]]:
        for nid, data in self.g.nodes(data=True):
            for c in data.get("conflicts", []):
                if kind is None or c.kind == kind:
                    yield self.view(nid), c

    def reachable(self, nid: int, through: Collection[str], depth: int) -> list[NodeView]:
        """The nodes a value reaches in at most ``depth`` steps, passing only through nodes whose
        op is in ``through`` (``{"arith", "reshape"}``: shape-keeping steps); a node of another
        op is reached but not passed.  Nearest first."""
        g = self.g
        view = nx.subgraph_view(g, filter_edge=lambda u, _v: u == nid
                                or g.nodes[u].get("op") in through)
        found = nx.single_source_shortest_path_length(view, nid, cutoff=depth)
        return [self.view(n) for n, _d in sorted(found.items(), key=lambda kv: kv[1])
                if n != nid]

    def sources(self, nid: int, stop: Collection[str], depth: int) -> list[NodeView]:
        """The nodes whose values flow into ``nid`` in at most ``depth`` steps back, passing
        only through nodes whose op is not in ``stop`` (``{"layer", "factory"}``: a new value
        starts there); a node of such an op is reached but not passed.  Nearest first."""
        g = self.g
        back = nx.subgraph_view(nx.reverse_view(g), filter_edge=lambda u, _v: u == nid
                                or g.nodes[u].get("op") not in stop)
        found = nx.single_source_shortest_path_length(back, nid, cutoff=depth)
        return [self.view(n) for n, _d in sorted(found.items(), key=lambda kv: kv[1])
                if n != nid]

    def consumers(self, nid: int) -> list[NodeView]:
        return [self.view(s) for s in self.g.successors(nid)]

    def __len__(self) -> int:
        return int(self.g.number_of_nodes())
