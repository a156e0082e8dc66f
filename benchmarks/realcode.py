"""The real-code benchmark: lstm-lint on 155 recurrent models from 49 public repositories.

    python benchmarks/realcode.py [--only REPO-OR-ID] [--no-mutants] [--json PATH]
    python benchmarks/realcode.py --engine /tmp/base --json results/realcode_baseline.json
        (the baseline: `git worktree add /tmp/base 86c69be`, the engine before this benchmark)

Needs the cut files (``benchmarks/realcode/rebuild.py``) and reads the stored ground truth
(``benchmarks/results/realcode_truth/``) and proven mutants (``realcode_mutants.json``).  It
measures, in one process and without torch:

* shapes: every runnable class analysed with its driver's constructor arguments and inputs,
  compared with what torch produced: exact, unknown (partly or wholly) or **wrong**;
* classes found as modules, and with a fully known symbolic output (no arguments given);
* findings on the original files, each classified in ``benchmarks/realcode/verdicts.json``;
* recall on the proven mutants, per kind: caught with the right code within 2 lines of the
  mutation (the finding's line or its related location, e.g. the layer definition behind a
  call), caught with any code, missed;
* time per file.

Each file is checked as ``lstm-lint FILE`` checks it (one file, its project read on demand);
mutants as an editor sends them (the mutated text under the original path).  Results go to
``benchmarks/results/realcode.json`` (summary first) and a table is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE / "realcode"), str(HERE.parent)]
if "--engine" in sys.argv:
    # another checkout's lstm_lint (e.g. a `git worktree` at an older commit), for baselines:
    # it must win over an editable install of this one
    _engine = sys.argv[sys.argv.index("--engine") + 1]
    sys.path.insert(0, _engine)
    sys.meta_path[:] = [f for f in sys.meta_path if "ditable" not in type(f).__name__
                        and "ditable" not in getattr(f, "__name__", "")]

from rc_common import HERE as RC_HERE  # noqa: E402
from rc_common import (  # noqa: E402
    MUTANTS,
    RESULTS,
    ClassDriver,
    all_classes,
    dump_json,
    load_json,
    load_truth,
    slug,
)

from lstm_lint import collector  # noqa: E402
from lstm_lint import lint as lint_step  # noqa: E402
from lstm_lint.analyze import ModuleShapes, analyze_module  # noqa: E402
from lstm_lint.extract import FileModel  # noqa: E402
from lstm_lint.findings import Finding  # noqa: E402
from lstm_lint.layers import SHAPE_PRESERVING  # noqa: E402
from lstm_lint.project import Project  # noqa: E402
from lstm_lint.shapes import from_json, parse_spec  # noqa: E402
from lstm_lint.values import UNKNOWN, Const, Int, Packed, Seq, Tensor, Value  # noqa: E402

try:
    from lstm_lint.values import Record  # noqa: E402
except ImportError:  # an engine older than configuration records
    Record = None  # type: ignore[assignment,misc]
try:
    from lstm_lint.values import Build  # noqa: E402
except ImportError:  # an engine older than objects built as arguments
    Build = None  # type: ignore[assignment,misc]
try:
    from lstm_lint.values import Distribution  # noqa: E402
except ImportError:  # an engine older than torch.distributions objects
    Distribution = None  # type: ignore[assignment,misc]

VERDICTS = RC_HERE / "verdicts.json"
OUT = RESULTS / "realcode.json"
WINDOW = 2
#: kinds whose bug changes what a layer reads (its input's width or layout): when the layer
#: reads a forward argument as it came, that is the caller's data
CALLER_INPUT_KINDS = frozenset({"feature-size-mismatch", "input-layout"})
#: layers between the caller's data and the mutated layer that leave unchanged what the bug
#: kind changes, so the layer still reads that as the caller gave it: a shape-preserving layer
#: (dropout, an activation) keeps the width and the axis order; a layer that acts on the last
#: axis only (Linear, Embedding, LayerNorm) keeps the order of the axes before it
CALLER_THROUGH = {
    "feature-size-mismatch": SHAPE_PRESERVING,
    "input-layout": SHAPE_PRESERVING | {"Linear", "Embedding", "LayerNorm"},
}


# ---- driver values as the engine's abstract values ------------------------------------------


def value_of(v: Any, fm: Any = None) -> Value:
    """The value grammar (constructor arguments) as an abstract value; ``fm``: the analysed
    file, whose imports name an ``{"expr": ...}`` as the CLI's ``--args`` reads it."""
    if isinstance(v, dict):
        if set(v) == {"expr"} and isinstance(v["expr"], str):
            try:
                return from_json(v, fm)  # (an engine before expressions: unknown below)
            except TypeError:
                return UNKNOWN
        if ("ns" in v or "dict" in v) and Record is not None:
            # a namespace or dict whose fields may themselves be driver forms (a tensor)
            return Record(tuple((str(k), _field_of(x))
                                for k, x in v.get("ns", v.get("dict", {})).items()))
        if "ns" in v:
            return from_json(v["ns"])
        if "dict" in v:
            return from_json(v["dict"])
        if "tuple" in v:
            return Seq(tuple(value_of(x, fm) for x in v["tuple"]))
        if "tensor" in v:
            return input_of(v["tensor"])
        if "new" in v and Build is not None:
            # an object built with known arguments, as `shapes --args` takes it
            return Build(v["new"], v.get("module"),
                         tuple(value_of(a, fm) for a in v.get("args", [])),
                         tuple((str(k), value_of(a, fm)) for k, a in v.get("kwargs", {}).items()))
        return UNKNOWN  # an "expr" with other keys: nothing the CLI can express
    if isinstance(v, list):
        return Seq(tuple(value_of(x, fm) for x in v), True)
    return from_json(v)


