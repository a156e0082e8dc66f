"""`lstm-lint shapes`: every module's forward signature with symbolic or concrete shapes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from .analyze import FileAnalysis, ModuleShapes, analyze_module
from .configurations import configurations
from .discover import UsageError
from .extract import ClassInfo, FileModel
from .positions import locate
from .project import Project
from .script_analysis import analyze_script
from .symbolic import const
from .values import UNKNOWN, Build, Const, Int, Packed, Record, Seq, Shape, Tensor, Value

_TENSOR_SPEC = re.compile(r"^\s*([a-z]+[0-9]*)\s*\[([^\]]*)\]\s*$")
_DTYPES = {"float": "float", "float16": "float", "float32": "float", "float64": "float",
           "bfloat16": "float", "half": "float", "double": "float", "int": "int", "int8": "int",
           "int16": "int", "int32": "int", "int64": "int", "long": "int", "uint8": "int",
           "bool": "bool"}


def parse_spec(spec: str) -> Value:
    """``float32[32,50,10]``, ``(spec,spec)``, ``none`` or a JSON literal."""
    s = spec.strip()
    if s.lower() == "none":
        return Const(None)
    if s.startswith("(") and s.endswith(")"):
        return Seq(tuple(parse_spec(p) for p in split_top(s[1:-1]) if p.strip()))
    m = _TENSOR_SPEC.match(s)
    if m:
        dtype = _DTYPES.get(m.group(1))
        if dtype is None:
            raise UsageError(f"unknown dtype {m.group(1)!r} in input spec {spec!r}")
        dims = []
        for d in m.group(2).split(","):
            if not d.strip():
                continue
            try:
                n = int(d)
            except ValueError:
                raise UsageError(f"input spec {spec!r}: {d.strip()!r} is not an int") from None
            if n < 0:
                raise UsageError(f"input spec {spec!r}: a size cannot be negative ({n})")
            dims.append(const(n))
        return Tensor(Shape(tuple(dims)), dtype)
    from .given_values import input_form, input_spec, spec_value

    if (form := input_form(s)) is not s:
        # one of the table's forms of an input (``{"dict": {"x": "float32[4,9,2]"}}``)
        return spec_value(input_spec(form, f"input spec {spec!r}"))
    try:
        return from_json(json.loads(s))
    except json.JSONDecodeError:
        raise UsageError(f"cannot read input spec {spec!r}: expected e.g. float32[32,50,10], "
                         "(spec,spec), none, or a JSON literal") from None


def split_top(s: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def from_json(v: Any, fm: FileModel | None = None) -> Value:
    """A JSON constructor argument as a value; ``{"expr": "nn.LSTM"}`` is an expression read
    as the file ``fm`` names things (see :mod:`lstm_lint.arg_exprs`), ``{"tensor":
    "float32[50,300]"}`` a tensor of that shape."""
    if isinstance(v, bool) or v is None or isinstance(v, float | str):
        return Const(v)
    if isinstance(v, int):
        return Int(const(v))
    if isinstance(v, list):
        return Seq(tuple(from_json(i, fm) for i in v), True)
    if isinstance(v, dict) and set(v) == {"expr"} and isinstance(v["expr"], str):
        from .arg_exprs import expr_value

        return expr_value(v["expr"], fm)
    if isinstance(v, dict) and set(v) == {"tensor"}:
        # a tensor given as an input spec (``{"tensor": "float32[50,300]"}``), or a table of
        # one with its values (``{"tensor": {"spec": "int64[4]", "values": [...]}}``)
        spec = v["tensor"].get("spec") if isinstance(v["tensor"], dict) else v["tensor"]
        try:
            t = parse_spec(spec) if isinstance(spec, str) else UNKNOWN
        except UsageError:
            return UNKNOWN
        return t if isinstance(t, Tensor) else UNKNOWN
    if isinstance(v, dict) and isinstance(v.get("new"), str) \
            and set(v) <= {"new", "module", "args", "kwargs"} \
            and isinstance(v.get("args", []), list) and isinstance(v.get("kwargs", {}), dict) \
            and isinstance(v.get("module", ""), str):
        # an object built with known arguments: {"new": "Attention", "args": [512, 512]}
        return Build(v["new"], v.get("module"),
                     tuple(from_json(a, fm) for a in v.get("args", [])),
                     tuple((str(k), from_json(a, fm)) for k, a in v.get("kwargs", {}).items()))
    if isinstance(v, dict):  # a configuration object: attribute and key access
        return Record(tuple((str(k), from_json(x, fm)) for k, x in v.items()))
    return UNKNOWN


def value_json(v: Value) -> Any:
    if isinstance(v, Tensor):
        return v.shape.to_json() if v.shape is not None else None
    if isinstance(v, Packed):
        return value_json(v.data)
    if isinstance(v, Seq) and v.repeated is None:
        return [value_json(i) for i in v.items]
    if isinstance(v, Record):
        return {k: value_json(x) for k, x in v.fields}
    return None


def value_text(v: Value) -> str:
    if isinstance(v, Tensor):
        return v.shape.render() if v.shape is not None else "unknown"
    if isinstance(v, Packed):
        return f"PackedSequence{value_text(v.data)}"
    if isinstance(v, Seq) and v.repeated is None:
        return "(" + ", ".join(value_text(i) for i in v.items) + ")"
    if isinstance(v, Const):
        return repr(v.value)
    if isinstance(v, Int):
        return f"int {v.expr}" if v.expr is not None else "int"
    if isinstance(v, Record):
        return "{" + ", ".join(f"{k!r}: {value_text(x)}" for k, x in v.fields) + "}"
    return "unknown"


@dataclass
class ShapesResult:
    path: str
    cls: str
    line: int
    result: ModuleShapes
    #: forward parameters that took their default: name -> the default's source (``None``)
    defaults: dict[str, str] = field(default_factory=dict)
    #: what the path to the output crosses that PyTorch rejects: (line, sentence)
    conflicts: list[tuple[int, str]] = field(default_factory=list)
    #: the concrete configurations the code builds the class with (its literal defaults, the
    #: instantiations of this file and of scripts beside it): (label, analysis under it)
    configurations: list[tuple[str, ModuleShapes]] = field(default_factory=list)


@dataclass
class Signature:
    """A ``def``'s parameters (without ``self``), enough to bind a call the way Python does."""

    title: str  # ``MyLSTM(input_size, hidden_size=20)``
    positional: list[str]  # positional-only and positional-or-keyword, in order
    posonly: set[str]
    kwonly: list[str]
    defaults: dict[str, str]  # name -> default's source
    star: bool  # *args
    starstar: bool  # **kwargs

    @staticmethod
    def of(fn: cst.FunctionDef, owner: FileModel, name: str) -> Signature:
        posonly = [p for p in fn.params.posonly_params]
        plain = [p for p in fn.params.params]
        pos = (posonly + plain)[1:]  # self
        kwonly = list(fn.params.kwonly_params)
        code = owner.module.code_for_node
        defaults = {p.name.value: code(p.default) for p in pos + kwonly if p.default is not None}
        star = isinstance(fn.params.star_arg, cst.Param)
        starstar = fn.params.star_kwarg is not None
        shown = [p.name.value + (f"={defaults[p.name.value]}" if p.name.value in defaults else "")
                 for p in pos]
        if star:
            shown.append("*" + fn.params.star_arg.name.value)  # type: ignore[union-attr]
        elif kwonly:
            shown.append("*")
        shown += [p.name.value + (f"={defaults[p.name.value]}" if p.name.value in defaults else "")
                  for p in kwonly]
        if starstar:
            shown.append("**" + fn.params.star_kwarg.name.value)  # type: ignore[union-attr]
        return Signature(f"{name}({', '.join(shown)})", [p.name.value for p in pos],
                         {p.name.value for p in posonly[1:] if posonly}, [p.name.value for p in kwonly],
                         defaults, star, starstar)

    def bind(self, n_args: int, keywords: list[str], flag: str, unit: str = "argument") -> None:
        """Check a call with ``n_args`` positional values and these keywords; a call Python
        would refuse is a usage error (one line)."""
        def plural(n: int) -> str:
            return f"{n} {unit}" + ("" if n == 1 else "s")

        if n_args > len(self.positional) and not self.star:
            if self.kwonly and unit == "argument":
                unit = "positional argument"
            given = f"{n_args} were given" if n_args != 1 else "1 was given"
            raise UsageError(f"{flag}: {self.title} takes {plural(len(self.positional))} "
                             f"but {given}")
        bound = set(self.positional[:n_args])
        for k in keywords:
            if k in self.posonly:
                raise UsageError(f"{flag}: {self.title}: {k!r} is positional-only")
            if k in bound:
                raise UsageError(f"{flag}: {self.title} got two values for {k!r}")
            if k not in self.positional and k not in self.kwonly and not self.starstar:
                raise UsageError(f"{flag}: {self.title} has no parameter {k!r}")
            bound.add(k)
        missing = [p for p in self.positional + self.kwonly
                   if p not in bound and p not in self.defaults]
        if missing:
            raise UsageError(f"{flag}: {self.title} is missing {', '.join(missing)}")


