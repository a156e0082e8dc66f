"""`lstm-lint graph`: draw each module's forward dataflow, every edge labelled with its shape.

The picture is drawn from the same :class:`~lstm_lint.dataflow.Dataflow` graph the rules
query: the forward's inputs, layer calls (with the configuration that decides shapes), tensor
operations and the output.  Layer builds from ``__init__`` are left out; a sub-module's call
is one node (its own class has its own picture).  Nodes where a finding points carry the
finding's code and are drawn red; nodes where a shape fact conflicted but no (enabled) rule
reported are drawn amber.

Formats: Mermaid (``flowchart LR``, renders on GitHub), DOT for Graphviz, and SVG made by
piping the DOT through ``dot -Tsvg``.  Node ids follow the order the engine evaluated the
code, so the output is the same on every run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .describe import node_contexts, node_text, outer_module, value_text
from .discover import UsageError

if TYPE_CHECKING:
    from .analyze import ModuleShapes
    from .extract import FileModel
    from .findings import Finding
    from .positions import Span
    from .values import Value

FORMATS = ("mermaid", "dot", "svg")
OUTPUT = -1  # the key of the synthetic output node


# ---- the picture, independent of the format ---------------------------------------------------


@dataclass
class DNode:
    key: int  # the dataflow node id (OUTPUT for the output)
    kind: str  # input | layer | module | op | output
    text: str
    where: str = ""  # path:line, for tooltips
    marks: list[str] = field(default_factory=list)  # "LST201 wrong-time-axis"
    conflicts: list[str] = field(default_factory=list)


@dataclass
class DEdge:
    src: int
    dst: int
    label: str


@dataclass
class Diagram:
    title: str
    nodes: list[DNode]
    edges: list[DEdge]


# ---- from a module's dataflow graph to a diagram ----------------------------------------------


def _span_index(nodes: Iterable[tuple[Any, Any]]) -> dict[int, Span]:
    """Spans of (libcst node, FileModel) pairs, one code-generation pass per file."""
    from .positions import locate

    by_fm: dict[int, tuple[Any, list[Any]]] = {}
    for node, fm in nodes:
        if node is not None and fm is not None:
            by_fm.setdefault(id(fm), (fm, []))[1].append(node)
    spans: dict[int, Span] = {}
    for fm, ns in by_fm.values():
        spans.update(locate(fm.module, ns))
    return spans


def _contains(s: Span, line: int, col: int) -> bool:
    return (s.line, s.column) <= (line, col) < (s.end_line, s.end_column) or (
        (s.line, s.column) == (line, col))


def _size(s: Span) -> tuple[int, int]:
    return (s.end_line - s.line, (s.end_column - s.column) if s.end_line == s.line else 10**6)


def diagram(fm: FileModel, shapes: ModuleShapes, title: str,
            findings: Sequence[Finding] = ()) -> Diagram:
    """One module's forward as nodes and shape-labelled edges (no format yet)."""
    graph = shapes.graph
    g = graph.g
    contexts = node_contexts(graph)
    init_fns = [m for c in fm.module_classes() for n, m in c.methods.items() if n == "__init__"]
    layer_csts = [(d["layer"].cst, d.get("fm")) for _n, d in g.nodes(data=True)
                  if d.get("op") == "layer" and d.get("layer") is not None]
    spans = _span_index([(d.get("cst"), d.get("fm")) for _n, d in g.nodes(data=True)]
                        + [(f, fm) for f in init_fns] + layer_csts)
    init_spans = [spans[id(f)] for f in init_fns if id(f) in spans]

    # which drawn node stands for each dataflow node
    owner: dict[int, int] = {}
    for nid in sorted(g.nodes):
        d = g.nodes[nid]
        if d.get("method"):
            continue  # run in the context of one of the class's other methods (self.sample)
        outer = outer_module(graph, contexts.get(nid, ()))
        if outer is not None:
            owner[nid] = outer
            continue
        if d.get("op") == "build":
            continue
        s = spans.get(id(d.get("cst")))
        if s is not None and d.get("fm") is fm and any(
                _contains(i, s.line, s.column) for i in init_spans):
            continue  # computed in __init__ (a buffer, a mask): not part of the forward
        owner[nid] = nid
    drawn = sorted({o for o in owner.values() if o in owner and owner[o] == o})

    nodes: dict[int, DNode] = {}
    for nid in drawn:
        d = g.nodes[nid]
        op = d.get("op", "")
        kind = op if op in ("input", "layer", "module") else "op"
        s = spans.get(id(d.get("cst")))
        path = getattr(d.get("fm"), "path", d.get("path", ""))
        n = DNode(nid, kind, node_text(d), f"{path}:{s.line}" if s else path)
        for c in d.get("conflicts", []):
            n.conflicts.append(f"{c.kind}: expected {c.expected}, received {c.received}")
        nodes[nid] = n
    # conflicts inside a sub-module show on its call
    for nid, o in owner.items():
        if o != nid and o in nodes:
            for c in g.nodes[nid].get("conflicts", []):
                text = f"{c.kind}: expected {c.expected}, received {c.received}"
                if text not in nodes[o].conflicts:
                    nodes[o].conflicts.append(text)

    edges: dict[tuple[int, int], DEdge] = {}
    for u, v, data in sorted(g.edges(data=True), key=lambda e: (e[1], e[0])):
        if v not in owner or owner[v] != v or u not in owner:
            continue  # into a build, into a sub-module's inside, or from outside the forward
        src = owner[u]
        if src == v or src not in nodes or v not in nodes:
            continue
        edges.setdefault((src, v), DEdge(src, v, value_text(data.get("value"))))

    out = DNode(OUTPUT, "output", "output")
    out_edges = _output_edges(shapes.output, owner, nodes)
    if not out_edges:
        out.text = f"output {value_text(shapes.output)}"
    if shapes.note:
        out.text += f" ({shapes.note})"

    _mark_findings(fm, list(nodes.values()), g, spans, findings)
    return Diagram(title, [nodes[n] for n in drawn] + [out],
                   sorted(edges.values(), key=lambda e: (drawn.index(e.dst), drawn.index(e.src)))
                   + out_edges)