_VALUE_FORMS = frozenset({"ns", "dict", "tuple", "tensor", "new", "expr"})


def _field_of(x: Any) -> Value:
    """A field of a namespace or dict: a driver form (a tensor, an object) as such, any
    other JSON as the CLI reads it."""
    if isinstance(x, dict) and _VALUE_FORMS & set(x) or isinstance(x, list):
        return value_of(x)
    return from_json(x)


def input_of(e: Any) -> Value:
    """The input grammar (forward arguments) as an abstract value."""
    if isinstance(e, str):
        return parse_spec(e)
    if isinstance(e, dict):
        if "spec" in e:
            return parse_spec(e["spec"])
        if "json" in e:
            return from_json(e["json"])
        if "tuple" in e or "list" in e:
            return Seq(tuple(input_of(x) for x in e.get("tuple", e.get("list", []))),
                       "list" in e)
        if "dict" in e:
            if Record is None:
                return UNKNOWN
            return Record(tuple((str(k), input_of(x)) for k, x in e["dict"].items()))
        if "value" in e:
            return value_of(e["value"])
    return UNKNOWN


# ---- comparison with torch ------------------------------------------------------------------


def compare(truth: Any, v: Value, where: str = "output") -> tuple[str, list[str]]:
    """('exact' | 'unknown' | 'wrong', details) of a static value against torch's tree."""
    notes: list[str] = []
    verdict = _cmp(truth, v, where, notes)
    return verdict, notes


def _worst(a: str, b: str) -> str:
    order = {"exact": 0, "unknown": 1, "wrong": 2}
    return a if order[a] >= order[b] else b


