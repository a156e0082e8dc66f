"""``--confirm`` on the real-code benchmark: every finding confirmed, refuted or unconfirmed.

    python benchmarks/realcode_confirm.py [--only REPO-OR-ID] [--no-mutants] [--no-originals]
                                          [--timeout S] [--json PATH] [--driver-args]

Needs the cut files (``benchmarks/realcode/rebuild.py``) and the proven mutants
(``benchmarks/results/realcode_mutants.json``).  One worker process imports torch once for the
whole run (the run fails if it had to start twice); each model is a job forked from it.

* originals: every driven file is checked as ``lstm-lint --confirm FILE`` checks it (its
  project read on demand, the file's own script code analysed) and its findings are given to
  ``--confirm``; every class of the file is built and run, so an ``LST900`` (a crash no rule
  explains) on correct code would show here too.
* mutants: each proven mutant that lstm-lint catches (a finding the original file does not
  have) is written into a copy of its repository's cut folder, under the original file's name
  (so that its relative imports and the scripts beside it work), checked and confirmed there;
  the copy is restored afterwards.  The originals in ``benchmarks/realcode/work`` are never
  written.

For every finding: its verdict, the evidence (or the reason it stays unconfirmed), and the
time of each model's job; per file the wall time of ``--confirm``; for the run the total and
torch's one import.  Results: ``benchmarks/results/realcode_confirm.json``.

``--driver-args``: each driven class is given its driver's constructor arguments and forward
inputs (``benchmarks/realcode/drivers/*.json``) as a user gives them, a
``[tool.lstm-lint.confirm]`` table read by the same parser as a pyproject.toml's
(:func:`lstm_lint.confirm_values.parse_table`), keyed ``path/to/file.py::Class``.  Only what
that table can say is given: a value the driver builds from an expression over its prelude's
own names (a helper it defines, a file it writes), or a driver that calls another method than
``forward``, is left out (the class's arguments or its inputs then come from where they come
without the table), and the table's ``"untranslated"`` entry lists why.
Results: ``benchmarks/results/realcode_confirm_args.json``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE / "realcode"), str(HERE.parent)]

from rc_common import (  # noqa: E402
    MUTANTS,
    RESULTS,
    WORK,
    ClassDriver,
    all_classes,
    dump_json,
    notebook_py,
    slug,
)

from lstm_lint import collector  # noqa: E402
from lstm_lint import lint as lint_step  # noqa: E402
from lstm_lint.confirm import confirm_file  # noqa: E402
from lstm_lint.confirm_values import ConfirmValues, parse_table  # noqa: E402
from lstm_lint.confirm_worker import worker  # noqa: E402
from lstm_lint.discover import UsageError  # noqa: E402
from lstm_lint.findings import Finding  # noqa: E402
from lstm_lint.project import Project  # noqa: E402

OUT = RESULTS / "realcode_confirm.json"
OUT_ARGS = RESULTS / "realcode_confirm_args.json"
SKIP = ("LST000", "LST001")


def stub_missing_packages(folder: Path) -> list[str]:
    """The third-party packages the drivers stub for the ground truth (``"stubs"``), made
    importable for the confirm worker when they are not installed: a ``sitecustomize`` on the
    worker's PYTHONPATH puts ``torchrun``'s permissive stubs in front of the import system for
    exactly those names.  Nothing of lstm-lint changes; without it a model whose file imports
    ``pandas`` is unconfirmed here for a package this machine lacks."""
    import importlib.util
    import json

    wanted: set[str] = set()
    for p in sorted((HERE / "realcode" / "drivers").glob("*.json")):
        d = json.loads(p.read_text())
        for c in d.get("classes", []):
            wanted |= set(c.get("stubs", []))
    missing = []
    for name in sorted(wanted):
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if "." in name or not found:
            missing.append(name)
    (folder / "sitecustomize.py").write_text(
        "import sys\n"
        f"sys.path.append({str(HERE / 'realcode')!r})\n"
        "import torchrun\n"
        f"torchrun.install_stubs({missing!r})\n")
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(folder), *filter(None, [os.environ.get("PYTHONPATH")])])
    return missing


def check(path: str) -> tuple[Any, list[Finding], Project | None]:
    loaded = lint_step.load(path)
    if loaded is None or isinstance(loaded, Finding):
        return None, [loaded] if isinstance(loaded, Finding) else [], None
    project = Project([path])
    res = lint_step.check_file(loaded, project, lint_step.Options(script=True))
    return res.analysis, res.findings, project


class Untranslatable(ValueError):
    """A driver value that a ``[tool.lstm-lint.confirm]`` table cannot say."""


def _value(v: Any, prelude: frozenset[str] = frozenset()) -> Any:
    """A driver's constructor value as the table says it (JSON-like; a table is an object with
    attribute and key access; ``{new, module, args, kwargs}`` an object to build; ``{tensor}``
    a tensor; ``{expr}`` an expression over ``torch``, ``nn`` and the file's names).
    ``prelude``: the names the driver's prelude defines, which no table can give."""
    if isinstance(v, list):
        return [_value(x, prelude) for x in v]
    if not isinstance(v, dict):
        return v
    if "ns" in v:
        return {k: _value(x, prelude) for k, x in v["ns"].items()}
    if "dict" in v:
        return {k: _value(x, prelude) for k, x in v["dict"].items()}
    if "tuple" in v:
        return [_value(x, prelude) for x in v["tuple"]]
    if "new" in v:
        out = {"new": v["new"], "args": [_value(a, prelude) for a in v.get("args", [])],
               "kwargs": {k: _value(a, prelude) for k, a in v.get("kwargs", {}).items()}}
        if "module" in v:
            out["module"] = v["module"]
        return out
    if set(v) == {"tensor"}:
        t = _input(v["tensor"])
        if not isinstance(t, str) and "spec" not in t:
            raise Untranslatable(f"a tensor given as {next(iter(t))!r}")
        return {"tensor": t}
    if set(v) == {"expr"}:
        return {"expr": _expr(v["expr"], prelude)}
    raise Untranslatable(f"a value built from {next(iter(v))!r}")