def _output_edges(value: Value, owner: dict[int, int], nodes: dict[int, DNode]) -> list[DEdge]:
    from .values import Packed, Seq, Tensor

    found: list[tuple[str, Value]] = []

    def walk(v: Value, path: str) -> None:
        if isinstance(v, Seq) and v.repeated is None:
            for i, item in enumerate(v.items):
                walk(item, f"{path}[{i}]")
        elif isinstance(v, Tensor | Packed):
            found.append((path, v))

    walk(value, "")
    labels: dict[int, list[str]] = {}
    for path, v in found:
        src = owner.get(v.node) if v.node is not None else None
        if src is None or src not in nodes:
            continue
        label = value_text(v)
        labels.setdefault(src, []).append(f"{path} {label}" if path else label)
    return [DEdge(src, OUTPUT, ", ".join(ls)) for src, ls in labels.items()]


def _mark_findings(fm: FileModel, nodes: list[DNode], g: Any, spans: dict[int, Span],
                   findings: Sequence[Finding]) -> None:
    """Put each finding of this file on the node it points at (by position, then by line)."""
    mine = [n for n in nodes if g.nodes[n.key].get("fm") is fm and n.kind != "input"]
    located = [(n, spans[id(g.nodes[n.key].get("cst"))]) for n in mine
               if id(g.nodes[n.key].get("cst")) in spans]
    for f in findings:
        if f.path != fm.path:
            continue
        exact = [(n, s) for n, s in located if (s.line, s.column) == (f.line, f.column)]
        inside = [(n, s) for n, s in located if _contains(s, f.line, f.column)]
        on_line = [(n, s) for n, s in located if s.line == f.line]
        target: DNode | None = None
        if exact:
            exact.sort(key=lambda ns: ((ns[1].end_line, ns[1].end_column)
                                       != (f.end_line, f.end_column), _size(ns[1])))
            target = exact[0][0]
        elif inside:
            target = min(inside, key=lambda ns: _size(ns[1]))[0]
        elif on_line:
            target = min(on_line, key=lambda ns: ns[1].column)[0]
        else:  # a layer's configuration (in __init__): mark where the layer is called
            for n in mine:
                layer = g.nodes[n.key].get("layer")
                s = spans.get(id(layer.cst)) if layer is not None else None
                if s is not None and _contains(s, f.line, f.column):
                    target = n
                    break
        if target is not None:
            mark = f"{f.code} {f.name}"
            if mark not in target.marks:
                target.marks.append(mark)


# ---- formats ----------------------------------------------------------------------------------