def _cmp(t: Any, v: Value, where: str, notes: list[str]) -> str:
    if v is UNKNOWN:
        notes.append(f"{where}: unknown")
        return "unknown"
    if t is None:
        if isinstance(v, Const) and v.value is None:
            return "exact"
        notes.append(f"{where}: torch gives None, static {v.describe()}")
        return "wrong"
    if "t" in t:
        if isinstance(v, Packed):
            v = v.data
        if not isinstance(v, Tensor):
            notes.append(f"{where}: torch gives a tensor {t['t']}, static {v.describe()}")
            return "wrong" if isinstance(v, Const | Seq) else "unknown"
        if v.shape is None:
            notes.append(f"{where}: shape unknown")
            return "unknown"
        dims = list(v.shape.dims)
        real = t["t"]
        if v.shape.star:
            if len(dims) > len(real):
                notes.append(f"{where}: rank {len(real)} but static {v.shape.render()}")
                return "wrong"
            verdict = "unknown"
            notes.append(f"{where}: leading axes unknown {v.shape.render()}")
            real = real[len(real) - len(dims):]
        else:
            verdict = "exact"
            if len(dims) != len(real):
                notes.append(f"{where}: torch {tuple(t['t'])}, static {v.shape.render()}")
                return "wrong"
        for i, (d, r) in enumerate(zip(dims, real, strict=True)):
            k = d.as_int() if d is not None else None
            if k is None:
                verdict = _worst(verdict, "unknown")
                notes.append(f"{where}[{i}]: {'?' if d is None else d} (torch {r})")
            elif k != r:
                notes.append(f"{where}: torch {tuple(t['t'])}, static {v.shape.render()}")
                return "wrong"
        return verdict
    if "dist" in t:
        # a torch.distributions object: the same kind, and its batch shape as a tensor's
        if Distribution is None or not isinstance(v, Distribution):
            notes.append(f"{where}: torch gives a {t['dist']}, static {v.describe()}")
            return "unknown"
        if v.kind != t["dist"]:
            notes.append(f"{where}: torch gives a {t['dist']}, static a {v.kind}")
            return "wrong"
        return _cmp({"t": t["batch"]}, v.batch, f"{where}.batch_shape", notes)
    if "packed" in t:
        return _cmp(t["packed"], v.data if isinstance(v, Packed) else v, where, notes)
    if "seq" in t:
        if not isinstance(v, Seq):
            notes.append(f"{where}: torch gives a sequence, static {v.describe()}")
            return "wrong" if isinstance(v, Tensor | Const) else "unknown"
        if v.repeated is not None:
            verdict = "exact" if v.length is not None and v.length.as_int() == t["len"] \
                else "unknown"
            for i, item in enumerate(t["seq"]):
                verdict = _worst(verdict, _cmp(item, v.repeated, f"{where}[{i}]", notes))
            return verdict
        if len(v.items) != t["len"]:
            notes.append(f"{where}: torch gives {t['len']} items, static {len(v.items)}")
            return "wrong"
        verdict = "exact"
        for i, (item, sv) in enumerate(zip(t["seq"], v.items, strict=False)):
            verdict = _worst(verdict, _cmp(item, sv, f"{where}[{i}]", notes))
        return verdict
    if "py" in t:
        if isinstance(v, Int) and v.expr is not None and v.expr.as_int() is not None:
            ok = v.expr.as_int() == t["py"]
        elif isinstance(v, Const):
            ok = v.value == t["py"]
        else:
            notes.append(f"{where}: value unknown")
            return "unknown"
        if not ok:
            notes.append(f"{where}: torch {t['py']!r}, static {v.describe()}")
        return "exact" if ok else "wrong"
    if "dict" in t:
        # a dict of outputs ({"hidden": h, "cell": c}): the same keys, each value compared
        if Record is None or not isinstance(v, Record):
            notes.append(f"{where}: torch gives a dict, static {v.describe()}")
            return "unknown"
        keys = [k for k, _ in v.fields]
        if sorted(keys) != sorted(t["dict"]):
            notes.append(f"{where}: torch keys {sorted(t['dict'])}, static {sorted(keys)}")
            return "unknown"
        verdict = "exact"
        for k, item in t["dict"].items():
            sv = v.get(k)
            assert sv is not None
            verdict = _worst(verdict, _cmp(item, sv, f"{where}[{k!r}]", notes))
        return verdict
    notes.append(f"{where}: {next(iter(t))} not modelled")
    return "unknown"


def fully_known(v: Value) -> bool:
    if isinstance(v, Tensor):
        return v.shape is not None and not v.shape.star and all(d is not None
                                                                 for d in v.shape.dims)
    if isinstance(v, Packed):
        return fully_known(v.data)
    if isinstance(v, Seq):
        # (an empty list the code returns as built, seq_preds = [] in train mode, is known:
        # a list of unknown length is a repeated Seq, never an empty one)
        if v.repeated is not None:
            # a list built in a loop of known count (one item per layer): its length and
            # the item every entry is (a join of them all)
            return v.length is not None and fully_known(v.repeated)
        return all(fully_known(i) for i in v.items)
    if Record is not None and isinstance(v, Record):
        return bool(v.fields) and all(fully_known(x) for _, x in v.fields)
    if Distribution is not None and isinstance(v, Distribution):
        # Normal(loc, scale): its shape is its batch shape (what sample() and mean give)
        return fully_known(v.batch)
    return isinstance(v, Const) and v.value is None