def _expr(text: str, prelude: frozenset[str]) -> str:
    """A driver's expression as the table evaluates it: the driver's ``mod.`` (the driven
    class's module) is the file's own namespace there; a name the driver's prelude defines
    (its own helpers, a file it writes) is nothing a table can give (``torch`` and ``nn`` it
    gives itself)."""
    import ast
    import re

    text = re.sub(r"\bmod\.", "", text)
    used = sorted({n.id for n in ast.walk(ast.parse(text, mode="eval"))
                   if isinstance(n, ast.Name)} & (prelude - {"torch", "nn"}))
    if used:
        raise Untranslatable(f"an expression over the driver's prelude ({', '.join(used)})")
    return text


def _prelude_names(code: str) -> frozenset[str]:
    """The names a driver's prelude binds at its top level."""
    import ast

    names: set[str] = set()
    try:
        tree = ast.parse(code or "")
    except SyntaxError:
        return frozenset()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                names |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
    return frozenset(names)


def _input(e: Any, prelude: frozenset[str] = frozenset()) -> Any:
    """A driver's forward input as the table gives it: a ``shapes --input`` spec, a tensor
    table (its spec with a range, values or a fill), a tuple, list or dict of inputs, or a
    value (``{value = ...}``: the driver's JSON or value grammar)."""
    if isinstance(e, str):
        return e
    if isinstance(e, dict):
        if "json" in e:
            return {"value": e["json"]}
        if "value" in e:
            return {"value": _value(e["value"], prelude)}
        for k in ("tuple", "list"):
            if k in e:
                return {k: [_input(x, prelude) for x in e[k]]}
        if "dict" in e:
            return {"dict": {k: _input(x, prelude) for k, x in e["dict"].items()}}
        if "spec" in e and set(e) == {"spec"}:
            return _input(e["spec"], prelude)
        integer = e.get("spec", "").startswith(("int", "long"))
        if "spec" in e and integer and set(e) <= {"spec", "high", "low"}:
            return {"spec": e["spec"], "low": int(e.get("low", 0)), "high": int(e.get("high", 2))}
        if "spec" in e and set(e) in ({"spec", "values"}, {"spec", "fill"}):
            if "fill" in e:
                return {"spec": e["spec"], "fill": e["fill"]}
            dims = [int(d) for d in e["spec"].split("[")[1].rstrip("]").split(",") if d.strip()]
            return {"spec": e["spec"], "values": _reshaped(e["values"], dims)}
        if "spec" in e:
            raise Untranslatable(f"an input with chosen {', '.join(sorted(set(e) - {'spec'}))}")
    raise Untranslatable(f"an input given as {next(iter(e)) if isinstance(e, dict) else e!r}")