def _mermaid_text(s: str) -> str:
    """Text inside a quoted Mermaid label: entity codes for what Mermaid would parse."""
    s = s.replace("#", "#35;")
    for ch, code in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"),
                     ("|", "#124;"), ("`", "#96;"), ("\n", " ")):
        s = s.replace(ch, code)
    return s


_MERMAID_SHAPES = {"input": ('(["', '"])'), "output": ('(["', '"])'), "layer": ('["', '"]'),
                   "module": ('[["', '"]]'), "op": ('("', '")')}


def _lines(n: DNode) -> list[str]:
    return [n.text, *n.marks, *([] if n.marks else [f"conflict {c}" for c in n.conflicts])]


def to_mermaid(diagrams: Sequence[Diagram]) -> str:
    out = ["flowchart LR"]
    marked: list[str] = []
    conflicted: list[str] = []
    io: list[str] = []
    for i, dg in enumerate(diagrams):
        ids = {n.key: (f"m{i}_out" if n.key == OUTPUT else f"m{i}_n{j}")
               for j, n in enumerate(dg.nodes)}
        out.append(f'  subgraph m{i} ["{_mermaid_text(dg.title)}"]')
        out.append("    direction LR")
        for n in dg.nodes:
            left, right = _MERMAID_SHAPES[n.kind]
            label = "<br>".join(_mermaid_text(t) for t in _lines(n))
            out.append(f"    {ids[n.key]}{left}{label}{right}")
            if n.marks:
                marked.append(ids[n.key])
            elif n.conflicts:
                conflicted.append(ids[n.key])
            elif n.kind in ("input", "output"):
                io.append(ids[n.key])
        for e in dg.edges:
            out.append(f'    {ids[e.src]} -->|"{_mermaid_text(e.label)}"| {ids[e.dst]}')
        out.append("  end")
    out.append("  classDef io fill:#e8f0fe,stroke:#4a6fa5,color:#000")
    out.append("  classDef finding fill:#ffe0e0,stroke:#d00000,stroke-width:3px,color:#000")
    out.append("  classDef conflict fill:#fff3cd,stroke:#e0a800,stroke-width:2px,color:#000")
    for cls, ids_ in (("io", io), ("finding", marked), ("conflict", conflicted)):
        if ids_:
            out.append(f"  class {','.join(ids_)} {cls}")
    return "\n".join(out) + "\n"


def _dot_text(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


_DOT_STYLE: dict[str, dict[str, str]] = {
    "input": {"shape": "oval", "style": "filled", "fillcolor": "#e8f0fe", "color": "#4a6fa5"},
    "layer": {"shape": "box", "style": "filled", "fillcolor": "#eef6ee", "color": "#3c763d"},
    "module": {"shape": "box", "peripheries": "2", "style": "filled", "fillcolor": "#f3eefb",
               "color": "#5b3f8c"},
    "op": {"shape": "box", "style": "rounded,filled", "fillcolor": "#ffffff", "color": "#555555"},
}
_DOT_STYLE["output"] = _DOT_STYLE["input"]
_DOT_FINDING = {"fillcolor": "#ffe0e0", "color": "#d00000", "penwidth": "3"}
_DOT_CONFLICT = {"fillcolor": "#fff3cd", "color": "#e0a800", "penwidth": "2"}


def to_dot(diagrams: Sequence[Diagram]) -> str:
    out = ["digraph lstm_lint {", "  rankdir=LR;",
           '  graph [fontname="Helvetica", fontsize=12];',
           '  node [fontname="Helvetica", fontsize=11];',
           '  edge [fontname="Helvetica", fontsize=10];']
    for i, dg in enumerate(diagrams):
        ids = {n.key: (f"m{i}_out" if n.key == OUTPUT else f"m{i}_n{j}")
               for j, n in enumerate(dg.nodes)}
        out.append(f"  subgraph cluster_{i} {{")
        out.append(f'    label="{_dot_text(dg.title)}";')
        out.append('    style=rounded; color="#999999";')
        for n in dg.nodes:
            attrs = {"label": "\\n".join(_dot_text(t) for t in _lines(n)), **_DOT_STYLE[n.kind]}
            if n.marks:
                attrs.update(_DOT_FINDING)
            elif n.conflicts:
                attrs.update(_DOT_CONFLICT)
            if n.where:
                attrs["tooltip"] = _dot_text(n.where)
            body = ", ".join(f'{k}="{v}"' for k, v in attrs.items())
            out.append(f"    {ids[n.key]} [{body}];")
        for e in dg.edges:
            out.append(f'    {ids[e.src]} -> {ids[e.dst]} [label="{_dot_text(e.label)}"];')
        out.append("  }")
    out.append("}")
    return "\n".join(out) + "\n"


def to_svg(dot_source: str) -> str:
    exe = shutil.which("dot")
    if exe is None:
        raise UsageError("--format svg needs Graphviz's `dot` on PATH (e.g. apt-get install "
                         "graphviz, brew install graphviz); --format dot writes the source")
    try:
        proc = subprocess.run([exe, "-Tsvg"], input=dot_source.encode("utf-8"),
                              capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise UsageError("Graphviz's dot took more than 120 s") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"Graphviz's dot failed: {msg[0] if msg else proc.returncode}")
    return proc.stdout.decode("utf-8")


# ---- command line -----------------------------------------------------------------------------


def graph_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lstm-lint graph",
        description="Draw each module's forward dataflow with the shape on every edge.")
    p.add_argument("path", help="a file or a folder")
    p.add_argument("--class", dest="cls", metavar="NAME", help="only this class")
    p.add_argument("--args", metavar="JSON",
                   help="constructor arguments as a JSON list or object")
    p.add_argument("--input", action="append", default=[], metavar="SPEC",
                   help="one per forward argument: float32[32,50,10], (spec,spec), none, JSON")
    p.add_argument("--format", choices=FORMATS, default="mermaid",
                   help="mermaid (default), dot (Graphviz source) or svg (needs Graphviz)")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    return p