# ---- why a result is unknown ----------------------------------------------------------------


RECURRENT = {"LSTM", "GRU", "RNN", "RNNBase", "LSTMCell", "GRUCell", "RNNCell"}


def unknown_reason(fm: FileModel | None, cls_found: bool, ms: ModuleShapes | None
                   ) -> tuple[str, str | None]:
    """Why a class's output is not fully known, and the source line where it stopped."""
    r = _reason(fm, cls_found, ms)
    return r if isinstance(r, tuple) else (r, None)


def _reason(fm: FileModel | None, cls_found: bool, ms: ModuleShapes | None
            ) -> str | tuple[str, str]:
    if fm is None:
        return "file not parsed"
    if not cls_found:
        return "class not recognised as an nn.Module (base outside the file)"
    assert ms is not None
    if ms.note:
        return f"analysis stopped: {ms.note}"
    g = ms.graph
    layers = [n for n in g.nodes("layer")]
    if not any(getattr(n.attrs.get("layer"), "kind", None) in RECURRENT for n in layers):
        builds = [n for n in g.nodes("build")
                  if getattr(n.attrs.get("layer"), "kind", None) in RECURRENT]
        if not builds:
            return "recurrent layer not built statically (factory, getattr, config, base class)"
        return "recurrent layer built but its call not followed"
    # the first node whose value is unknown although what flowed in was known (or an input
    # whose shape is still to be solved: then that node is where solving it stopped)
    for nid in sorted(g.g.nodes):
        n = g.view(nid)
        val = n.value
        if val is None or _known_enough(val) or n.op == "input" or n.attrs.get("method"):
            continue
        ins = [d.get("value") for _, _, d in g.g.in_edges(nid, data=True)]
        holes = [i for i in ins if isinstance(i, Tensor) and i.hole is not None]
        if all(i is not None and (_known_enough(i) or i in holes) for i in ins):
            label = (n.label or n.op).split("(")[0][:30]
            if n.op == "layer":
                label = getattr(n.attrs.get("layer"), "kind", "?")
            elif n.op == "module":
                label = "user submodule"
            if holes:
                return f"forward input not solved by its first use: {n.op} {label}", \
                    _source_line(n)
            return f"{n.op} {label} gives unknown", _source_line(n)
    for v in ms.inputs:
        if isinstance(v, Tensor) and v.shape is None:
            return "forward input never used by a layer that tells its shape"
    return "unknown value outside the dataflow graph (non-tensor code, helper, return join)"


def _source_line(n: Any) -> str:
    fm = n.attrs.get("fm")
    if fm is None or n.cst is None:
        return "?"
    try:
        from lstm_lint.positions import locate

        span = locate(fm.module, [n.cst]).get(id(n.cst))
    except Exception:  # noqa: BLE001 - only for the report
        return "?"
    if span is None:
        return "?"
    lines = fm.text.splitlines()
    return f"{span.line}: {lines[span.line - 1].strip()[:100]}" if span.line <= len(lines) else "?"


def _known_enough(v: Value) -> bool:
    if isinstance(v, Tensor):
        return v.shape is not None and not v.shape.star and None not in v.shape.dims
    if isinstance(v, Seq):
        return v.repeated is None and all(_known_enough(i) for i in v.items)
    if isinstance(v, Packed):
        return _known_enough(v.data)
    return v is not UNKNOWN


# ---- runs -----------------------------------------------------------------------------------


def load_file(path: str, text: str | None = None) -> tuple[FileModel | None, Finding | None]:
    loaded = lint_step.load(path, text, prefilter=False)
    if isinstance(loaded, Finding):
        return None, loaded
    return loaded, None