def _as_float32(v: Any) -> Any:
    """Inputs with their float64 specs made float32."""
    if isinstance(v, str):
        return "float32" + v[len("float64"):] if v.startswith("float64") else v
    if isinstance(v, list):
        return [_as_float32(x) for x in v]
    if isinstance(v, dict):
        return {k: x if k == "value" else _as_float32(x) for k, x in v.items()}
    return v


def _full(dims: list[int], v: Any) -> Any:
    return v if not dims else [_full(dims[1:], v) for _ in range(dims[0])]


def _reshaped(values: Any, dims: list[int]) -> Any:
    """A driver's values (flat or nested) as a nested list of the spec's shape."""
    flat: list[Any] = []

    def walk(x: Any) -> None:
        if isinstance(x, list):
            for i in x:
                walk(i)
        else:
            flat.append(x)

    walk(values)
    it = iter(flat)

    def build(ds: list[int]) -> Any:
        return next(it) if not ds else [build(ds[1:]) for _ in range(ds[0])]

    return build(dims)


def driver_table(drivers: list[ClassDriver]) -> tuple[dict[str, Any], dict[str, str]]:
    """The ``[tool.lstm-lint.confirm]`` table of one repository's driven classes (keys
    relative to its folder), and why a class's arguments or inputs are left out."""
    table: dict[str, Any] = {}
    left: dict[str, str] = {}
    for c in drivers:
        if not c.runnable:
            left[c.id] = "not runnable"
            continue
        spec = c.spec
        entry: dict[str, Any] = {}
        prelude = _prelude_names(spec.get("prelude", ""))
        try:
            args = [_value(a, prelude) for a in spec.get("args", [])]
            kwargs = {k: _value(a, prelude) for k, a in spec.get("kwargs", {}).items()}
            entry["args"] = args if args or not kwargs else kwargs
            if args and kwargs:
                entry["kwargs"] = kwargs
        except Untranslatable as exc:
            left[c.id] = f"args: {exc}"
        if spec.get("input_kwargs") and not spec.get("inputs"):
            # forward's inputs all by keyword: the table gives positional ones only (with
            # some positional ones, those are given, and the keyword ones take their defaults)
            left[c.id] = (left[c.id] + "; " if c.id in left else "") \
                + "inputs: keyword inputs only"
        elif "method" not in spec and "inputs" in spec:
            try:
                entry["inputs"] = [_input(e, prelude) for e in spec["inputs"]]
                if "set_default_dtype(torch.float64)" in spec.get("prelude", ""):
                    # the driver's model is double (its prelude stands for .double()); the
                    # child builds float32 models: the same run is float32 throughout
                    entry["inputs"] = _as_float32(entry["inputs"])
            except Untranslatable as exc:
                left[c.id] = (left[c.id] + "; " if c.id in left else "") + f"inputs: {exc}"
        if entry:
            table[f"{notebook_py(c.path)}::{c.cls}"] = entry
    return table, left