def diagrams_for(path: str, cls: str | None = None, args_json: str | None = None,
                 inputs: list[str] | None = None) -> tuple[list[Diagram], int]:
    """Diagrams of every module class under ``path``; also the number of unreadable files."""
    from .config import load_config
    from .lint import Options
    from .shapes import load_project

    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file or directory")
    cfg = load_config([path], None, False)
    opts = Options(select=cfg.select, ignore=cfg.ignore, per_file_ignores=cfg.per_file_ignores)
    models, bad, project = load_project(path, cfg.exclude)
    out: list[Diagram] = []
    for fm in models:
        project.add(fm)
        project.resolve(fm)  # bases in other files of the project make module classes too
        classes = [c for c in fm.module_classes() if cls is None or c.name == cls]
        if not classes:
            continue
        try:
            out.extend(_file_diagrams(fm, project, opts, cls, args_json, inputs))
        except RecursionError:
            sys.stderr.write(f"{fm.path}:1:1: LST001 code nested too deeply to analyse\n")
            bad += 1
    if cls is not None and not out:
        raise UsageError(f"no nn.Module class named {cls!r} in {path}")
    return out, bad


def _file_diagrams(fm: FileModel, project: Any, opts: Any, cls: str | None,
                   args_json: str | None, inputs: list[str] | None) -> list[Diagram]:
    from .lint import check_file
    from .positions import locate

    out: list[Diagram] = []
    result = check_file(fm, project, opts)
    findings = [f for f in result.findings if f.code not in ("LST000", "LST001")]
    if args_json is None and not inputs and result.analysis is not None:
        analysed = [(m.cls, m) for m in result.analysis.modules
                    if cls is None or m.cls.name == cls]
    else:
        from .shapes import shapes_for

        analysed = [(r.result.cls, r.result)
                    for r in shapes_for(fm, project, cls, args_json, inputs or None)]
    spans = locate(fm.module, [c.node.name for c, _m in analysed])
    for c, m in analysed:
        if m.note == "no forward method":
            continue
        s = spans.get(id(c.node.name))
        title = f"{c.name} ({fm.path}:{s.line if s else 1})"
        out.append(diagram(fm, m, title, findings))
    return out


def run_graph(argv: Sequence[str]) -> int:
    ns = graph_parser().parse_args(list(argv))
    diagrams, bad = diagrams_for(ns.path, ns.cls, ns.args, ns.input or None)
    if not diagrams:
        if bad:
            return 1  # the files that could not be read were reported
        from .cli import no_modules_note

        no_modules_note(ns.path)  # as `shapes` does: a note, exit 0
        return 0
    if ns.format == "mermaid":
        text = to_mermaid(diagrams)
    else:
        text = to_dot(diagrams)
        if ns.format == "svg":
            text = to_svg(text)
    if ns.output:
        with open(ns.output, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 1 if bad else 0