def check(path: str, text: str | None = None,
          constraints: list[tuple[int, int]] | None = None,
          caller_inputs: list[tuple[int, int]] | None = None,
          through: frozenset[str] = frozenset()) -> tuple[list[Finding], float]:
    """Lint one file; with ``constraints`` (a list), also collect the line spans of the layers
    behind each size constraint the analysis shows (``requires hidden == emb``, ``n_layer > 1``); with
    ``caller_inputs``, those of the layers that read a ``forward`` argument as it came (its
    shape, as ``lstm-lint shapes`` shows it, is solved from that layer; ``through``: the kinds
    of layer in between that keep what counts)."""
    t0 = time.perf_counter()
    loaded = lint_step.load(path, text)
    if loaded is None:
        return [], time.perf_counter() - t0
    if isinstance(loaded, Finding):
        return [loaded], time.perf_counter() - t0
    res = lint_step.check_file(loaded, Project([path]), lint_step.Options())
    secs = time.perf_counter() - t0
    if constraints is not None and res.analysis is not None:
        constraints.extend(_constraint_spans(res.analysis))
    if caller_inputs is not None and res.analysis is not None:
        caller_inputs.extend(_caller_input_spans(res.analysis, through))
    return res.findings, secs


def _caller_input_spans(analysis: Any, through: frozenset[str] = frozenset()
                        ) -> list[tuple[int, int]]:
    """Where a layer reads the caller's data: a call whose data argument comes from
    ``forward``'s arguments through no other layer, module or factory (the call and the
    layer's constructor), except layers of the kinds in ``through``.  The input's size and
    layout there are the caller's: ``lstm-lint shapes`` shows them solved from this layer
    (``forward(x: (B, T, hidden_size))``)."""
    nodes = []
    for g in analysis.graphs():
        for v in g.nodes("layer"):
            if v.attrs.get("fm") not in (None, analysis.fm):
                continue
            if _reads_caller(g, v, through):
                nodes.append(v)
    return _layer_spans(analysis, nodes)


def _reads_caller(g: Any, v: Any, through: frozenset[str], depth: int = 12) -> bool:
    """Whether what ``v`` reads as its data (its first argument: an initial state the code
    makes is another argument, and does not change the data's size or layout) comes from the
    caller's data only, through ops that make no new value and layers in ``through``."""
    from lstm_lint.dataflow import NEW_VALUE_OPS

    nodes = g.g.nodes
    start = v.attrs.get("data_in")  # none: the data is a value the graph does not trace
    if not start:
        return False
    seen: set[int] = set()
    level, found = set(start), False
    for _ in range(depth):
        nxt: set[int] = set()
        for n in level - seen:
            seen.add(n)
            op = nodes[n].get("op")
            if op == "input":
                found = True
                continue
            if op in NEW_VALUE_OPS and not (
                    op == "layer" and getattr(nodes[n].get("layer"), "kind", None) in through):
                return False
            nxt.update(g.g.predecessors(n))
        if not nxt:
            break
        level = nxt
    return found


def _layer_spans(analysis: Any, views: list[Any]) -> list[tuple[int, int]]:
    """The line spans of graph nodes and of the constructors of the layers they call."""
    from lstm_lint.positions import locate

    nodes = []
    for v in views:
        nodes.append(v.cst)
        layer = v.attrs.get("layer")
        if layer is not None and getattr(layer, "cst", None) is not None:
            nodes.append(layer.cst)
        # a layer built in either branch of an if (joined): each branch's constructor
        nodes.extend(getattr(layer, "also_built", ()))
    spans = locate(analysis.fm.module, [n for n in nodes if n is not None])
    return [(sp.line, sp.end_line) for sp in spans.values()]


def _constraint_spans(analysis: Any) -> list[tuple[int, int]]:
    """Where each shown constraint points: the layer call it was recorded at and the
    layer's constructor (the lines a user reading ``lstm-lint shapes`` is sent to)."""
    nodes = []
    for g in analysis.graphs():
        for c in g.constraints:
            if c.node is None or c.node not in g.g:
                continue
            v = g.view(c.node)
            if v.attrs.get("fm") not in (None, analysis.fm):
                continue
            nodes.append(v)
    return _layer_spans(analysis, nodes)


