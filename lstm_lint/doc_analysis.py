"""One document's analysis for the editor: shapes under the cursor and beside assignments.

What the language server (:mod:`lstm_lint.server`) shows besides diagnostics, computed from
the same analysis ``lstm-lint check`` runs and independent of pygls:

* hover: the shape of the tensor expression under the cursor (the innermost dataflow node
  whose source span holds it, or the value a variable holds there) and what produced it;
* inlay hints: the shape at the end of each assignment in a module's ``forward`` (and its
  other methods), read from the node of the assigned value.

Positions are 1-based lines and columns counted in characters (as :mod:`lstm_lint.positions`
gives them); the server converts them to the client's units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import libcst as cst

    from .dataflow import Dataflow
    from .extract import FileModel
    from .findings import Finding
    from .positions import Span
    from .values import Value

Pos = tuple[int, int]  # 1-based line, 1-based column (characters)
#: what a name holds: its value, and the graph and node that produced it
Entry = tuple["Value", "Dataflow | None", "int | None"]



@dataclass
class NodeRef:
    span: Span
    graph: Dataflow
    nid: int
    rank: tuple[int, int]  # lower is better: (0 own class's graph / 1 other / 2 script, depth)

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.graph.g.nodes[self.nid])


@dataclass
class Binding:
    """One assignment (or the parameters): the names it binds and the values they get."""

    start: Pos
    value_start: Pos  # a name before this position is a target of this statement
    end: Pos
    names: dict[str, Entry]


@dataclass
class Function:
    span: Span
    node: Any
    in_model: bool  # a method of an nn.Module class (inlay hints are shown there)
    bindings: list[Binding] = field(default_factory=list)


@dataclass
class Hint:
    line: int
    column: int  # 1-based; the hint goes before this character
    label: str


@dataclass
class HoverInfo:
    text: str  # markdown
    span: Span | None


@dataclass
class DocAnalysis:
    path: str
    text: str
    findings: list[Finding] = field(default_factory=list)
    fm: FileModel | None = None
    refs: list[NodeRef] = field(default_factory=list)
    by_cst: dict[int, NodeRef] = field(default_factory=dict)
    functions: list[Function] = field(default_factory=list)

    # -- queries --------------------------------------------------------------------------------
    def hover(self, line: int, column: int) -> HoverInfo | None:
        """What to show for the (1-based) position: a variable's value, else the innermost node."""
        name = _identifier_at(self.text, line, column)
        if name is not None:
            word, start, end = name
            found = self.lookup(word, (line, start))
            if found is not None:
                from .positions import Span as _Span

                value, graph, nid = found
                return HoverInfo(self._describe(value, graph, nid, word),
                                 _Span(line, start, line, end))
        ref = self.innermost(line, column)
        if ref is None:
            return None
        return HoverInfo(self._describe(ref.data.get("value"), ref.graph, ref.nid, None), ref.span)

    def innermost(self, line: int, column: int) -> NodeRef | None:
        best: NodeRef | None = None
        for r in self.refs:
            if _contains(r.span, (line, column)):
                if best is None or (_extent(r.span), r.rank) < (_extent(best.span), best.rank):
                    best = r
        return best

    def lookup(self, name: str, pos: Pos) -> Entry | None:
        """The value ``name`` holds at ``pos`` (straight-line: the latest assignment before)."""
        fn = self._function_at(pos)
        return None if fn is None else lookup_in(fn, name, pos)

    def hints(self, first_line: int = 1, last_line: int = 10**9) -> list[Hint]:
        out: list[Hint] = []
        for fn in self.functions:
            if not fn.in_model:
                continue
            for b in fn.bindings:
                if b.start == b.value_start or not first_line <= b.end[0] <= last_line:
                    continue  # the parameters, or outside the requested range
                parts = [f"{n}: {_shape_text(v)}" for n, (v, _g, _n) in b.names.items()
                         if n != "_" and _is_tensorish(v)]
                if parts:
                    out.append(Hint(b.end[0], b.end[1], ", ".join(parts)))
        out.sort(key=lambda h: (h.line, h.column))
        return out

    # -- helpers --------------------------------------------------------------------------------
    def _function_at(self, pos: Pos) -> Function | None:
        inside = [f for f in self.functions if _contains(f.span, pos)]
        return min(inside, key=lambda f: _extent(f.span)) if inside else None

    def _describe(self, value: Value | None, graph: Dataflow | None, nid: int | None,
                  name: str | None) -> str:
        from .describe import layer_summary, node_text

        data: dict[str, Any] | None = None
        if graph is not None and nid is not None and nid in graph.g:
            data = dict(graph.g.nodes[nid])
        if data is not None and data.get("op") == "build" and data.get("layer") is not None:
            return f"`nn.{layer_summary(data['layer'])}`"
        shape = _shape_text(value) if value is not None else "unknown"
        head = f"**{name}**: `{shape}`" if name else f"`{shape}`"
        if data is None:
            return head
        what = node_text(data)
        op = data.get("op", "")
        plain = op in ("layer", "build", "input", "module", "call") or not op
        lines = [head, "", f"from `{what}`" + ("" if plain else f" ({op})")]
        for c in data.get("conflicts", []):
            lines.append(f"- {c.kind}: expected `{c.expected}`, received `{c.received}`")
        return "\n".join(lines)