def values_for(drivers: list[ClassDriver], folder: Path) -> ConfirmValues:
    """The table as ``lstm-lint --confirm`` reads it from ``folder/pyproject.toml``."""
    table, _left = driver_table(drivers)
    return parse_table(table, str(folder / "pyproject.toml"))


def confirm(path: str, root: Path, timeout: float, memory_mb: int,
            exclude: set[tuple[str, int]] | None = None,
            values: ConfirmValues | None = None) -> dict[str, Any]:
    """Check and confirm one file; ``exclude``: (code, line) of findings not to report (the
    original file's, for a mutant); ``values``: the ``[tool.lstm-lint.confirm]`` table (a
    class whose values its code refuses is run without them, and the row says why)."""
    t0 = time.perf_counter()
    analysis, findings, project = check(path)
    t_check = time.perf_counter() - t0
    row: dict[str, Any] = {"path": os.path.relpath(path, root), "check_s": round(t_check, 3)}
    if analysis is None:
        row["error"] = "not analysed: " + "; ".join(f.message for f in findings)
        return row
    judged = [f for f in findings if f.code not in SKIP]
    if exclude is not None:
        judged = [f for f in judged if (f.code, f.line) not in exclude]
    t1 = time.perf_counter()
    try:
        evidence, extra = confirm_file(analysis, [f for f in findings if f.code not in SKIP],
                                       project, timeout, "cpu", memory_mb, values=values)
    except UsageError as exc:
        row["values_refused"] = str(exc)
        evidence, extra = confirm_file(analysis, [f for f in findings if f.code not in SKIP],
                                       project, timeout, "cpu", memory_mb)
    row["confirm_s"] = round(time.perf_counter() - t1, 3)
    row["models"] = {e.cls: {"seconds": e.seconds, "method": e.method,
                             "why": e.why or None} for e in evidence}
    row["findings"] = [_finding(f, root) for f in judged + extra]
    row["other_findings"] = len(findings) - len(judged)
    return row