def load_project(path: str, exclude: list[str] | None = None
                 ) -> tuple[list[FileModel], int, Project]:
    """The files under ``path`` (for ``shapes`` and ``graph``), the number that could not be
    read (reported on stderr), and the project they belong to, whose index finds a base class
    in another file (see :mod:`lstm_lint.project`)."""
    import os

    from .discover import discover
    from .findings import Finding
    from .lint import load, load_models

    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file or directory")
    targets = list(discover([path], exclude or []))
    models, bad = load_models(targets)
    # a file that never mentions torch may still derive from a module class in another file
    have = {fm.path for fm in models}
    for t in targets:
        if t not in have and _subclasses(t):
            loaded = load(t, prefilter=False)
            if loaded is not None and not isinstance(loaded, Finding):
                models.append(loaded)
    return models, bad, Project(targets, loaded=models)


_SUBCLASS = re.compile(r"^[ \t]*class\s+\w+\s*\(\s*[A-Za-z_]", re.MULTILINE)


def _subclasses(path: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return _SUBCLASS.search(fh.read()) is not None
    except OSError:
        return False


def signatures(fm: FileModel, cls: ClassInfo, project: Project
               ) -> tuple[Signature | None, Signature | None]:
    """The real ``__init__`` and ``forward`` of a class (inherited ones too)."""
    from .dataflow import Dataflow
    from .infer import Interpreter

    interp = Interpreter(fm, Dataflow(), project)
    out: list[Signature | None] = []
    for method, title in (("__init__", cls.name), ("forward", f"{cls.name}.forward")):
        found = interp.find_method(cls, fm, method)
        out.append(Signature.of(found[0], found[1], title) if found is not None else None)
    return out[0], out[1]


def shapes_for(fm: FileModel, project: Project, class_name: str | None, args_json: str | None,
               inputs: list[str] | None, *, check_signatures: bool = True) -> list[ShapesResult]:
    """Each module class of ``fm`` (or only ``class_name``), analysed symbolically or with the
    given constructor arguments (``args_json``) and forward inputs (``inputs``, one spec each).

    ``check_signatures``: bind ``--args``/``--input`` against the real ``__init__`` and
    ``forward`` first, so that a call Python would refuse is a :class:`UsageError`.
    """
    project.add(fm)
    project.resolve(fm)
    classes = fm.module_classes()
    if class_name is not None:
        classes = [c for c in classes if c.name == class_name]
    args: list[Value] | None = None
    kwargs: dict[str, Value] | None = None
    if args_json is not None:
        try:
            raw = json.loads(args_json)
        except json.JSONDecodeError as exc:
            raise UsageError(f"--args is not valid JSON: {exc}") from None
        if isinstance(raw, list):
            args = [from_json(a, fm) for a in raw]
        elif isinstance(raw, dict):
            kwargs = {str(k): from_json(a, fm) for k, a in raw.items()}
        else:
            raise UsageError("--args must be a JSON list or object")
    in_vals = [parse_spec(s) for s in inputs] if inputs else None
    spans = locate(fm.module, [c.node.name for c in classes])
    out = []
    for c in classes:
        init_sig, fwd_sig = signatures(fm, c, project)
        if check_signatures:
            hint = " (pick one class with --class)" if class_name is None and len(classes) > 1 \
                else ""
            try:
                if args is not None or kwargs is not None:
                    if init_sig is not None:
                        init_sig.bind(len(args or []), list(kwargs or {}), "--args")
                    elif args or kwargs:
                        raise UsageError(f"--args: {c.name}() takes no arguments")
                if in_vals is not None and fwd_sig is not None:
                    fwd_sig.bind(len(in_vals), [], "--input", unit="input")
            except UsageError as exc:
                raise UsageError(f"{exc}{hint}") from None
        res = analyze_module(fm, c, project, args, kwargs, in_vals,
                             config_defaults=args is not None or kwargs is not None)
        span = spans.get(id(c.node.name))
        given = len(in_vals) if in_vals is not None else 0
        defaults = {}
        if fwd_sig is not None:
            defaults = {n: d for n, d in fwd_sig.defaults.items()
                        if n in fwd_sig.positional[given:]}
        out.append(ShapesResult(fm.path, c.name, span.line if span else 1, res, defaults,
                                located_conflicts(res)))
    if args is None and kwargs is None and in_vals is None:
        _add_configurations(fm, project, out)
    return out


def _add_configurations(fm: FileModel, project: Project, results: list[ShapesResult]) -> None:
    """Attach the configurations the code builds each class with (what a symbolic answer
    leaves open: sizes, layer counts, flags), each analysed, as ``check`` analyses them."""
    from .index import builds_a_model

    fa = FileAnalysis(fm, [r.result for r in results])
    if builds_a_model(fm.text, [c.name for c in fm.module_classes()], fm.imports):
        fa.script, fa.instantiations = analyze_script(fm, project)
    by_class = {r.cls: r for r in results}
    for ctx in configurations(fa, project):
        for ms in ctx.analysis.modules:
            r = by_class.get(ms.cls.name)
            if r is not None:
                r.configurations.append((ctx.label, ms))


def _inputs(r: ShapesResult) -> list[tuple[str, Value | None, str | None]]:
    """(name, value, default source) per forward parameter; a defaulted one may have no value
    (not passed under ``--input``)."""
    values = dict(zip(r.result.input_names, r.result.inputs, strict=False))
    out: list[tuple[str, Value | None, str | None]] = []
    for n in r.result.input_names:
        if n in values or n in r.defaults:
            out.append((n, values.get(n), r.defaults.get(n)))
    return out


def as_json(results: list[ShapesResult]) -> list[dict[str, Any]]:
    """Dims are ints or strings; ``null`` is an unknown size (or an unknown shape), ``"*"``
    unknown leading axes.  A parameter left at its default carries ``default`` (its source)."""
    docs = []
    for r in results:
        ins = []
        for n, v, default in _inputs(r):
            entry: dict[str, Any] = {"name": n, "shape": value_json(v) if v is not None else None}
            if default is not None:
                entry["default"] = default
            ins.append(entry)
        docs.append({"path": r.path, "class": r.cls, "line": r.line, "inputs": ins,
                     "output": value_json(r.result.output),
                     "constraints": r.result.constraints,
                     "assumed": list(r.result.assumed),
                     "conflicts": [{"line": ln, "message": m} for ln, m in r.conflicts],
                     "configurations": [
                         {"label": label, "inputs": [value_json(v) for v in ms.inputs],
                          "output": value_json(ms.output), "constraints": ms.constraints,
                          "conflicts": [{"line": ln, "message": m} for ln, m in located_conflicts(ms)]}
                         for label, ms in r.configurations]})
    return docs


def located_conflicts(res: ModuleShapes) -> list[tuple[int, str]]:
    """Each proven mismatch on the module's dataflow, located: an answer that crosses one is
    what the code would compute if PyTorch let it through, and must say so."""
    # (forward's own: what the class's other methods make it do is reported as findings)
    found = [(n, c) for n, c in res.graph.conflicts() if not n.attrs.get("method")]
    if not found:
        return []
    owners: dict[int, Any] = {}
    for node, _c in found:
        fm = node.attrs.get("fm")
        if fm is not None and node.cst is not None:
            owners.setdefault(id(fm), (fm, []))[1].append(node.cst)
    spans: dict[int, Any] = {}
    for fm, nodes in owners.values():
        spans.update(locate(fm.module, nodes))
    out = []
    for node, c in found:
        sp = spans.get(id(node.cst))
        who = c.layer.label() if c.layer is not None else node.label
        verb = "raises" if c.kind in ("features", "state", "config") else "misreads"
        what = {"features": " features", "state": " as its state"}.get(c.kind, "")
        if c.kind == "config" and c.option == "dropout":  # torch builds it and warns
            verb, what = "warns", f" for dropout={c.value}"
        out.append((sp.line if sp else 0,
                    f"{verb}: {who} expects {c.expected}{what} but receives {c.received}"))
    return sorted(set(out))


def as_text(results: list[ShapesResult],
            observed: dict[tuple[str, str], dict[str, Any]] | None = None) -> str:
    """``forward(x: (B, T, input_size), h0 = None) -> (B, output_size)``: ``?`` an unknown size,
    ``*`` unknown leading axes, ``unknown`` an unknown shape or value."""
    lines = []
    for r in results:
        ins = ", ".join(f"{n}: {value_text(v)}" if default is None and v is not None
                        else f"{n} = {default}" for n, v, default in _inputs(r))
        lines.append(f"{r.path}:{r.line}: {r.cls}")
        lines.append(f"    forward({ins}) -> {value_text(r.result.output)}")
        if r.result.assumed:
            lines.append("    with the default " + ", ".join(r.result.assumed))
        for c in r.result.constraints:
            lines.append(f"    requires {c}")
        for line, sentence in r.conflicts:
            lines.append(f"    but line {line} {sentence}")
        if r.result.note:
            lines.append(f"    note: {r.result.note}")
        for label, ms in r.configurations:
            names = ", ".join(f"{n}: {value_text(v)}"
                              for n, v in zip(ms.input_names, ms.inputs, strict=False))
            lines.append(f"    {label}: forward({names}) -> {value_text(ms.output)}")
            lines.extend(f"        requires {c}" for c in ms.constraints)
            lines.extend(f"        but line {ln} {m}" for ln, m in located_conflicts(ms))
        if observed is not None:
            o = observed.get((r.path, r.cls)) or {}
            lines.append(f"    confirm: static {o.get('static', '?')}  observed "
                         f"{o.get('observed', '?')}  [{o.get('verdict', 'unconfirmed')}] "
                         f"{o.get('detail', '')}".rstrip())
    return "\n".join(lines) + ("\n" if lines else "")