def shapes(drv: ClassDriver, concrete: bool) -> tuple[str, FileModel | None, bool,
                                                      ModuleShapes | None]:
    path = str(drv.file)
    fm, _bad = load_file(path)
    if fm is None:
        return path, None, False, None
    project = Project([path])
    project.add(fm)
    project.resolve(fm)
    cls = next((c for c in fm.module_classes() if c.name == drv.cls), None)
    if cls is None:
        return path, fm, False, None
    if not concrete:
        return path, fm, True, analyze_module(fm, cls, project)
    spec = drv.spec
    args = [value_of(a, fm) for a in spec.get("args", [])]
    kwargs = {k: value_of(a, fm) for k, a in spec.get("kwargs", {}).items()}
    inputs = [input_of(e) for e in spec.get("inputs", [])]
    if spec.get("input_kwargs"):
        from lstm_lint.analyze import forward_params
        from lstm_lint.dataflow import Dataflow
        from lstm_lint.infer import Interpreter

        names = [p.name.value for p in forward_params(cls, Interpreter(fm, Dataflow(), project),
                                                      fm)]
        for k, e in spec["input_kwargs"].items():
            if k in names:
                i = names.index(k)
                while len(inputs) <= i:
                    inputs.append(UNKNOWN)
                inputs[i] = input_of(e)
    return path, fm, True, analyze_module(fm, cls, project, args, kwargs, inputs,
                                          **_stated(analyze_module))


def _stated(fn: Any) -> dict[str, bool]:
    """The driver's arguments are a configuration a user states (as ``shapes --args``): the
    engine may take other files' module-level literals at their defaults, named (an engine
    older than that keyword takes none)."""
    import inspect

    return {"config_defaults": True} if "config_defaults" in inspect.signature(fn).parameters \
        else {}


def _finding_spans(f: Finding, path: str) -> list[tuple[int, int]]:
    """The lines of ``path`` the finding shows the user: its own, and its related locations'
    spans (a call site, the layer definition behind it: a constructor call written over
    several lines covers the line of each of its arguments); a line of another file (a child
    module's code the finding reaches) is no line of the mutated file, whatever its number."""
    def same(p: str) -> bool:
        return os.path.abspath(p) == os.path.abspath(path)

    own = [(f.line, f.line)] if same(f.path) else []
    return own + [(r.span.line, r.span.end_line) for r in f.related
                  if r.span is not None and same(r.path)]


def _near(f: Finding, lines: list[int], path: str) -> bool:
    return any(a - WINDOW <= ln <= b + WINDOW for ln in lines
               for a, b in _finding_spans(f, path))