def _finding(f: Finding, root: Path) -> dict[str, Any]:
    c = f.confirmation or {}
    try:
        rel = str(Path(f.path).resolve().relative_to(root))
    except ValueError:
        rel = f.path
    out = {"key": f"{rel}:{f.line}:{f.code}", "code": f.code, "line": f.line,
           "message": f.message, "verdict": c.get("verdict", "none"),
           "evidence": c.get("evidence", ""), "method": c.get("method")}
    if c.get("script"):
        out["script"] = c["script"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--no-mutants", action="store_true")
    ap.add_argument("--no-originals", action="store_true")
    ap.add_argument("--mutants", type=Path, default=MUTANTS)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--memory-mb", type=int, default=4096)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--driver-args", action="store_true",
                    help="give each driven class its driver's arguments and inputs through a "
                         "[tool.lstm-lint.confirm] table")
    ap.add_argument("--no-stubs", action="store_true",
                    help="do not stub the third-party packages the drivers stub")
    a = ap.parse_args(argv)
    if a.json is None:
        a.json = OUT_ARGS if a.driver_args else OUT
    stub_dir = tempfile.mkdtemp(prefix="rc-confirm-stubs-")
    stubbed = [] if a.no_stubs else stub_missing_packages(Path(stub_dir))
    collector.relax()
    classes = all_classes()
    only_mutants: set[str] = set()
    if a.only:
        # a mutant's id (``LST301:swap_state_axes:model.py:771:37``) names that mutant alone
        import mutate

        by_id = {m["id"]: m for m in mutate.load_mutants(a.mutants, proven_only=True)}
        only_mutants = {o for o in a.only if o in by_id}
        wanted = {by_id[o].get("class_id") for o in only_mutants}
        classes = [c for c in classes if c.id in wanted
                   or any(o == c.repo or o in c.id for o in a.only)]
        if only_mutants:
            a.no_originals = True
    work = WORK.resolve()
    t_run = time.perf_counter()
    by_repo_drivers: dict[str, list[ClassDriver]] = {}
    for c in all_classes():
        by_repo_drivers.setdefault(c.repo, []).append(c)

    def values(repo: str, folder: Path) -> ConfirmValues | None:
        return values_for(by_repo_drivers.get(repo, []), folder) if a.driver_args else None

    file_repo = {str(c.file): c.repo for c in classes}

    originals: list[dict[str, Any]] = []
    if not a.no_originals:
        files = sorted({str(c.file) for c in classes if c.file.is_file()})
        for i, path in enumerate(files, 1):
            print(f"[{i}/{len(files)}] {os.path.relpath(path, work)}", file=sys.stderr,
                  flush=True)
            repo = file_repo[path]
            originals.append(confirm(path, work, a.timeout, a.memory_mb,
                                     values=values(repo, work / slug(repo))))

    mutants: list[dict[str, Any]] = []
    if not a.no_mutants and a.mutants.is_file():
        import mutate

        ids = {c.id for c in classes}
        recs = [m for m in mutate.load_mutants(a.mutants, proven_only=True)
                if m.get("class_id") in ids and (not only_mutants or m["id"] in only_mutants)]
        by_repo: dict[str, list[dict[str, Any]]] = {}
        for m in recs:
            by_repo.setdefault(m["repo"], []).append(m)
        base_findings: dict[str, set[tuple[str, int]]] = {}
        n = 0
        for repo, ms in sorted(by_repo.items()):
            with tempfile.TemporaryDirectory(prefix="rc-confirm-") as td:
                copy = Path(td) / slug(repo)
                shutil.copytree(work / slug(repo), copy, symlinks=True)
                for m in ms:
                    n += 1
                    rel = m["path"]
                    target = copy / rel
                    original = (work / slug(repo) / rel).read_text()
                    try:
                        text = mutate.mutant_source(m, original)
                    except (ValueError, OSError) as exc:
                        mutants.append({"id": m["id"], "kind": m["kind"], "stale": str(exc)})
                        continue
                    key = f"{repo}:{rel}"
                    if key not in base_findings:
                        _an, fl, _p = check(str(work / slug(repo) / rel))
                        base_findings[key] = {(f.code, f.line) for f in fl}
                    target.write_text(text)
                    try:
                        _an, fl, _p = check(str(target))
                        new = [f for f in fl if f.code not in SKIP
                               and (f.code, f.line) not in base_findings[key]]
                        row: dict[str, Any] = {"id": m["id"], "kind": m["kind"],
                                               "expected_code": m["expected_code"]}
                        if new:
                            print(f"[mutant {n}/{len(recs)}] {m['id']}", file=sys.stderr,
                                  flush=True)
                            row.update(confirm(str(target), copy.parent, a.timeout,
                                               a.memory_mb, exclude=base_findings[key],
                                               values=values(repo, copy)))
                        else:
                            row["findings"] = []
                        mutants.append(row)
                    finally:
                        target.write_text(original)
    total = time.perf_counter() - t_run

    w = worker()
    summary = _summary(originals, mutants, total, w)
    summary["stubbed_packages"] = stubbed
    if a.driver_args:
        left: dict[str, str] = {}
        for ds in by_repo_drivers.values():
            left.update(driver_table(ds)[1])
        summary["driver_args"] = {
            "classes": len([c for c in classes if c.runnable]),
            "untranslated": {k: v for k, v in sorted(left.items())
                             if any(c.id == k for c in classes)},
            "refused": {r.get("id") or r["path"]: r["values_refused"]
                        for r in originals + mutants if r.get("values_refused")}}
    summary["command"] = " ".join(["python", "benchmarks/realcode_confirm.py",
                                   *(argv if argv is not None else sys.argv[1:])])
    shutil.rmtree(stub_dir, ignore_errors=True)
    dump_json(a.json, {"summary": summary, "originals": originals, "mutants": mutants})
    _print(summary)
    return 0 if w.starts <= 1 else 1