def lookup_in(fn: Function, name: str, pos: Pos) -> Entry | None:
    best: Binding | None = None
    for b in fn.bindings:
        if name not in b.names:
            continue
        targets_here = b.start <= pos < b.value_start
        if (b.end <= pos or targets_here) and (best is None or b.start >= best.start):
            best = b
    return best.names[name] if best is not None else None


def _is_tensorish(v: Value) -> bool:
    from .values import Packed, Seq, Tensor

    if isinstance(v, Tensor | Packed):
        return True
    return isinstance(v, Seq) and v.repeated is None and any(_is_tensorish(i) for i in v.items)


def _shape_text(v: Value) -> str:
    from .describe import value_text

    return value_text(v)


def _contains(s: Span, pos: Pos) -> bool:
    return (s.line, s.column) <= pos < (s.end_line, s.end_column)


def _extent(s: Span) -> tuple[int, int]:
    return (s.end_line - s.line, s.end_column - s.column if s.end_line == s.line else 10**6)


def _identifier_at(text: str, line: int, column: int) -> tuple[str, int, int] | None:
    """The identifier under (or just before) the cursor: (word, 1-based start, end exclusive);
    None for an attribute (``.lstm``), a keyword, or no identifier."""
    import keyword

    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return None
    s = lines[line - 1]
    i = column - 1

    def ident(ch: str) -> bool:
        return ch.isalnum() or ch == "_"

    if not (0 <= i < len(s) and ident(s[i])):
        if 0 < i <= len(s) and ident(s[i - 1]):
            i -= 1
        else:
            return None
    a = i
    while a > 0 and ident(s[a - 1]):
        a -= 1
    b = i
    while b < len(s) and ident(s[b]):
        b += 1
    word = s[a:b]
    if not word.isidentifier() or keyword.iskeyword(word):
        return None
    j = a - 1
    while j >= 0 and s[j] in " \t":
        j -= 1
    if j >= 0 and s[j] == ".":
        return None
    return word, a + 1, b + 1


class _Collect:
    """Function definitions and the assignments directly in each (not in nested functions)."""

    def __init__(self) -> None:
        self.functions: list[tuple[Any, list[Any]]] = []

    def run(self, module: cst.Module) -> None:
        import libcst as cst

        outer = self

        class V(cst.CSTVisitor):
            def __init__(self) -> None:
                super().__init__()
                self.stack: list[list[Any]] = []

            def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
                self.stack.append([])
                outer.functions.append((node, self.stack[-1]))

            def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
                self.stack.pop()

            def visit_Assign(self, node: cst.Assign) -> None:
                if self.stack:
                    self.stack[-1].append(node)

            def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
                if self.stack and node.value is not None:
                    self.stack[-1].append(node)

        module.visit(V())


def analyse(path: str, text: str, options: Any = None) -> DocAnalysis:
    """Lint ``text`` as the file ``path`` and index its dataflow graphs by source position.

    Never raises for bad input: unparsable code gives one ``LST001`` finding, an engine
    failure gives the ``LST000`` finding ``lstm-lint check`` would report.
    """
    from .findings import Finding
    from .lint import Options, check_file, load
    from .project import Project

    doc = DocAnalysis(path, text)
    try:
        loaded = load(path, text)
    except RecursionError:
        return doc
    if loaded is None:
        return doc
    if isinstance(loaded, Finding):
        doc.findings = [loaded]
        return doc
    fm = loaded
    doc.fm = fm
    opts = options if options is not None else Options()
    res = check_file(fm, Project(loaded=[fm]), opts)
    doc.findings = [f for f in res.findings if f.path == fm.path
                    and (f.code in ("LST000", "LST001") or opts.enabled(f.code, f.path))]
    if res.analysis is None:
        return doc
    try:
        _index(doc, fm, res.analysis)
    except RecursionError:  # code nested deeper than the visitor can walk: findings only
        doc.refs, doc.by_cst, doc.functions = [], {}, []
    return doc