def finding_key(f: Finding, root: Path) -> str:
    try:
        rel = str(Path(f.path).resolve().relative_to(root))
    except ValueError:
        rel = f.path
    return f"{rel}:{f.line}:{f.code}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--no-mutants", action="store_true")
    ap.add_argument("--mutants", type=Path, default=MUTANTS,
                    help="the proven mutants (default: benchmarks/results/realcode_mutants.json)")
    ap.add_argument("--json", type=Path, default=OUT)
    ap.add_argument("--details", action="store_true", help="print every unknown and wrong")
    ap.add_argument("--engine", help="measure the lstm_lint of another checkout (a baseline)")
    a = ap.parse_args(argv)
    collector.relax()
    classes = all_classes()
    if a.only:
        classes = [c for c in classes if any(o == c.repo or o in c.id for o in a.only)]
    truth = load_truth()
    work_root = (RC_HERE / "work").resolve()

    # ---- shapes ----
    per_class: list[dict[str, Any]] = []
    for drv in classes:
        rec: dict[str, Any] = {"id": drv.id, "repo": drv.repo}
        if not drv.file.is_file():
            rec["status"] = "missing"
            per_class.append(rec)
            continue
        _p, fm, found, ms = shapes(drv, concrete=False)
        rec["found"] = found
        rec["known_symbolic"] = bool(ms is not None and fully_known(ms.output))
        if not rec["known_symbolic"]:
            rec["symbolic_reason"], rec["symbolic_where"] = unknown_reason(fm, found, ms)
        t = truth.get(drv.id, {})
        rec["runnable"] = t.get("status") == "ok"
        if rec["runnable"] and found:
            _p, fm, found, ms = shapes(drv, concrete=True)
            assert ms is not None
            verdict, notes = compare(t["output"], ms.output)
            rec["concrete"] = verdict
            rec["concrete_notes"] = notes[:6]
            if verdict == "unknown":
                rec["concrete_reason"], rec["concrete_where"] = unknown_reason(fm, found, ms)
        elif rec["runnable"]:
            rec["concrete"] = "unknown"
            rec["concrete_reason"], rec["concrete_where"] = unknown_reason(fm, found, None)
        per_class.append(rec)

    # ---- findings on the originals ----
    verdicts = load_json(VERDICTS, {})
    files = sorted({str(c.file) for c in classes if c.file.is_file()})
    originals: list[dict[str, Any]] = []
    times: list[float] = []
    for path in files:
        found_list, secs = check(path)
        times.append(secs)
        for f in found_list:
            key = finding_key(f, work_root)
            v = verdicts.get(key, {})
            originals.append({"key": key, "code": f.code, "message": f.message,
                              "verdict": v.get("verdict", "unclassified"), "why": v.get("why")})

    # ---- mutants ----
    by_kind: dict[str, dict[str, int]] = {}
    mutant_rows: list[dict[str, Any]] = []
    stale: list[str] = []
    if not a.no_mutants and a.mutants.is_file():
        import mutate

        ids = {c.id for c in classes}
        original_codes: dict[str, set[tuple[str, int]]] = {}
        for m in mutate.load_mutants(a.mutants, proven_only=True):
            if m.get("class_id") not in ids:
                continue
            kind = m["kind"]
            path = str(work_root / slug(m["repo"]) / m["path"])
            try:
                text = mutate.mutant_source(m)
            except (ValueError, OSError) as exc:  # the cut file is not the recipe's
                stale.append(f"{m['id']}: {exc}")
                continue
            shown: list[tuple[int, int]] = []
            caller: list[tuple[int, int]] = []
            fl, secs = check(path, text, shown, caller,
                             CALLER_THROUGH.get(kind, frozenset()))
            lines = m.get("mutated_lines") or [m["line"]]
            base = original_codes.setdefault(path, {(f.code, f.line) for f in check(path)[0]})
            new = [f for f in fl if (f.code, f.line) not in base
                   and f.code not in ("LST000", "LST001")]
            near = [f for f in new if _near(f, lines, path)]
            right = any(f.code == m["expected_code"] for f in near)
            anyc = bool(new)  # a finding the original file does not have, any code, anywhere
            # missed, but `lstm-lint shapes` shows the size constraint the bug breaks, at the
            # mutated layer: the file alone leaves the sizes free (silence is right there)
            constrained = not right and any(a - WINDOW <= ln <= b + WINDOW
                                            for ln in lines for a, b in shown)
            # missed, and the mutated layer reads a forward argument as it came: the size or
            # layout the bug changes is the caller's data, shown as the input `shapes` solves
            # from that layer; nothing in the file fixes it (silence is right there too)
            from_caller = not right and not constrained and kind in CALLER_INPUT_KINDS \
                and any(a <= ln <= b for ln in lines for a, b in caller)  # that layer only
            k = by_kind.setdefault(kind, {"mutants": 0, "caught_right_code": 0, "caught_any": 0,
                                          "missed_constraint_shown": 0,
                                          "missed_caller_input": 0})
            k["mutants"] += 1
            k["caught_right_code"] += right
            k["caught_any"] += anyc
            k["missed_constraint_shown"] += constrained
            k["missed_caller_input"] += from_caller
            mutant_rows.append({"id": m["id"], "kind": kind, "right": right, "any": anyc,
                                "constraint_shown": constrained, "caller_input": from_caller,
                                "codes": sorted({f"{f.code}@{f.line}" for f in fl})})

    runnable = [r for r in per_class if r.get("runnable")]
    summary = {
        "classes": len(per_class),
        "found": sum(1 for r in per_class if r.get("found")),
        "known_symbolic": sum(1 for r in per_class if r.get("known_symbolic")),
        "runnable": len(runnable),
        "exact": sum(1 for r in runnable if r.get("concrete") == "exact"),
        "unknown": sum(1 for r in runnable if r.get("concrete") == "unknown"),
        "wrong": sum(1 for r in runnable if r.get("concrete") == "wrong"),
        "original_findings": len(originals),
        "false_positives": sum(1 for o in originals if o["verdict"] == "false_positive"),
        "unclassified_findings": sum(1 for o in originals if o["verdict"] == "unclassified"),
        "mutants": sum(k["mutants"] for k in by_kind.values()),
        "caught_right_code": sum(k["caught_right_code"] for k in by_kind.values()),
        "caught_any": sum(k["caught_any"] for k in by_kind.values()),
        "missed_constraint_shown": sum(k["missed_constraint_shown"] for k in by_kind.values()),
        "missed_caller_input": sum(k["missed_caller_input"] for k in by_kind.values()),
        "by_kind": dict(sorted(by_kind.items())),
        "stale_mutants": len(stale),
        "files": len(files),
        "ms_per_file_median": round(1000 * sorted(times)[len(times) // 2], 1) if times else None,
        "ms_per_file_max": round(1000 * max(times), 1) if times else None,
    }
    sym_reasons = Counter(r["symbolic_reason"] for r in per_class if "symbolic_reason" in r)
    conc_reasons = Counter(r["concrete_reason"] for r in per_class if "concrete_reason" in r)
    missed = Counter(m["kind"] for m in mutant_rows if not m["right"])
    result = {"summary": summary,
              "unknown_reasons_symbolic": sym_reasons.most_common(),
              "unknown_reasons_concrete": conc_reasons.most_common(),
              "missed_by_kind": missed.most_common(),
              "classes": per_class, "original_findings": originals, "mutants": mutant_rows}
    dump_json(a.json, result)
    print_table(summary, sym_reasons, conc_reasons, originals)
    if a.details:
        for r in per_class:
            if r.get("concrete") in ("unknown", "wrong"):
                print(r["id"], r["concrete"], r.get("concrete_reason"), r.get("concrete_where"),
                      r.get("concrete_notes", [])[:2])
    return 0


def print_table(s: dict[str, Any], sym: Counter, conc: Counter,
                originals: list[dict[str, Any]]) -> None:
    def pct(n: int, d: int) -> str:
        return f"{n}/{d} ({100 * n / d:.0f} %)" if d else "0/0"

    print("| measure | value |\n|---|---|")
    print(f"| classes found as modules | {pct(s['found'], s['classes'])} |")
    print(f"| fully known symbolic output | {pct(s['known_symbolic'], s['classes'])} |")
    print(f"| runnable with torch | {pct(s['runnable'], s['classes'])} |")
    print(f"| exact concrete output | {pct(s['exact'], s['runnable'])} |")
    print(f"| unknown concrete output | {pct(s['unknown'], s['runnable'])} |")
    print(f"| **wrong** concrete output | {pct(s['wrong'], s['runnable'])} |")
    print(f"| findings on original files | {s['original_findings']} "
          f"({s['false_positives']} false positives, {s['unclassified_findings']} unclassified) |")
    print(f"| proven mutants caught, right code within {WINDOW} lines | "
          f"{pct(s['caught_right_code'], s['mutants'])} |")
    print(f"| proven mutants caught, any code | {pct(s['caught_any'], s['mutants'])} |")
    print(f"| missed, the size constraint the bug breaks shown (requires ...) | "
          f"{pct(s.get('missed_constraint_shown', 0), s['mutants'])} |")
    print(f"| missed, the mutated layer reads the caller's input as it came | "
          f"{pct(s.get('missed_caller_input', 0), s['mutants'])} |")
    print(f"| time per file (median / max) | {s['ms_per_file_median']} / {s['ms_per_file_max']} ms |")
    if s["by_kind"]:
        print("\n| kind | mutants | right code | any code | missed, constraint shown "
              "| missed, caller's input |\n|---|---|---|---|---|---|")
        for k, v in s["by_kind"].items():
            print(f"| {k} | {v['mutants']} | {v['caught_right_code']} | {v['caught_any']} "
                  f"| {v.get('missed_constraint_shown', 0)} | {v.get('missed_caller_input', 0)} |")
    print("\nwhy unknown (no arguments):")
    for reason, n in sym.most_common(10):
        print(f"  {n:4d}  {reason}")
    print("why unknown (driver's arguments):")
    for reason, n in conc.most_common(10):
        print(f"  {n:4d}  {reason}")
    for o in originals:
        print(f"finding [{o['verdict']}] {o['key']}: {o['message'][:150]}")


if __name__ == "__main__":
    sys.exit(main())