def _verdicts(rows: list[dict[str, Any]]) -> tuple[Counter, Counter, list[dict[str, Any]]]:
    v: Counter = Counter()
    reasons: Counter = Counter()
    unconfirmed = []
    for r in rows:
        for f in r.get("findings", []):
            v[f["verdict"]] += 1
            if f["verdict"] == "unconfirmed":
                reasons[_reason_kind(f["evidence"])] += 1
                unconfirmed.append({"where": r.get("id") or r["path"], "key": f["key"],
                                    "why": f["evidence"]})
    return v, reasons, unconfirmed


def _reason_kind(why: str) -> str:
    """The reason without the specifics (class names, values), for the tally."""
    for cue in ("No module named", "not run: no value", "built only", "timed out",
                "cannot be evaluated", "raised", "break", "shows nothing"):
        if cue in why:
            return cue
    for cue, kind in (("finished without reaching line", "ran, never reaching the line"),
                      ("without error, and what it shows there",
                       "ran through the line without error (a silent bug)"),
                      ("the bug is silent", "ran through the line without error (a silent bug)"),
                      ("would have said", "given inputs whose sizes name no B, T"),
                      ("folded tensors built from constants", "fx folded the line")):
        if cue in why:
            return kind
    return why[:60]


def _stats(xs: list[float]) -> dict[str, float | int | None]:
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return {"n": 0, "median": None, "mean": None, "max": None}
    return {"n": len(xs), "median": round(xs[len(xs) // 2], 3),
            "mean": round(sum(xs) / len(xs), 3), "max": round(xs[-1], 3)}


def _summary(originals: list[dict[str, Any]], mutants: list[dict[str, Any]], total: float,
             w: Any) -> dict[str, Any]:
    ov, oreasons, ounc = _verdicts(originals)
    caught = [m for m in mutants if m.get("findings")]
    mv, mreasons, munc = _verdicts(caught)
    models = [m["seconds"] for r in originals + caught for m in r.get("models", {}).values()]
    return {
        "torch_starts": w.starts, "torch_import_s": w.torch_import_s,
        "worker_warm_up_s": w.warm_up_s,
        "whole_run_s": round(total, 1),
        "per_model_s": _stats(models),
        "per_file_confirm_s": _stats([r["confirm_s"] for r in originals + caught
                                      if "confirm_s" in r]),
        "originals": {"files": len(originals),
                      "findings": sum(ov.values()), "verdicts": dict(ov),
                      "lst900": sum(1 for r in originals for f in r.get("findings", [])
                                    if f["code"] == "LST900"),
                      "unconfirmed_reasons": dict(oreasons), "unconfirmed": ounc},
        "mutants": {"proven": len(mutants), "caught": len(caught),
                    "stale": sum(1 for m in mutants if "stale" in m),
                    "findings": sum(mv.values()), "verdicts": dict(mv),
                    "unconfirmed_reasons": dict(mreasons), "unconfirmed": munc},
    }


def _print(s: dict[str, Any]) -> None:
    print(f"torch started {s['torch_starts']} time(s) (import {s['torch_import_s']} s); "
          f"whole run {s['whole_run_s']} s; per model {s['per_model_s']}")
    for part in ("originals", "mutants"):
        p = s[part]
        print(f"{part}: {p['findings']} findings: {p['verdicts']}")
        for why, n in sorted(p["unconfirmed_reasons"].items(), key=lambda x: -x[1]):
            print(f"  {n:4d}  {why}")
        for u in p["unconfirmed"][:40]:
            print(f"    {u['key']}: {u['why'][:200]}")


if __name__ == "__main__":
    sys.exit(main())