def _index(doc: DocAnalysis, fm: FileModel, analysis: Any) -> None:
    import libcst as cst

    from .describe import node_contexts
    from .positions import locate

    classes = fm.module_classes()
    graphs: list[tuple[Dataflow, Any]] = [(m.graph, m.cls) for m in analysis.modules]
    graphs.append((analysis.script, None))
    collect = _Collect()
    collect.run(fm.module)
    wanted: list[Any] = [c.node for c in classes]
    for fn, assigns in collect.functions:
        wanted.append(fn)
        wanted.extend(fn.params.params)
        for a in assigns:
            wanted.append(a)
            wanted.append(a.value)
    for graph, _cls in graphs:
        for _nid, d in graph.g.nodes(data=True):
            if d.get("fm") is fm and d.get("cst") is not None:
                wanted.append(d["cst"])
    spans = locate(fm.module, wanted)
    class_spans = {c.name: spans[id(c.node)] for c in classes if id(c.node) in spans}

    for graph, cls in graphs:
        contexts = node_contexts(graph)
        own = class_spans.get(cls.name) if cls is not None else None
        for nid, d in graph.g.nodes(data=True):
            node = d.get("cst")
            if d.get("fm") is not fm or node is None or id(node) not in spans:
                continue
            s = spans[id(node)]
            where = 2 if cls is None else (0 if own is not None and _contains(
                own, (s.line, s.column)) else 1)
            ref = NodeRef(s, graph, nid, (where, len(contexts.get(nid, ()))))
            old = doc.by_cst.get(id(node))
            if old is None or ref.rank < old.rank:
                doc.by_cst[id(node)] = ref
    doc.refs = sorted(doc.by_cst.values(), key=lambda r: (r.span.line, r.span.column, r.nid))

    methods = {id(m) for c in classes for m in c.methods.values()}
    for fn, assigns in collect.functions:
        if id(fn) not in spans:
            continue
        f = Function(spans[id(fn)], fn, id(fn) in methods)
        params: dict[str, Entry] = {}
        for p in fn.params.params:
            pref = doc.by_cst.get(id(p))
            if pref is not None and pref.data.get("op") == "input" and "value" in pref.data:
                params[p.name.value] = (pref.data["value"], pref.graph, pref.nid)
        if params:
            start = (f.span.line, f.span.column)
            f.bindings.append(Binding(start, start, start, params))
        for a in assigns:
            sa, sv = spans.get(id(a)), spans.get(id(a.value))
            if sa is None or sv is None:
                continue
            b = Binding((sa.line, sa.column), (sv.line, sv.column), (sa.end_line, sa.end_column),
                        {})
            value = _expr_value(doc, f, a.value, b.start)
            targets = [t.target for t in a.targets] if isinstance(a, cst.Assign) else [a.target]
            for t in targets:
                _bind(t, value, b.names)
            f.bindings.append(b)
        doc.functions.append(f)


def _expr_value(doc: DocAnalysis, fn: Function, expr: Any,
                pos: Pos) -> Entry | None:
    import libcst as cst

    ref = doc.by_cst.get(id(expr))
    if ref is not None and ref.data.get("value") is not None:
        return ref.data["value"], ref.graph, ref.nid
    if isinstance(expr, cst.Name):
        return lookup_in(fn, expr.value, pos)
    return None


def _bind(target: Any, found: Entry | None,
          names: dict[str, Entry]) -> None:
    import libcst as cst

    from .values import Seq

    if found is None:
        return
    value, graph, nid = found
    if isinstance(target, cst.Name):
        names[target.value] = (value, graph, nid)
    elif isinstance(target, cst.Tuple | cst.List):
        elements = target.elements
        if any(isinstance(e, cst.StarredElement) for e in elements):
            return
        if isinstance(value, Seq) and value.repeated is None and len(value.items) == len(elements):
            for e, item in zip(elements, value.items, strict=True):
                _bind(e.value, (item, graph, nid), names)
