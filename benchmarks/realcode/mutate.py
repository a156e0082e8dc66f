"""Bugs injected into the real-code corpus, each kept only when torch proves it.

    python benchmarks/realcode/mutate.py [--only ID-or-repo-or-fragment ...] [--kind LST201 ...]
                                         [--limit N] [-j 2] [--timeout S] [--list] [--write]

Every mutator is a libcst pass that finds each site where one bug kind can be planted in a
driven file (only classes whose ground truth is ``ok``) and produces the mutated source
deterministically from the site's recipe (positions, node type, text before and after).
Each mutant runs with torch (``proofs.run``: the class's driver with the mutated file under
the same module name) and is kept as *proven* only when the run shows the bug:

* ``crash``: an exception whose type and message fit the kind, raised in the right stage, with
  a traceback through the mutated line, the code its value flows into, or the layer it feeds;
* ``silent``: an effect measured in the run — an inline probe of the mutated expression (and
  of the original expression in a paired run of the original file) or the recurrent layers'
  own calls (which line built them, their configuration, input and state shapes);
* ``warning``: the warning torch gives for the kind fired in the mutant and not in the original.

Results: ``benchmarks/results/realcode_mutants.json`` (a summary and one record per mutant,
proven or not).  Records are recipes, never third-party text: ``mutant_source(record)``
regenerates a mutant from the cut file, ``load_mutants()`` reads the records.  A run with a
filter (``--only``, ``--kind``, ``--limit``) prints and writes nothing unless ``--write``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rc_common import MUTANTS, ClassDriver, all_classes, dump_json, load_json, load_truth  # noqa: E402

# ---- the kinds ----------------------------------------------------------------------------

KINDS: dict[str, str] = {
    "LST101": "feature-size-mismatch",
    "LST201": "wrong-time-axis",
    "LST202": "bidirectional-last-step",
    "LST303": "backward-direction-only",
    "LST203": "padded-last-step",
    "LST204": "input-layout",
    "LST205": "unused-lengths-last-step",
    "LST301": "state-layout",
    "LST302": "first-layer-state",
    "LST304": "state-folded-into-batch",
    "LST305": "fixed-batch-state",
    "LST401": "sequence-into-per-sequence-head",
    "LST402": "loss-layout",
    "LST501": "dropout-single-layer",
    "LST502": "proj-size-too-large",
}

RNN_TYPES = {"LSTM", "GRU", "RNN"}
CELL_TYPES = {"LSTMCell", "GRUCell", "RNNCell"}
FEATURE_LAYERS = {"Linear", "LayerNorm", "BatchNorm1d", "Conv1d", "Bilinear"} | RNN_TYPES | CELL_TYPES
STATE_BUILDERS = {
    "zeros",
    "ones",
    "randn",
    "rand",
    "empty",
    "FloatTensor",
    "Tensor",
    "new_zeros",
    "new_ones",
    "new_empty",
    "new",
    "new_full",
    "full",
}
LOSS_NAMES = re.compile(r"(cross_entropy|nll_loss|ctc_loss|loss|criterion|crit)$", re.I)
DOUBLING = re.compile(r"(direction|bidir|num_dir|n_dir|ndir|bi_)", re.I)
BATCH_PARAMS = {"batch_size", "bsz", "batch", "bs", "n_batch", "batch_sz", "nbatch", "b"}
FIXED_BATCH = "32"
DROPOUT = "0.3"
PROBE = "__import__('rc_probe').p"


@dataclass
class Edit:
    op: str  # replace | remove_arg | add_arg | set_arg
    node: str  # the libcst node type at the range
    range: list[int]  # [line, col, end_line, end_col] (lines 1-based, columns 0-based)
    before: str | None  # the text replaced (None in stored records: only its hash is kept)
    after: str = ""
    probe_before: str | None = None  # the same expression with inline probes (proof runs only)
    probe_after: str | None = None
    before_sha1: str | None = None  # checks a stored recipe against the cut file

    def recipe(self) -> dict[str, Any]:
        """What a stored record keeps: positions, node type, the new text, and a hash of the old
        text (never the repository's text itself)."""
        return {
            "op": self.op,
            "node": self.node,
            "range": self.range,
            "after": self.after,
            "before": None,
            "before_sha1": sha1(self.before) if self.before is not None else self.before_sha1,
        }


def sha1(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode()).hexdigest()


@dataclass
class Site:
    code: str
    mutator: str
    path: str
    edits: list[Edit]
    cls: str | None = None  # the class whose body holds the site
    func: str | None = None
    layer: str | None = None  # the attribute of the layer concerned (self.X)
    ctor_lines: list[int] = field(default_factory=list)  # lines of the layer's constructor
    focus: list[int] = field(default_factory=list)  # lines a crash must pass through
    facts: dict[str, Any] = field(default_factory=dict)  # what the proof checks against
    reach: Edit | None = None  # the probe that tells whether a run reaches the site

    @property
    def kind(self) -> str:
        return KINDS[self.code]

    @property
    def line(self) -> int:
        """The line of the mutation's main edit (the first: a pack call, not the unpack after it)."""
        return self.edits[0].range[0]

    @property
    def col(self) -> int:
        return self.edits[0].range[1]

    @property
    def lines(self) -> list[int]:
        out: set[int] = set()
        for e in self.edits:
            out.update(range(e.range[0], e.range[2] + 1))
        return sorted(out)

    @property
    def id(self) -> str:
        return f"{self.code}:{self.mutator}:{self.path}:{self.line}:{self.col}"


# ---- helpers on libcst nodes ----------------------------------------------------------------


def last_name(e: cst.BaseExpression) -> str | None:
    if isinstance(e, cst.Name):
        return e.value
    if isinstance(e, cst.Attribute):
        return e.attr.value
    return None


def dotted(e: cst.BaseExpression) -> str | None:
    if isinstance(e, cst.Name):
        return e.value
    if isinstance(e, cst.Attribute):
        b = dotted(e.value)
        return f"{b}.{e.attr.value}" if b else None
    return None


def self_attr(e: cst.BaseExpression) -> str | None:
    if isinstance(e, cst.Attribute) and isinstance(e.value, cst.Name) and e.value.value == "self":
        return e.attr.value
    return None


def int_value(e: cst.BaseExpression) -> int | None:
    if isinstance(e, cst.Integer):
        return int(e.value)
    if (
        isinstance(e, cst.UnaryOperation)
        and isinstance(e.operator, cst.Minus)
        and isinstance(e.expression, cst.Integer)
    ):
        return -int(e.expression.value)
    return None


def is_full_slice(e: cst.BaseSlice) -> bool:
    return isinstance(e, cst.Slice) and e.lower is None and e.upper is None and e.step is None


def index_pattern(sub: cst.Subscript) -> str | None:
    """'T0' for x[-1] / x[-1, :] / x[-1, :, :]; 'T1' for x[:, -1] / x[:, -1, :];
    'I-2' etc for x[k] / x[k, :, :]."""
    els = sub.slice
    if not els:
        return None
    first = els[0].slice
    rest = els[1:]
    if isinstance(first, cst.Index):
        v = int_value(first.value)
        if v is not None and all(is_full_slice(r.slice) for r in rest):
            return "T0" if v == -1 else f"I{v}"
        return None
    if is_full_slice(first) and len(els) >= 2 and isinstance(els[1].slice, cst.Index):
        v = int_value(els[1].slice.value)
        if v == -1 and all(is_full_slice(r.slice) for r in els[2:]):
            return "T1"
    return None


def args_of(call: cst.Call) -> tuple[list[cst.Arg], dict[str, cst.Arg]]:
    pos = [a for a in call.args if a.keyword is None and not a.star]
    kw = {a.keyword.value: a for a in call.args if a.keyword is not None}
    return pos, kw


def literal(e: cst.BaseExpression | None) -> Any:
    if e is None:
        return None
    if isinstance(e, cst.Name) and e.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[e.value]
    if isinstance(e, cst.Integer):
        return int(e.value)
    if isinstance(e, cst.Float):
        return float(e.value)
    return "?"


# ---- the scanner: every site of every mutator in one file -----------------------------------


@dataclass
class Ctor:
    call: cst.Call
    type: str | None  # LSTM / GRU / ... (None when the callee is dynamic)
    lines: list[int]
    attr: str | None  # self.X = ...
    config: dict[str, Any]  # torch's configuration when a trace saw it, else what the text says


RNN_POSITIONAL = [
    "input_size",
    "hidden_size",
    "num_layers",
    "bias",
    "batch_first",
    "dropout",
    "bidirectional",
]


def static_config(call: cst.Call, typ: str | None) -> dict[str, Any]:
    pos, kw = args_of(call)
    cfg: dict[str, Any] = {}
    if typ in CELL_TYPES:
        return cfg
    for i, name in enumerate(RNN_POSITIONAL):
        v: Any = "absent"
        if name in kw:
            v = literal(kw[name].value)
        elif i < len(pos):
            v = literal(pos[i].value)
        if v == "absent":
            v = {
                "num_layers": 1,
                "batch_first": False,
                "bidirectional": False,
                "dropout": 0,
                "bias": True,
            }.get(name, "?")
        if v != "?":
            cfg[name] = v
    if "proj_size" in kw:
        v = literal(kw["proj_size"].value)
        if v != "?":
            cfg["proj_size"] = v
    elif typ == "LSTM":
        cfg["proj_size"] = 0
    return cfg


class Scanner(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, wrapper: MetadataWrapper, path: str, traces: list[dict[str, Any]]):
        super().__init__()
        self.w = wrapper
        self.path = path
        self.pos = wrapper.resolve(PositionProvider)
        self.lines_built: dict[int, dict[str, Any]] = {}
        for t in traces:
            f, ln = t.get("built_at", ["?", 0])
            if f == path and ln not in self.lines_built:
                self.lines_built[ln] = {**t["config"], "type": t["type"]}
        self.ctors: list[Ctor] = []
        self.attr_ctor: dict[str, Ctor] = {}
        self.attr_lines: dict[str, set[int]] = defaultdict(set)
        self.sites: list[Site] = []
        self.cls: list[str] = []
        self.funcs: list[cst.FunctionDef] = []
        self.roles: list[dict[str, dict[str, Any]]] = []
        self.attr_types: dict[str, str] = {}  # self.X = nn.CrossEntropyLoss() and the like

    # -- positions
    def rng(self, n: cst.CSTNode) -> list[int]:
        p = self.pos[n]
        return [p.start.line, p.start.column, p.end.line, p.end.column]

    def code(self, n: cst.CSTNode) -> str:
        return self.w.module.code_for_node(n)

    # -- classes and functions
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.cls.append(node.name.value)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.cls.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.funcs.append(node)
        roles: dict[str, dict[str, Any]] = {}
        for p in node.params.params:
            if p.name.value in BATCH_PARAMS:
                roles[p.name.value] = {"role": "batch"}
        self.roles.append(roles)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.funcs.pop()
        self.roles.pop()

    @property
    def role(self) -> dict[str, dict[str, Any]]:
        return self.roles[-1] if self.roles else {}

    def func_lines(self) -> list[int]:
        if not self.funcs:
            return []
        r = self.rng(self.funcs[-1])
        return list(range(r[0], r[2] + 1))

    def reach_on(self, node: cst.CSTNode) -> Edit:
        c = self.code(node)
        return Edit("replace", type(node).__name__, self.rng(node), c, c, f"{PROBE}('@K@', {c})")

    def add(self, code: str, mutator: str, edits: list[Edit], **kw: Any) -> None:
        s = Site(
            code,
            mutator,
            self.path,
            edits,
            self.cls[-1] if self.cls else None,
            self.funcs[-1].name.value if self.funcs else None,
            **kw,
        )
        if s.reach is None and s.edits[0].probe_before:
            s.reach = s.edits[0]
        if not s.focus:  # the function the value flows through (a loop brings it back above)
            s.focus = sorted(set(s.lines) | set(self.func_lines()))
        self.sites.append(s)

    # -- pass 1 (done before the walk): constructors and attributes
    def collect(self) -> None:
        outer = self

        class Pre(cst.CSTVisitor):
            def visit_Assign(self, node: cst.Assign) -> None:
                attrs = [self_attr(t.target) for t in node.targets]
                val = node.value
                for a in attrs:
                    if a:
                        r = outer.rng(node)
                        outer.attr_lines[a].update(range(r[0], r[2] + 1))
                        if isinstance(val, cst.Call):
                            n = last_name(val.func)
                            if n:
                                outer.attr_types[a] = n

            def visit_Call(self, node: cst.Call) -> None:
                outer.visit_ctor(node)

        self.w.module.visit(Pre())
        # the attribute each constructor is assigned to
        for c in self.ctors:
            for a, lines in self.attr_lines.items():
                if c.lines[0] in lines:
                    c.attr = a
                    if c.type in RNN_TYPES | CELL_TYPES or c.config:
                        self.attr_ctor.setdefault(a, c)

    def visit_ctor(self, node: cst.Call) -> None:
        n = last_name(node.func)
        r = self.rng(node)
        lines = list(range(r[0], r[2] + 1))
        built = next((self.lines_built[ln] for ln in lines if ln in self.lines_built), None)
        if n in RNN_TYPES | CELL_TYPES:
            typ = n
        elif (
            (isinstance(node.func, cst.Call) or bool(n and re.search(r"rnn|lstm|gru|cell|recur", n, re.I)))
            and n != "getattr"
            and built is not None
            and r[0] in self.lines_built
            and n not in ("ModuleList", "Sequential", "append", "ModuleDict")
            and node.args
        ):
            typ = built["type"]
        else:
            return
        cfg = dict(built) if built is not None and built.get("type") == typ else static_config(node, typ)
        self.ctors.append(Ctor(node, typ, lines, None, cfg))

    def layer_config(self, attr: str | None) -> dict[str, Any]:
        c = self.attr_ctor.get(attr or "")
        return c.config if c else {}

    def layer_uses(self, attr: str | None) -> list[int]:
        """Lines that reference self.<attr>, and the next two (a loop over a ModuleList)."""
        if not attr:
            return []
        out: set[int] = set()
        pat = re.compile(rf"\bself\.{re.escape(attr)}\b")
        for i, text in enumerate(self.w.module.code.splitlines(), start=1):
            if pat.search(text):
                out.update((i, i + 1, i + 2))
        return sorted(out)

    # -- roles in a function
    def rnn_call_attr(self, e: cst.BaseExpression) -> str | None:
        if isinstance(e, cst.Call):
            a = self_attr(e.func)
            if a and a in self.attr_ctor and self.attr_ctor[a].type in RNN_TYPES:
                return a
            if (
                isinstance(e.func, cst.Name)
                and e.func.value in self.role
                and self.role[e.func.value].get("role") == "rnn"
            ):
                return self.role[e.func.value].get("layer")
        return None

    def out_layout(self, attr: str | None) -> bool | None:
        bf = self.layer_config(attr).get("batch_first")
        return bf if isinstance(bf, bool) else None

    def bind(self, target: cst.BaseExpression, info: dict[str, Any] | None) -> None:
        if isinstance(target, cst.Name):
            if info is None:
                self.role.pop(target.value, None)
            else:
                self.role[target.value] = info
        elif isinstance(target, cst.Tuple | cst.List):
            for el in target.elements:
                self.bind(el.value, None)

    def leave_Assign(self, node: cst.Assign) -> None:
        if not self.funcs:
            return
        val = node.value
        for t in node.targets:
            self.bind_target(t.target, val, node)

    def bind_target(self, target: cst.BaseExpression, val: cst.BaseExpression, node: cst.Assign) -> None:
        role = self.role
        attr = self.rnn_call_attr(val)
        if attr and isinstance(target, cst.Tuple | cst.List) and len(target.elements) == 2:
            typ = self.attr_ctor[attr].type
            first, second = target.elements[0].value, target.elements[1].value
            inp = val.args[0].value if isinstance(val, cst.Call) and val.args else None
            packed = isinstance(inp, cst.Name) and role.get(inp.value, {}).get("role") == "packed"
            self.bind(target, None)
            if isinstance(first, cst.Name):
                role[first.value] = {
                    "role": "packed_out" if packed else "out",
                    "layer": attr,
                    "bf": self.out_layout(attr),
                }
            if isinstance(second, cst.Name):
                role[second.value] = {"role": "hc" if typ == "LSTM" else "h", "layer": attr, "packed": packed}
            elif (
                isinstance(second, cst.Tuple)
                and second.elements
                and isinstance(second.elements[0].value, cst.Name)
            ):
                role[second.elements[0].value.value] = {"role": "h", "layer": attr, "packed": packed}
            return
        if isinstance(target, cst.Name):
            name = target.value
            if (
                attr is None
                and isinstance(val, cst.Subscript)
                and self.rnn_call_attr(val.value)
                and index_pattern(val) == "I0"
            ):
                a = self.rnn_call_attr(val.value)
                role[name] = {"role": "out", "layer": a, "bf": self.out_layout(a)}
                return
            if (
                isinstance(val, cst.Subscript)
                and index_pattern(val) == "I0"
                and isinstance(val.value, cst.Name)
                and role.get(val.value.value, {}).get("role") == "hc"
            ):
                role[name] = {**role[val.value.value], "role": "h"}
                return
            if isinstance(val, cst.Call) and last_name(val.func) == "pack_padded_sequence" and val.args:
                role[name] = {"role": "packed", "call": val}
                return
            if isinstance(val, cst.Call) and last_name(val.func) in RNN_TYPES:
                role[name] = {"role": "rnn", "layer": None}
                return
            src = self.flows_from(val)
            if src is not None:
                role[name] = src
                return
            if self.is_batch_expr(val):
                role[name] = {"role": "batch"}
                return
        if (
            isinstance(target, cst.Tuple | cst.List)
            and isinstance(val, cst.Call)
            and last_name(val.func) == "pad_packed_sequence"
            and val.args
            and target.elements
        ):
            a0 = val.args[0].value
            src = role.get(a0.value) if isinstance(a0, cst.Name) else None
            self.bind(target, None)
            first = target.elements[0].value
            if src and src.get("role") in ("packed_out", "out") and isinstance(first, cst.Name):
                _, kw = args_of(val)
                bf = literal(kw["batch_first"].value) if "batch_first" in kw else False
                role[first.value] = {
                    "role": "out",
                    "layer": src.get("layer"),
                    "padded": True,
                    "bf": bf if isinstance(bf, bool) else src.get("bf"),
                }
            return
        self.bind(target, None)

    def flows_from(self, val: cst.BaseExpression) -> dict[str, Any] | None:
        """An out-role tensor through a layout-preserving call (dropout, contiguous, self.norm)."""
        if isinstance(val, cst.Call):
            f = val.func
            if (
                isinstance(f, cst.Attribute)
                and f.attr.value in ("contiguous", "float", "clone")
                and isinstance(f.value, cst.Name)
                and not val.args
            ):
                r = self.role.get(f.value.value)
                return dict(r) if r and r.get("role") == "out" else None
            if len(val.args) >= 1 and isinstance(val.args[0].value, cst.Name):
                n = last_name(f)
                r = self.role.get(val.args[0].value.value)
                a = self_attr(f)
                keep = (
                    a is not None and a not in self.attr_ctor and re.search(r"drop|norm|act", a, re.I)
                ) or n in ("dropout", "relu", "tanh", "gelu", "elu", "leaky_relu")
                if r and r.get("role") == "out" and keep:
                    return dict(r)
        return None

    def is_batch_expr(self, e: cst.BaseExpression) -> bool:
        if (
            isinstance(e, cst.Call)
            and isinstance(e.func, cst.Attribute)
            and e.func.attr.value == "size"
            and len(e.args) == 1
            and int_value(e.args[0].value) in (0, 1)
        ):
            return True
        if (
            isinstance(e, cst.Subscript)
            and len(e.slice) == 1
            and isinstance(e.slice[0].slice, cst.Index)
            and int_value(e.slice[0].slice.value) in (0, 1)
        ):
            v = e.value
            if isinstance(v, cst.Attribute) and v.attr.value == "shape":
                return True
            if (
                isinstance(v, cst.Call)
                and isinstance(v.func, cst.Attribute)
                and v.func.attr.value == "size"
                and not v.args
            ):
                return True
        if isinstance(e, cst.Call) and isinstance(e.func, cst.Name) and e.func.value == "len":
            return True
        if isinstance(e, cst.Name) and self.role.get(e.value, {}).get("role") == "batch":
            return True
        return False

    # -- expressions: out-role and state subscripts
    def h_expr(self, e: cst.BaseExpression) -> dict[str, Any] | None:
        if isinstance(e, cst.Name):
            r = self.role.get(e.value)
            return r if r and r.get("role") == "h" else None
        if isinstance(e, cst.Subscript) and index_pattern(e) == "I0" and isinstance(e.value, cst.Name):
            r = self.role.get(e.value.value)
            return {**r, "role": "h"} if r and r.get("role") == "hc" else None
        return None

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if not self.funcs:
            return
        pat = index_pattern(node)
        if pat is None:
            return
        base = node.value
        b = self.code(base)
        rng = self.rng(node)
        before = self.code(node)
        h = self.h_expr(base)
        if h is not None and pat == "T0":
            cfg = self.layer_config(h.get("layer"))
            layers = cfg.get("num_layers")
            dirs = 2 if cfg.get("bidirectional") else (1 if cfg.get("bidirectional") is False else None)
            facts = {"layer_config": cfg, "pattern": "h[-1]"}
            if isinstance(layers, int) and layers > 1:
                self.add(
                    "LST302",
                    "last_layer_to_first",
                    [
                        Edit(
                            "replace",
                            "Subscript",
                            rng,
                            before,
                            f"{b}[0]",
                            f"{PROBE}('@K@', {b}[-1])",
                            f"{PROBE}('@K@', {b}[0])",
                        )
                    ],
                    layer=h.get("layer"),
                    facts=facts,
                )
            if isinstance(layers, int) and dirs and layers * dirs > 1:
                after = f"{b}.view(-1, {b}.size(-1))"
                self.add(
                    "LST304",
                    "fold_state_into_batch",
                    [
                        Edit(
                            "replace",
                            "Subscript",
                            rng,
                            before,
                            after,
                            f"{PROBE}('@K@', {before})",
                            f"{PROBE}('@K@', {after})",
                        )
                    ],
                    layer=h.get("layer"),
                    facts={**facts, "k": layers * dirs},
                )
            if h.get("packed"):
                padded = next(
                    (
                        n
                        for n, r in self.role.items()
                        if r.get("role") == "out" and r.get("padded") and r.get("layer") == h.get("layer")
                    ),
                    None,
                )
                if padded is not None:
                    bf = self.role[padded].get("bf")
                    after = f"{padded}[:, -1]" if bf else f"{padded}[-1]"
                    self.add(
                        "LST203",
                        "state_to_padded_last_step",
                        [
                            Edit(
                                "replace",
                                "Subscript",
                                rng,
                                before,
                                after,
                                f"{PROBE}('@K@', {before})",
                                f"{PROBE}('@K@', {after})",
                            )
                        ],
                        layer=h.get("layer"),
                        facts={**facts, "padded": padded, "bf": bf},
                    )
            return
        if pat not in ("T0", "T1") or h is not None:
            return
        r = self.role.get(base.value) if isinstance(base, cst.Name) else None
        if r is not None and r.get("role") in ("h", "hc", "packed", "batch", "rnn"):
            return
        if r is None or r.get("role") != "out":
            r = {"role": "any"}
        bf = r.get("bf")
        facts = {
            "bf": bf,
            "layer": r.get("layer"),
            "padded": bool(r.get("padded")),
            "layer_config": self.layer_config(r.get("layer")),
            "pattern": pat,
        }
        expect = ("T1" if bf else "T0") if bf is not None else pat
        if pat == expect:
            after = f"{b}[-1]" if pat == "T1" else f"{b}[:, -1]"
            pb = f"{PROBE}('@K@', {PROBE}('@K@.base', {b}){before[len(b) :]})"
            pa = f"{PROBE}('@K@', {PROBE}('@K@.base', {b}){after[len(b) :]})"
            self.add(
                "LST201",
                "swap_time_index",
                [Edit("replace", "Subscript", rng, before, after, pb, pa)],
                layer=r.get("layer"),
                facts=facts,
            )
        if pat == expect:
            self.add(
                "LST401",
                "drop_last_step",
                [
                    Edit(
                        "replace",
                        "Subscript",
                        rng,
                        before,
                        b,
                        f"{PROBE}('@K@', {before})",
                        f"{PROBE}('@K@', {b})",
                    )
                ],
                layer=r.get("layer"),
                facts=facts,
            )

    def visit_Call(self, node: cst.Call) -> None:
        n = last_name(node.func)
        if self.funcs:
            if n == "cat":
                self.cat_sites(node)
            if n in STATE_BUILDERS:
                self.state_sites(node)
            if n == "pack_padded_sequence":
                self.pack_sites(node)
            self.loss_sites(node)
        if n in FEATURE_LAYERS:
            self.feature_sites(node, n)
        ctor = next((c for c in self.ctors if c.call is node), None)
        if ctor is not None and ctor.type in RNN_TYPES:
            self.ctor_sites(ctor)

    def cat_sites(self, node: cst.Call) -> None:
        if not node.args:
            return
        seq = node.args[0].value
        if not isinstance(seq, cst.Tuple | cst.List) or len(seq.elements) != 2:
            return
        parts = [e.value for e in seq.elements]
        if not all(isinstance(p, cst.Subscript) for p in parts):
            return
        pats = [index_pattern(p) for p in parts]  # type: ignore[arg-type]
        bases = [self.code(p.value) for p in parts]  # type: ignore[union-attr]
        if bases[0] != bases[1] or sorted(pats, key=str) not in (["I-2", "T0"], ["I0", "I1"]):
            return
        h = self.h_expr(parts[0].value)  # type: ignore[union-attr]
        if h is None:
            return
        cfg = self.layer_config(h.get("layer"))
        if cfg.get("bidirectional") is False:
            return
        dim = node.args[1].value if len(node.args) > 1 else None
        if dim is None or int_value(dim) not in (1, -1):
            _, kw = args_of(node)
            if "dim" not in kw or int_value(kw["dim"].value) not in (1, -1):
                return
        b = bases[0]
        rng = self.rng(node)
        before = self.code(node)
        facts = {"layer_config": cfg}
        self.add(
            # h_n[-1] alone where both directions were joined: the backward direction only
            # (LST303's bug; it was filed under LST202, the output's last step, until 2026-12-03)
            "LST303",
            "cat_directions_to_last",
            [
                Edit(
                    "replace",
                    "Call",
                    rng,
                    before,
                    f"{b}[-1]",
                    f"{PROBE}('@K@', {before})",
                    f"{PROBE}('@K@', {b}[-1])",
                )
            ],
            layer=h.get("layer"),
            facts=facts,
        )
        out = next(
            (
                nm
                for nm, r in self.role.items()
                if r.get("role") == "out"
                and not r.get("padded")
                and r.get("layer") == h.get("layer")
                and r.get("bf") is not None
            ),
            None,
        )
        if out is not None and not h.get("packed"):
            after = f"{out}[:, -1]" if self.role[out]["bf"] else f"{out}[-1]"
            self.add(
                "LST202",
                "cat_directions_to_output_last_step",
                [
                    Edit(
                        "replace",
                        "Call",
                        rng,
                        before,
                        after,
                        f"{PROBE}('@K@', {before})",
                        f"{PROBE}('@K@', {after})",
                    )
                ],
                layer=h.get("layer"),
                facts={**facts, "out": out},
            )

    def builder_sizes(self, node: cst.Call) -> list[cst.BaseExpression] | None:
        pos, kw = args_of(node)
        if any(a.star for a in node.args):
            return None
        if len(pos) == 1 and isinstance(pos[0].value, cst.Tuple | cst.List):
            els = [e.value for e in pos[0].value.elements]
        else:
            els = [a.value for a in pos]
            if last_name(node.func) in ("new_full", "full") and els:
                els = els[:-1] if len(els) == 4 else els
        return els if len(els) == 3 else None

    def state_sites(self, node: cst.Call) -> None:
        if not self.attr_ctor:
            return
        sizes = self.builder_sizes(node)
        if sizes is None or any(isinstance(s, cst.StarredElement | cst.SimpleString) for s in sizes):
            return
        a, b = sizes[0], sizes[1]
        ca, cb = self.code(a), self.code(b)
        # a state is fed to a layer wherever the file calls one: those lines, and what follows
        r = self.rng(node)
        calls = {
            ln for attr, c in self.attr_ctor.items() if c.type in RNN_TYPES for ln in self.layer_uses(attr)
        }
        focus = sorted(calls | {ln for ln in self.func_lines() if ln >= r[0]} | set(range(r[0], r[2] + 1)))
        if ca != cb:
            ra, rb = self.rng(a), self.rng(b)
            self.add(
                "LST301",
                "swap_state_axes",
                [
                    Edit("replace", type(a).__name__, ra, ca, cb),
                    Edit("replace", type(b).__name__, rb, cb, ca),
                ],
                facts={"builder": self.code(node.func)},
                reach=self.reach_on(node),
                focus=focus,
            )
        for s in sizes:
            if self.is_batch_expr(s):
                self.add(
                    "LST305",
                    "state_batch_to_constant",
                    [Edit("replace", type(s).__name__, self.rng(s), self.code(s), FIXED_BATCH)],
                    facts={"builder": self.code(node.func), "batch_expr": self.code(s)},
                    reach=self.reach_on(node),
                    focus=focus,
                )
                break

    def pack_sites(self, node: cst.Call) -> None:
        if not node.args or self.funcs[-1] is None:
            return
        func = self.funcs[-1]
        pos, kw = args_of(node)
        if not pos:
            return
        lengths = (
            self.code(pos[1].value)
            if len(pos) > 1
            else (self.code(kw["lengths"].value) if "lengths" in kw else "None")
        )
        edits = [Edit("replace", "Call", self.rng(node), self.code(node), self.code(pos[0].value))]
        outer = self

        class Pads(cst.CSTVisitor):
            def visit_Call(self, c: cst.Call) -> None:
                if last_name(c.func) == "pad_packed_sequence" and c.args:
                    edits.append(
                        Edit(
                            "replace",
                            "Call",
                            outer.rng(c),
                            outer.code(c),
                            f"({outer.code(c.args[0].value)}, {lengths})",
                        )
                    )

        func.visit(Pads())
        self.add("LST205", "unpack", edits, facts={"lengths": lengths}, reach=self.reach_on(node))

    def loss_sites(self, node: cst.Call) -> None:
        f = node.func
        n = last_name(f)
        a = self_attr(f)
        is_loss = bool(n and LOSS_NAMES.search(n)) or (
            a is not None and bool(re.search(r"Loss$", self.attr_types.get(a, "")))
        )
        if not is_loss:
            return
        for arg in node.args:
            v = arg.value
            if (
                isinstance(v, cst.Call)
                and last_name(v.func) in ("permute", "transpose")
                and isinstance(v.func, cst.Attribute)
            ):
                inner = v.func.value
                self.add(
                    "LST402",
                    "drop_loss_permute",
                    [Edit("replace", "Call", self.rng(v), self.code(v), self.code(inner))],
                    facts={"loss": self.code(f)},
                    reach=self.reach_on(v),
                )

    def feature_sites(self, node: cst.Call, n: str) -> None:
        pos, kw = args_of(node)
        key = {
            "Linear": "in_features",
            "LayerNorm": "normalized_shape",
            "BatchNorm1d": "num_features",
            "Conv1d": "in_channels",
            "Bilinear": "in1_features",
        }.get(n, "input_size")
        arg = pos[0] if pos else kw.get(key)
        if arg is None:
            return
        e = arg.value
        ctor = next((c for c in self.ctors if c.call is node), None)
        attr = ctor.attr if ctor else self.enclosing_attr(node)
        stripped = strip_doubling(e, self.code)
        if stripped is not None:
            self.add(
                "LST101",
                "halve_features",
                [Edit("replace", type(e).__name__, self.rng(e), self.code(e), stripped)],
                layer=attr,
                focus=self.ctor_focus(node, attr),
                facts={"layer_type": n},
                ctor_lines=ctor.lines if ctor else [],
                reach=None if ctor else self.reach_on(node),
            )
        if n in RNN_TYPES and ctor is not None:
            hid = pos[1].value if len(pos) > 1 else (kw["hidden_size"].value if "hidden_size" in kw else None)
            cfg = ctor.config
            if (
                hid is not None
                and isinstance(cfg.get("input_size"), int)
                and cfg.get("input_size") != cfg.get("hidden_size")
                and self.code(hid) != self.code(e)
            ):
                after = self.code(hid)
                mut = "input_size_to_hidden"
            else:
                after = f"{self.code(e)} + 1"
                mut = "input_size_plus_one"
            self.add(
                "LST101",
                mut,
                [Edit("replace", type(e).__name__, self.rng(e), self.code(e), after)],
                layer=attr,
                focus=self.ctor_focus(node, attr),
                ctor_lines=ctor.lines,
                facts={"layer_config": cfg},
            )

    def enclosing_attr(self, node: cst.Call) -> str | None:
        line = self.rng(node)[0]
        return next((a for a, lines in self.attr_lines.items() if line in lines), None)

    def ctor_focus(self, node: cst.Call, attr: str | None) -> list[int]:
        r = self.rng(node)
        return sorted(set(range(r[0], r[2] + 1)) | set(self.layer_uses(attr)))

    def ctor_sites(self, c: Ctor) -> None:
        node = c.call
        pos, kw = args_of(node)
        cfg = c.config
        rng = self.rng(node)
        focus = self.ctor_focus(node, c.attr)
        common = {"layer": c.attr, "focus": focus, "ctor_lines": c.lines}
        bf_arg = kw.get("batch_first")
        if bf_arg is not None and (literal(bf_arg.value) is True or cfg.get("batch_first") is True):
            self.add(
                "LST204",
                "drop_batch_first",
                [Edit("remove_arg", "Arg", self.rng(bf_arg), f"batch_first={self.code(bf_arg.value)}")],
                facts={"layer_config": cfg},
                **common,
            )
        if cfg.get("num_layers") == 1 and c.type in RNN_TYPES:
            d = kw.get("dropout")
            if d is None and len(pos) < 6:
                self.add(
                    "LST501",
                    "add_dropout",
                    [Edit("add_arg", "Call", rng, self.code(node), f"dropout={DROPOUT}")],
                    facts={"layer_config": cfg},
                    **common,
                )
            elif d is not None and (literal(d.value) in (0, 0.0) or cfg.get("dropout") in (0, 0.0)):
                self.add(
                    "LST501",
                    "set_dropout",
                    [
                        Edit(
                            "set_arg",
                            "Arg",
                            self.rng(d),
                            f"dropout={self.code(d.value)}",
                            f"dropout={DROPOUT}",
                        )
                    ],
                    facts={"layer_config": cfg},
                    **common,
                )
        if c.type == "LSTM":
            hid = pos[1].value if len(pos) > 1 else (kw["hidden_size"].value if "hidden_size" in kw else None)
            if hid is not None:
                h = self.code(hid)
                p = kw.get("proj_size")
                if p is None:
                    self.add(
                        "LST502",
                        "add_proj_size",
                        [Edit("add_arg", "Call", rng, self.code(node), f"proj_size={h}")],
                        facts={"layer_config": cfg},
                        **common,
                    )
                else:
                    self.add(
                        "LST502",
                        "raise_proj_size",
                        [
                            Edit(
                                "set_arg",
                                "Arg",
                                self.rng(p),
                                f"proj_size={self.code(p.value)}",
                                f"proj_size={h}",
                            )
                        ],
                        facts={"layer_config": cfg},
                        **common,
                    )


def strip_doubling(e: cst.BaseExpression, code: Any) -> str | None:
    """``2 * h`` -> ``h``; ``h * self.num_directions`` -> ``h``; ``h * n * (1 + bidir)`` -> ``h * n``."""
    factors: list[cst.BaseExpression] = []

    def flat(x: cst.BaseExpression) -> None:
        if isinstance(x, cst.BinaryOperation) and isinstance(x.operator, cst.Multiply) and not x.lpar:
            flat(x.left)
            flat(x.right)
        else:
            factors.append(x)

    flat(e)
    if len(factors) < 2:
        return None
    for i, f in enumerate(factors):
        text = code(f)
        if (
            (isinstance(f, cst.Integer) and f.value == "2")
            or (isinstance(f, cst.Name | cst.Attribute | cst.Call) and DOUBLING.search(text))
            or (bool(f.lpar) and DOUBLING.search(text))
        ):
            rest = [code(x) for j, x in enumerate(factors) if j != i]
            return " * ".join(rest)
    return None


def find_sites(source: str, path: str, traces: Iterable[dict[str, Any]] = ()) -> list[Site]:
    """Every site of every mutator in one file; ``traces``: recurrent calls that torch saw
    (``rnn_trace`` of a run, whose ``built_at`` ties each layer to its constructor's line)."""
    wrapper = MetadataWrapper(cst.parse_module(source))
    sc = Scanner(wrapper, path, list(traces))
    sc.collect()
    wrapper.visit(sc)
    seen: set[tuple[Any, ...]] = set()
    out = []
    for s in sc.sites:
        key = (s.code, s.mutator, tuple(tuple(e.range) for e in s.edits))
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


# ---- applying a recipe ------------------------------------------------------------------------


class _Apply(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def _fix_call(self, original: cst.Call, updated: cst.Call) -> Any:
        # an argument removed on its own line: its line break moves to the argument before it
        removed = []
        for a in original.args:
            p = self.get_metadata(PositionProvider, a, None)
            e = self.edits.get((p.start.line, p.start.column, p.end.line, p.end.column)) if p else None
            removed.append(e is not None and e.op == "remove_arg")
        if any(removed):
            kept = iter(updated.args)
            new_args: list[cst.Arg] = []
            for a, gone in zip(original.args, removed, strict=True):
                if not gone:
                    new_args.append(next(kept))
                elif (
                    isinstance(a.comma, cst.Comma)
                    and new_args
                    and "\n" in cst.Module([]).code_for_node(a.comma)
                ):
                    prev = new_args[-1].comma
                    ws = prev.whitespace_after if isinstance(prev, cst.Comma) else None
                    if isinstance(ws, cst.ParenthesizedWhitespace):  # keep a blank line instead
                        ws = ws.with_changes(empty_lines=[*ws.empty_lines, cst.EmptyLine()])
                        new_args[-1] = new_args[-1].with_changes(comma=prev.with_changes(whitespace_after=ws))
                    else:
                        new_args[-1] = new_args[-1].with_changes(comma=a.comma)
                elif new_args and "\n" in cst.Module([]).code_for_node(a.whitespace_after_arg):
                    new_args[-1] = new_args[-1].with_changes(
                        comma=cst.Comma(whitespace_after=a.whitespace_after_arg)
                    )
            updated = updated.with_changes(args=new_args)
        return updated

    def __init__(self, edits: list[Edit], probed: bool):
        super().__init__()
        self.edits = {tuple(e.range): e for e in edits}
        self.probed = probed
        self.done: set[tuple[int, ...]] = set()

    def on_leave(self, original: cst.CSTNode, updated: Any) -> Any:
        if isinstance(original, cst.Call) and isinstance(updated, cst.Call):
            updated = self._fix_call(original, updated)
        p = self.get_metadata(PositionProvider, original, None)
        if p is None:
            return updated
        key = (p.start.line, p.start.column, p.end.line, p.end.column)
        e = self.edits.get(key)
        if e is None or type(original).__name__ != e.node or key in self.done:
            return updated
        self.done.add(key)
        span = key[2] - key[0]
        if e.op == "replace":
            text = e.probe_after.replace("@K@", "m") if self.probed and e.probe_after else e.after
            if span and "\n" not in text:  # keep the line count: the lines below keep their numbers
                text = "(" + text + "\n" * span + ")"
            return cst.parse_expression(text)
        if e.op == "remove_arg":
            return cst.RemoveFromParent()  # the enclosing call keeps the line breaks (leave_Call)
        if e.op == "set_arg":
            k, v = e.after.split("=", 1)
            return updated.with_changes(value=cst.parse_expression(v))
        if e.op == "add_arg":
            k, v = e.after.split("=", 1)
            args = list(updated.args)
            if args and isinstance(args[-1].comma, cst.Comma):
                pass
            new = cst.Arg(
                value=cst.parse_expression(v),
                keyword=cst.Name(k),
                equal=cst.AssignEqual(
                    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
                ),
            )
            return updated.with_changes(args=[*args, new])
        raise ValueError(f"unknown edit {e.op}")


def apply_edits(source: str, edits: list[Edit], probed: bool = False) -> str:
    """The mutated source; ``probed``: with the inline probes of a proof run (key ``m``)."""
    wrapper = MetadataWrapper(cst.parse_module(source))
    # check the recipe against the file
    pos = wrapper.resolve(PositionProvider)
    found = {}
    for node, p in pos.items():
        found[(type(node).__name__, p.start.line, p.start.column, p.end.line, p.end.column)] = node
    for e in edits:
        node = found.get((e.node, *e.range))
        if node is None:
            raise ValueError(f"no {e.node} at {e.range}: the file is not the one the recipe was made from")
        text = wrapper.module.code_for_node(node)
        if e.op in ("remove_arg", "set_arg"):
            text = f"{node.keyword.value}={wrapper.module.code_for_node(node.value)}"  # type: ignore[attr-defined]
        if (e.before is not None and text != e.before) or (
            e.before is None and e.before_sha1 is not None and sha1(text) != e.before_sha1
        ):
            raise ValueError(f"{e.range}: the {e.node} there is not the one the recipe was made from")
    t = _Apply(edits, probed)
    out = wrapper.visit(t)
    if len(t.done) != len(edits):
        raise ValueError("not every edit applied")
    return out.code


def site_from_record(rec: dict[str, Any]) -> Site:
    s = rec["site"]
    edits = [Edit(**e) for e in s["edits"]]
    return Site(
        rec["code"],
        rec["mutator"],
        rec["path"],
        edits,
        s.get("class"),
        s.get("function"),
        s.get("layer"),
        s.get("ctor_lines", []),
        s.get("focus", []),
        s.get("facts", {}),
    )


def mutant_source(record: dict[str, Any], source: str | None = None) -> str:
    """The mutated text of a stored record, regenerated from the cut file (or ``source``)."""
    if source is None:
        from rc_common import WORK, slug

        source = (WORK / slug(record["repo"]) / record["path"]).read_text()  # the analysed file
    return apply_edits(source, site_from_record(record).edits)


def load_mutants(path: Path = MUTANTS, proven_only: bool = False) -> list[dict[str, Any]]:
    data = load_json(path, {"mutants": []})
    recs = data.get("mutants", [])
    return [r for r in recs if r.get("proven")] if proven_only else recs


def overlaps(a: list[int], b: list[int]) -> bool:
    return not ((a[2], a[3]) <= (b[0], b[1]) or (b[2], b[3]) <= (a[0], a[1]))


def probe_batches(sites: list[Site]) -> list[list[int]]:
    """Indices of sites with a reach probe, in groups whose probes do not overlap."""
    batches: list[list[int]] = []
    for i, s in enumerate(sites):
        if s.reach is None:
            continue
        for b in batches:
            if not any(overlaps(s.reach.range, sites[j].reach.range) for j in b):  # type: ignore[union-attr]
                b.append(i)
                break
        else:
            batches.append([i])
    return batches


def original_with_probes(source: str, sites: list[Site], keys: list[int]) -> str:
    """The original file with the reach probes of ``sites[k]`` (key ``k``) for k in keys."""
    edits = []
    for k in keys:
        r = sites[k].reach
        assert r is not None and r.probe_before
        edits.append(Edit("replace", r.node, r.range, r.before, r.probe_before.replace("@K@", str(k))))
    return apply_edits(source, edits)


# ---- proofs -----------------------------------------------------------------------------------

SHAPE_MSG = (
    r"size|shape|dimension|mat1|mat2|must match|[Ee]xpected|out of range|cannot be multiplied"
    r"|invalid|mismatch|broadcast|too many indices|not enough values|unpack|\dD|dim"
)
CRASH_MSG: dict[str, str] = {
    "LST101": r"mat1 and mat2|size mismatch|input\.size\(-1\) must be equal to input_size|normalized_shape"
    r"|[Ee]xpected .*(channels|size|shape)|cannot be multiplied|must match|running_mean",
    "LST301": r"[Ee]xpected hidden|hidden size|hx|[Ee]xpected .*size|size mismatch|must match|match hidden",
    "LST305": r"[Ee]xpected hidden|hidden size|hx|[Ee]xpected .*size|size mismatch|must match|match hidden",
    "LST401": SHAPE_MSG + r"|matrix|number of dimensions|running_mean|should contain",
    "LST502": r"proj_size has to be smaller than hidden_size",
    "LST402": r"[Tt]arget|batch_size|[Ee]xpected input|size|shape|dimension",
}
DROPOUT_WARNING = "non-zero dropout expects num_layers greater than 1"
CRASH_STAGE = {"LST502": ("construct",)}
CRASH_OK = {
    "LST101",
    "LST201",
    "LST202",
    "LST204",
    "LST301",
    "LST304",
    "LST305",
    "LST401",
    "LST402",
    "LST502",
}


def first(records: dict[str, Any], key: str) -> dict[str, Any] | None:
    calls = records.get(key) or []
    return calls[0] if calls else None


def batch_time(trace: list[dict[str, Any]]) -> tuple[set[int], set[int]]:
    """The batch sizes and time lengths of the recurrent calls torch made."""
    bs: set[int] = set()
    ts: set[int] = set()
    for t in trace:
        cfg = t.get("config", {})
        inp = t.get("input") or {}
        shape = inp.get("t")
        if t.get("type") in CELL_TYPES:
            if shape and len(shape) == 2:
                bs.add(shape[0])
            continue
        if shape and len(shape) == 3:
            bf = cfg.get("batch_first")
            bs.add(shape[0] if bf else shape[1])
            ts.add(shape[1] if bf else shape[0])
        out = t.get("output") or {}
        seq = out.get("seq") or []
        if len(seq) == 2:
            h = seq[1]
            if "seq" in h and h["seq"]:
                h = h["seq"][0]
            if h.get("t") and len(h["t"]) == 3:
                bs.add(h["t"][1])
    return bs, ts


def crash_proof(site: Site, mr: dict[str, Any], pattern: str) -> tuple[dict[str, Any] | None, str]:
    if mr.get("status") != "error":
        return None, "ran"
    e = mr.get("error", {})
    msg = f"{e.get('type')}: {e.get('message', '')}"
    stage = mr.get("stage")
    if stage not in CRASH_STAGE.get(site.code, ("forward", "construct")):
        return None, f"crash at stage {stage}: {msg[:200]}"
    if not re.search(pattern, msg):
        return None, f"crash does not fit the kind: {msg[:200]}"
    stack = [tuple(x) for x in e.get("stack", [])] + [(e.get("file"), e.get("line"))]
    focus = set(site.focus) | set(site.lines) | set(site.ctor_lines)
    hit = [ln for f, ln in stack if f == site.path and ln in focus]
    if not hit:
        return None, f"crash outside the mutated code ({e.get('file')}:{e.get('line')}): {msg[:160]}"
    return {
        "type": "crash",
        "stage": stage,
        "error_type": e.get("type"),
        "message": e.get("message", "")[:400],
        "file": e.get("file"),
        "line": e.get("line"),
        "through_line": hit[-1],
    }, ""


def _drop(shape: list[int], axis: int) -> list[int]:
    return shape[:axis] + shape[axis + 1 :]


def _halves_equal(a: dict[str, Any], b: dict[str, Any], width: int, part: int) -> bool | None:
    va, vb = a.get("values"), b.get("values")
    if va is None or vb is None:
        return None
    half = width // 2
    for row in range(len(va) // width):
        xa = va[row * width + part * half : row * width + (part + 1) * half]
        xb = vb[row * width + part * half : row * width + (part + 1) * half]
        if any(abs(x - y) > 1e-4 for x, y in zip(xa, xb, strict=True)):
            return False
    return True


def silent_proof(
    site: Site, key: int, br: dict[str, Any], pr: dict[str, Any], mr: dict[str, Any]
) -> tuple[dict[str, Any] | None, str]:
    """``br``: the plain original run; ``pr``: the original run with this site's probes
    (key ``key``); ``mr``: the mutant's run with its probes (key ``m``)."""
    code = site.code
    orig = first(pr.get("probes", {}), str(key))
    mut = first(mr.get("probes", {}), "m")
    if code == "LST201":
        ob, mb = first(pr.get("probes", {}), f"{key}.base"), first(mr.get("probes", {}), "m.base")
        if not (orig and mut and ob and mb and "shape" in ob and "shape" in mut and "shape" in orig):
            return None, "the indexed value is not a tensor in both runs"
        s = ob["shape"]
        if len(s) < 2:
            return None, f"the indexed tensor has shape {s}"
        pat = site.facts.get("pattern")
        a_o, a_m = (1, 0) if pat == "T1" else (0, 1)
        bs, ts = batch_time(br.get("rnn_trace", []))
        if not ts:  # step-by-step decoders: the time length is among the driver's input sizes
            ts = set(br.get("_input_sizes", [])) - bs
        if mut["shape"] != _drop(s, a_m) or orig["shape"] != _drop(s, a_o):
            return None, f"shapes {orig['shape']} -> {mut['shape']} from {s}"
        if s[a_m] == s[a_o]:
            return None, f"batch and time have the same size ({s})"
        if s[a_m] not in bs or s[a_o] not in ts:
            return (
                None,
                f"axis {a_m} of {s} is not the batch ({sorted(bs)}) or axis {a_o} not time ({sorted(ts)})",
            )
        return outcome(
            {
                "type": "silent",
                "what": "the index selects along the batch axis instead of time",
                "indexed": s,
                "original": orig["shape"],
                "mutant": mut["shape"],
                "batch": s[a_m],
                "time": s[a_o],
            },
            br,
            mr,
        ), ""
    if code == "LST401":
        if not (orig and mut and "shape" in orig and "shape" in mut):
            return None, "the value is not a tensor"
        bs, ts = batch_time(br.get("rnn_trace", []))
        if not ts:  # step-by-step decoders: the time length is among the driver's input sizes
            ts = set(br.get("_input_sizes", [])) - bs
        o, m = orig["shape"], mut["shape"]
        axis = 0 if site.facts.get("pattern") == "T0" else 1
        if len(m) != len(o) + 1 or _drop(m, axis) != o:
            return None, f"shapes {o} -> {m}"
        t = m[axis]
        if t <= 1 or t in bs or (ts and t not in ts):
            return None, f"the axis kept ({t}) is not the time axis (batch {sorted(bs)}, time {sorted(ts)})"
        if mr.get("status") == "ok" and mr.get("output") == br.get("output"):
            return None, "no effect: the output is unchanged"
        proof = {
            "type": "silent",
            "what": "the whole sequence reaches the head: a time axis is kept",
            "original": o,
            "mutant": m,
            "time": t,
        }
        if mr.get("status") == "ok":
            proof.update({"output_before": br.get("output"), "output_after": mr.get("output")})
        return outcome(proof, br, mr), ""
    if code == "LST302":
        if not (orig and mut and "shape" in orig and "shape" in mut):
            return None, "the state is not a tensor"
        if orig["shape"] != mut["shape"]:
            return None, f"shapes differ {orig['shape']} -> {mut['shape']}"
        if orig.get("sum") == mut.get("sum") and orig.get("values") == mut.get("values"):
            return None, "the first layer's state equals the last layer's"
        layers = site.facts.get("layer_config", {}).get("num_layers")
        return {
            "type": "silent",
            "what": f"reads layer 0 of {layers} instead of the top layer",
            "shape": mut["shape"],
            "sum_before": orig.get("sum"),
            "sum_after": mut.get("sum"),
        }, ""
    if code == "LST304":
        if not (orig and mut and "shape" in orig and "shape" in mut):
            return None, "the state is not a tensor"
        o, m = orig["shape"], mut["shape"]
        if len(o) == len(m) == 2 and o[1] == m[1] and o[0] and m[0] % o[0] == 0 and m[0] // o[0] > 1:
            return outcome(
                {
                    "type": "silent",
                    "what": f"{m[0] // o[0]} rows per sample: layers and directions folded into the batch",
                    "original": o,
                    "mutant": m,
                },
                br,
                mr,
            ), ""
        return None, f"shapes {o} -> {m}"
    if code in ("LST202", "LST303"):
        if not (orig and mut and "shape" in orig and "shape" in mut):
            return None, "the summary is not a tensor"
        o, m = orig["shape"], mut["shape"]
        if site.mutator == "cat_directions_to_last":
            if len(o) == len(m) and o[:-1] == m[:-1] and o[-1] == 2 * m[-1]:
                return outcome(
                    {
                        "type": "silent",
                        "what": "one direction's final state where both were read",
                        "original": o,
                        "mutant": m,
                    },
                    br,
                    mr,
                ), ""
            return None, f"shapes {o} -> {m}"
        if o != m or not o:
            return None, f"shapes {o} -> {m}"
        fwd = _halves_equal(orig, mut, o[-1], 0)
        bwd = _halves_equal(orig, mut, o[-1], 1)
        if fwd and bwd is False:
            return {
                "type": "silent",
                "what": "the forward half equals the final forward state; the backward "
                "half is the backward direction after one step, not its final state",
                "shape": o,
            }, ""
        return None, f"forward half equal: {fwd}, backward half equal: {bwd}"
    if code == "LST203":
        if not (orig and mut and "zero_rows" in mut):
            return None, "the summary is not a float tensor"
        zr = [i for i, z in enumerate(mut["zero_rows"]) if z]
        if zr and not any(orig.get("zero_rows", [])):
            return {
                "type": "silent",
                "what": "the last padded step is zeros for the shorter sequences",
                "zero_rows": zr,
                "shape": mut.get("shape"),
            }, ""
        return None, f"zero rows {zr}"
    if code == "LST204":
        ctor = set(site.ctor_lines)
        before = [
            t for t in br.get("rnn_trace", []) if t["built_at"][0] == site.path and t["built_at"][1] in ctor
        ]
        after = [
            t for t in mr.get("rnn_trace", []) if t["built_at"][0] == site.path and t["built_at"][1] in ctor
        ]
        if before and after:
            sb, sa = (before[0].get("input") or {}).get("t"), (after[0].get("input") or {}).get("t")
            if (
                sb
                and sa
                and sb == sa
                and after[0]["config"].get("batch_first") is False
                and before[0]["config"].get("batch_first") is True
                and sa[0] != sa[1]
            ):
                return {
                    "type": "silent",
                    "what": "the RNN reads axis 0 as time and axis 1 as batch",
                    "input": sa,
                    "time_read": sa[0],
                    "batch_read": sa[1],
                    "output_before": before[0].get("output"),
                    "output_after": after[0].get("output"),
                }, ""
            if "packed" in (before[0].get("input") or {}):
                return None, "the layer reads a PackedSequence: batch_first changes nothing"
            return None, f"input {sb} -> {sa}"
        return None, "the layer was not called in both runs"
    if code == "LST205":
        pk = [t for t in br.get("rnn_trace", []) if "packed" in (t.get("input") or {})]
        if not pk:
            return None, "no packed call in the original"
        if mr.get("status") != "ok":
            return None, "the mutant crashed"
        for t in pk:
            n = t["input"]["packed"]["t"][0]
            same = [u for u in mr.get("rnn_trace", []) if u["built_at"] == t["built_at"]]
            if same and (same[0].get("input") or {}).get("t"):
                s = same[0]["input"]["t"]
                if len(s) == 3 and s[0] * s[1] > n:
                    return {
                        "type": "silent",
                        "what": "the RNN reads the padding as data",
                        "steps_before": n,
                        "steps_after": s[0] * s[1],
                        "input_after": s,
                    }, ""
        return None, "the RNN did not read more steps"
    if code == "LST501":
        w = [x for x in mr.get("warnings", []) if DROPOUT_WARNING in x]
        if w and not any(DROPOUT_WARNING in x for x in br.get("warnings", [])):
            return {"type": "warning", "warning": w[0]}, ""
        return None, "no dropout warning"
    return None, "no silent effect checked for this kind"


def outcome(proof: dict[str, Any], br: dict[str, Any], mr: dict[str, Any]) -> dict[str, Any]:
    """A probe proved the effect at the mutated line; say what the run did next."""
    if mr.get("status") == "error":
        e = mr.get("error", {})
        proof["type"] = "crash"
        proof.update(
            {
                "stage": mr.get("stage"),
                "error_type": e.get("type"),
                "message": str(e.get("message", ""))[:400],
                "file": e.get("file"),
                "line": e.get("line"),
            }
        )
    else:
        proof["output_changed"] = mr.get("output") != br.get("output")
    return proof


PROBE_ONLY = {"LST201", "LST202", "LST203", "LST302", "LST304", "LST401"}


def input_sizes(drv: ClassDriver | None) -> set[int]:
    """Every size in the driver's input specs (the time length among them)."""
    from rc_common import TENSOR_SPEC

    out: set[int] = set()

    def walk(v: Any) -> None:
        if isinstance(v, str):
            m = TENSOR_SPEC.match(v)
            if m:
                out.update(int(d) for d in m.group(2).split(",") if d.strip())
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    if drv is not None:
        walk(drv.spec.get("inputs", []))
        walk(drv.spec.get("input_kwargs", {}))
    return out


def prove(
    site: Site,
    key: int,
    br: dict[str, Any],
    pr: dict[str, Any],
    mr: dict[str, Any],
    drv: ClassDriver | None = None,
) -> tuple[dict[str, Any] | None, str]:
    br = {**br, "_input_sizes": sorted(input_sizes(drv))}
    proof, why = silent_proof(site, key, br, pr, mr)
    if proof is not None:
        return proof, ""
    if site.code in CRASH_OK and site.code not in PROBE_ONLY:
        cp, cwhy = crash_proof(site, mr, CRASH_MSG.get(site.code, SHAPE_MSG))
        if cp is not None:
            return cp, ""
        if mr.get("status") == "error":
            why = cwhy
    if mr.get("status") == "ok" and mr.get("output") == br.get("output") and why.startswith("no silent"):
        why = "no effect: the output is unchanged"
    return None, why


# ---- the run ------------------------------------------------------------------------------------


STORED_FACTS = {"layer_config", "pattern", "bf", "k", "layer_type", "layer"}  # no repository text


def record_of(site: Site, drv: ClassDriver | None, repo: str) -> dict[str, Any]:
    return {
        "id": site.id,
        "repo": repo,
        "commit": drv.commit if drv else None,
        "class_id": drv.id if drv else None,
        "driver_path": drv.path if drv else site.path,
        "path": site.path,
        "kind": site.kind,
        "code": site.code,
        "expected_code": site.code,
        "mutator": site.mutator,
        "line": site.line,
        "column": site.col,
        "mutated_lines": site.lines,
        "site": {
            "class": site.cls,
            "function": site.func,
            "layer": site.layer,
            "edits": [e.recipe() for e in site.edits],
            "ctor_lines": site.ctor_lines,
            "focus": site.focus,
            "facts": {k: v for k, v in site.facts.items() if k in STORED_FACTS},
        },
        "proven": False,
        "proof": None,
        "reason": None,
    }


def _ok_classes(only: list[str]) -> list[ClassDriver]:
    truth = load_truth()
    out = []
    for c in all_classes():
        if only and not any(o == c.id or o == c.repo or o in c.id for o in only):
            continue
        if truth.get(c.id, {}).get("status") == "ok" and c.file.is_file():
            out.append(c)
    return out


class RunCache:
    """Runs keyed by (class, driver, the text torch ran): a rerun after a change of the proof
    logic runs only what changed.  Kept in a git-ignored file (``--cache``)."""

    def __init__(self, path: Path | None):
        import threading

        self.path = path
        self.data: dict[str, Any] = load_json(path, {}) if path else {}
        self.data = {k: v for k, v in self.data.items() if v.get("stage") != "import"}
        # runs stored before notebooks' mutants were named after their extracted .py
        self.data = {k: v for k, v in self.data.items() if ".ipynb" not in json.dumps(v)}
        self.lock = threading.Lock()
        self.new = 0

    def run(self, drv: ClassDriver, source: str | None, timeout: float) -> dict[str, Any]:
        import hashlib
        import json

        import proofs

        text = source if source is not None else drv.file.read_text()
        blob = json.dumps([drv.id, drv.spec, text, source is None], sort_keys=True)
        key = hashlib.sha256(blob.encode()).hexdigest()
        with self.lock:
            if key in self.data:
                return self.data[key]
        res = proofs.run(drv, source, timeout)
        if res.get("stage") in ("timeout", "child"):  # the machine's load, not the code: not kept
            return res
        with self.lock:
            self.data[key] = res
            self.new += 1
            if self.path and self.new % 25 == 0:
                dump_json(self.path, self.data)
        return res

    def save(self) -> None:
        if self.path:
            with self.lock:
                dump_json(self.path, self.data)


def run_all(
    classes: list[ClassDriver],
    kinds: list[str],
    limit: int | None,
    jobs: int,
    timeout: float,
    list_only: bool = False,
    log: Any = sys.stderr,
    cache: RunCache | None = None,
) -> dict[str, Any]:
    import proofs

    cache = cache or RunCache(None)
    proofs.use_servers(max(1, jobs))
    try:
        return _run_all(classes, kinds, limit, jobs, timeout, list_only, log, cache)
    finally:
        proofs.close_servers()


def _run_all(
    classes: list[ClassDriver],
    kinds: list[str],
    limit: int | None,
    jobs: int,
    timeout: float,
    list_only: bool,
    log: Any,
    cache: RunCache,
) -> dict[str, Any]:
    import proofs

    t0 = time.time()
    by_file: dict[tuple[str, str], list[ClassDriver]] = defaultdict(list)
    for c in classes:
        by_file[(c.repo, proofs.analysed_path(c))].append(c)
    pool = ThreadPoolExecutor(max(1, jobs))
    # 1. every class as cut, with the recurrent layers' trace
    base = dict(
        zip([c.id for c in classes], pool.map(lambda c: cache.run(c, None, timeout), classes), strict=True)
    )
    skipped = {
        cid: r.get("error", {}).get("message", r.get("status"))
        for cid, r in base.items()
        if r.get("status") != "ok"
    }
    for cid, why in skipped.items():
        print(f"skip {cid}: the original does not run here ({str(why)[:120]})", file=log)
    # 2. the sites of every file
    plans: list[tuple[tuple[str, str], str, list[Site], list[ClassDriver]]] = []
    for key, cls in sorted(by_file.items()):
        cls = [c for c in cls if c.id not in skipped]
        if not cls:
            continue
        src = cls[0].file.read_text()
        traces = [t for c in cls for t in base[c.id].get("rnn_trace", []) + base[c.id].get("rnn_built", [])]
        try:
            sites = find_sites(src, key[1], traces)
        except Exception as exc:  # noqa: BLE001 - a file libcst cannot read
            print(f"skip {key}: {exc!r}"[:200], file=log)
            continue
        if kinds:
            sites = [s for s in sites if s.code in kinds]
        plans.append((key, src, sites, cls))
    if limit is not None:
        count: Counter[str] = Counter()
        for i, (key, src, sites, cls) in enumerate(plans):
            keep = []
            for s in sites:
                if count[s.code] < limit:
                    count[s.code] += 1
                    keep.append(s)
            plans[i] = (key, src, keep, cls)
    n_sites = sum(len(p[2]) for p in plans)
    print(f"{len(classes)} classes, {len(plans)} files, {n_sites} sites", file=log)
    if list_only:
        for key, _, sites, _ in plans:
            for s in sites:
                print(f"{key[0]}:{s.id}  {s.edits[0].before[:60]!r} -> {s.edits[0].after[:60]!r}", file=log)
        return {}
    # 3. the originals with the reach probes of every site, per class
    probe_jobs = []
    for pi, (_key, src, sites, cls) in enumerate(plans):
        for b in probe_batches(sites):
            text = original_with_probes(src, sites, b)
            for c in cls:
                probe_jobs.append((pi, tuple(b), c, text))
    probe_res = list(pool.map(lambda j: cache.run(j[2], j[3], timeout), probe_jobs))
    reached: dict[tuple[int, int], list[tuple[ClassDriver, dict[str, Any]]]] = defaultdict(list)
    for (pi, b, c, _), r in zip(probe_jobs, probe_res, strict=True):
        for k in b:
            if str(k) in r.get("probes", {}):
                reached[(pi, k)].append((c, r))
    # 4. the mutants
    tasks = []
    records: list[dict[str, Any]] = []
    for pi, (key, src, sites, cls) in enumerate(plans):
        for k, s in enumerate(sites):
            cands: list[tuple[ClassDriver, dict[str, Any]]]
            if s.reach is not None:
                cands = reached.get((pi, k), [])
            else:
                lines = set(s.ctor_lines)
                cands = (
                    [
                        (c, base[c.id])
                        for c in cls
                        if any(
                            b["built_at"][0] == key[1] and b["built_at"][1] in lines
                            for b in base[c.id].get("rnn_built", [])
                        )
                    ]
                    if lines
                    else [(c, base[c.id]) for c in cls]
                )
            cands.sort(key=lambda cr: (cr[0].cls != s.cls, cr[0].id))
            rec = record_of(s, cands[0][0] if cands else None, key[0])
            records.append(rec)
            if not cands:
                rec["reason"] = "not reached by any driven class"
                continue
            tasks.append((rec, s, k, cands[0][0], cands[0][1], src))

    def one(task: tuple[Any, ...]) -> None:
        rec, s, k, c, pr, src = task
        try:
            text = apply_edits(src, s.edits, probed=True)
        except Exception as exc:  # noqa: BLE001
            rec["reason"] = f"recipe does not apply: {exc!r}"[:200]
            return
        mr = cache.run(c, text, timeout)
        proof, why = prove(s, k, base[c.id], pr, mr, c)
        rec["proven"] = proof is not None
        rec["proof"] = proof
        rec["reason"] = None if proof else why
        rec["mutant_status"] = mr.get("status")
        if mr.get("status") == "error":
            e = mr.get("error", {})
            rec["mutant_error"] = {
                "stage": mr.get("stage"),
                "type": e.get("type"),
                "message": str(e.get("message", ""))[:300],
                "line": e.get("line"),
                "file": e.get("file"),
            }
        print(
            f"{'PROVEN' if proof else 'no    '} {rec['id']} [{c.cls}] "
            f"{(proof or {}).get('type', '') or why[:100]}",
            file=log,
        )

    list(pool.map(one, tasks))
    pool.shutdown()
    cache.save()
    proofs.cleanup(classes)
    return {
        "records": records,
        "seconds": round(time.time() - t0, 1),
        "classes": len(classes),
        "files": len(plans),
        "skipped": skipped,
    }


def prove_sites(
    drv: ClassDriver, sites: list[Site], source: str | None = None, timeout: float = 120
) -> list[tuple[dict[str, Any] | None, str]]:
    """Run and prove ``sites`` of ``drv``'s file with one driver (the API the tests use):
    one run of the original, one per batch of reach probes, one per mutant."""
    import proofs

    source = drv.file.read_text() if source is None else source
    proofs.use_servers(1)
    try:
        return _prove_sites(drv, sites, source, timeout)
    finally:
        proofs.close_servers()


def _prove_sites(
    drv: ClassDriver, sites: list[Site], source: str, timeout: float
) -> list[tuple[dict[str, Any] | None, str]]:
    import proofs

    br = proofs.run(drv, None, timeout)
    if br.get("status") != "ok":
        return [(None, f"the original does not run: {br.get('error')}")] * len(sites)
    pr_by: dict[int, dict[str, Any]] = {}
    for b in probe_batches(sites):
        pr = proofs.run(drv, original_with_probes(source, sites, b), timeout)
        pr_by.update({k: pr for k in b})
    out: list[tuple[dict[str, Any] | None, str]] = []
    for k, s in enumerate(sites):
        pr = pr_by.get(k, br)
        if s.reach is not None and str(k) not in pr.get("probes", {}):
            out.append((None, "not reached by the driver"))
            continue
        mr = proofs.run(drv, apply_edits(source, s.edits, probed=True), timeout)
        out.append(prove(s, k, br, pr, mr, drv))
    return out


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    by: dict[str, dict[str, Any]] = {}
    for code in sorted({r["code"] for r in records}):
        rs = [r for r in records if r["code"] == code]
        ran = [r for r in rs if r.get("mutant_status")]
        pv = [r for r in rs if r["proven"]]
        by[code] = {
            "kind": KINDS[code],
            "sites": len(rs),
            "ran": len(ran),
            "proven": len(pv),
            "proof_types": dict(Counter(r["proof"]["type"] for r in pv)),
            "mutators": dict(Counter(r["mutator"] for r in pv)),
            "rejected": dict(Counter(_reason_class(r["reason"]) for r in rs if not r["proven"])),
        }
    proven = [r for r in records if r["proven"]]
    return {
        "sites": len(records),
        "ran": sum(1 for r in records if r.get("mutant_status")),
        "proven": len(proven),
        "kinds_proven": sum(1 for v in by.values() if v["proven"]),
        "classes_with_proven": len({r["class_id"] for r in proven}),
        "repos_with_proven": len({r["repo"] for r in proven}),
        "by_kind": by,
    }


def _reason_class(why: str | None) -> str:
    if not why:
        return "?"
    for pat, name in [
        ("not reached", "not reached"),
        ("no effect", "no effect"),
        ("does not fit", "crash message does not fit"),
        ("outside the mutated", "crash elsewhere"),
        ("stage", "crash in another stage"),
        ("same size", "batch == time"),
        ("not a tensor", "not a tensor"),
        ("not the batch", "axes are not batch/time"),
        ("recipe", "recipe error"),
        ("not called", "layer not called"),
        ("axis kept", "kept axis is not time"),
        ("PackedSequence", "packed input: batch_first has no effect"),
        ("shapes", "shape change not of the kind"),
        ("input [", "input read the same way"),
        ("did not read more", "no padding read"),
        ("no packed call", "no packed call in the original"),
        ("mutant crashed", "crash (a silent kind)"),
    ]:
        if pat in why:
            return name
    return why.split(":")[0][:60]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", action="append", default=[], help="a class id, a repository or a path fragment")
    ap.add_argument("--kind", action="append", default=[], help="a code (LST201) or a kind name")
    ap.add_argument("--limit", type=int, default=None, help="at most N sites per kind")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--list", action="store_true", help="list the sites, run nothing")
    ap.add_argument("--write", action="store_true", help="write the results even when filtered")
    ap.add_argument("--out", type=Path, default=MUTANTS)
    ap.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="reuse the runs stored in this JSON file (e.g. benchmarks/realcode/work/.mutate_runs.json)",
    )
    a = ap.parse_args(argv)
    names = {v: k for k, v in KINDS.items()}
    kinds = [names.get(k, k) for k in a.kind]
    classes = _ok_classes(a.only)
    res = run_all(classes, kinds, a.limit, a.jobs, a.timeout, a.list, cache=RunCache(a.cache))
    if a.list:
        return 0
    records = sorted(res["records"], key=lambda r: r["id"])
    summary = summarize(records)
    summary.update(
        {
            "classes": res["classes"],
            "files": res["files"],
            "seconds": res["seconds"],
            "skipped_classes": res["skipped"],
        }
    )
    print(
        f"{summary['proven']} proven of {summary['sites']} sites ({summary['ran']} run) "
        f"over {summary['kinds_proven']} kinds",
        file=sys.stderr,
    )
    for code, v in summary["by_kind"].items():
        print(
            f"  {code} {v['kind']:34} sites {v['sites']:4}  ran {v['ran']:4}  proven {v['proven']:4}  "
            f"{v['proof_types']}  rejected {v['rejected']}",
            file=sys.stderr,
        )
    if not (a.only or a.kind or a.limit) or a.write:
        import torch

        dump_json(a.out, {"summary": summary, "torch": torch.__version__, "mutants": records})
    return 0


if __name__ == "__main__":
    sys.exit(main())
