"""How long --confirm takes: one torch start per run (the worker) against one per file (before).

Usage: python benchmarks/confirm_bench.py [--device cpu|cuda] [--json OUT] [--old REV]
                                          [--old-tree DIR] [--realcode] [PATH ...]

Default targets: examples/, the script-style corpus and the buggy rule corpus.  ``--realcode``
adds the original files of the real-code benchmark (benchmarks/realcode/work, when rebuilt).

* whole run: the wall time of ``lstm-lint --confirm --format json TARGETS`` with this checkout,
  and with the package as it was at ``--old`` (default 86c69be, one child process per file,
  each importing torch), exported to a temporary folder (``--old-tree DIR``: a folder that
  already holds that export, ``DIR/lstm_lint`` with its rules inside, for a machine without
  this repository's history, such as a GPU machine that receives only the working tree).
  Both produce verdicts; the summary counts them.
* per model: this checkout's worker (torch imported once) runs each file's class jobs, each
  in a forked process; a model's cost is its job's wall time (fork, the file's definitions,
  construction, trace).  Before, a model cost a child process: torch's import, the file's
  import and the trace (measured by running the old child once per file).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lstm_lint.confirm_facts import instantiations_of  # noqa: E402
from lstm_lint.confirm_plan import plan_class  # noqa: E402
from lstm_lint.confirm_worker import run_child, worker  # noqa: E402
from lstm_lint.extract import FileModel  # noqa: E402
from lstm_lint.lint import Options, check_file, load  # noqa: E402
from lstm_lint.project import Project  # noqa: E402


def targets(ns: argparse.Namespace) -> list[Path]:
    if ns.paths:
        out: list[Path] = []
        for p in ns.paths:
            q = Path(p).resolve()
            out += sorted(q.rglob("*.py")) if q.is_dir() else [q]
        return out
    out = sorted((ROOT / "examples").glob("*.py"))
    out += sorted((ROOT / "tests" / "corpus" / "confirm" / "script").glob("*.py"))
    out += sorted((ROOT / "tests" / "corpus" / "rules").glob("*_bug.py"))
    if ns.realcode:
        work = ROOT / "benchmarks" / "realcode" / "work"
        seen: set[Path] = set()
        for drv in sorted((ROOT / "benchmarks" / "realcode" / "drivers").glob("*.json")):
            d = json.loads(drv.read_text())
            base = work / drv.stem
            for c in d.get("classes", []):
                p = base / c["path"]
                if p.exists() and p.suffix == ".py" and p not in seen:
                    seen.add(p)
                    out.append(p)
    return out


def _path_first(pkg_dir: Path) -> str:
    """PYTHONPATH with ``pkg_dir`` first (what the machine adds, its libcst say, kept)."""
    return os.pathsep.join([str(pkg_dir), *filter(None, [os.environ.get("PYTHONPATH")])])


def whole_run(pkg_dir: Path, files: list[Path], device: str | None,
              timeout: int) -> dict[str, Any]:
    argv = [sys.executable, "-m", "lstm_lint", "--confirm", "--format", "json", "--timeout",
            str(timeout), *map(str, files)]
    if device:
        argv += ["--device", device]
    env = dict(os.environ, PYTHONPATH=_path_first(pkg_dir), LSTM_LINT_NO_CACHE="1")
    t0 = time.perf_counter()
    proc = subprocess.run(argv, cwd=pkg_dir, capture_output=True, text=True, env=env,
                          check=False)
    wall = time.perf_counter() - t0
    try:
        findings = json.loads(proc.stdout)
    except ValueError:
        return {"wall_s": round(wall, 2), "error": proc.stderr[-500:]}
    verdicts = Counter((f.get("confirmation") or {}).get("verdict", "none") for f in findings)
    lst900 = sum(1 for f in findings if f["code"] == "LST900")
    unconfirmed = [{"path": os.path.relpath(f["path"], ROOT), "line": f["line"],
                    "code": f["code"], "why": f["confirmation"]["evidence"]}
                   for f in findings if (f.get("confirmation") or {}).get("verdict")
                   == "unconfirmed"]
    return {"wall_s": round(wall, 2), "findings": len(findings), "verdicts": dict(verdicts),
            "lst900": lst900, "unconfirmed": unconfirmed}


def new_per_model(files: list[Path], device: str | None, timeout: int) -> list[dict[str, Any]]:
    rows = []
    loaded = [fm for fm in (load(str(p)) for p in files) if isinstance(fm, FileModel)]
    project = Project(loaded=loaded)
    for fm in loaded:
        try:
            res = check_file(fm, None, Options(script=True))
            if res.analysis is None or not fm.module_classes():
                continue
            inst = instantiations_of(res.analysis)
            plans = [plan_class(fm, c, project, None, inst) for c in fm.module_classes()]
        except Exception as exc:  # the engine is not what is measured here
            rows.append({"file": os.path.relpath(fm.path, ROOT), "error": repr(exc)[:200]})
            continue
        t0 = time.perf_counter()
        result = run_child(fm.path, plans, timeout, device, 4096)
        wall = time.perf_counter() - t0
        rows.append({
            "file": os.path.relpath(fm.path, ROOT),
            "file_wall_s": round(wall, 4),
            "classes": {c["class"]: {"job_wall_s": c.get("wall_s"), "trace_s": c.get("seconds"),
                                     "method": c.get("method"),
                                     "not_run": c.get("not_run") or c.get("failed")}
                        for c in result.get("classes", [])},
        })
    return rows


def old_per_model(pkg_dir: Path, files: list[Path], device: str | None) -> list[dict[str, Any]]:
    """The old child, once per file: torch's import, the file's import, each class's trace."""
    code = ("import sys, json, time\n"
            f"sys.path.insert(0, {str(pkg_dir)!r})\n"
            "from lstm_lint.confirm import instantiations_of, plan_class\n"
            "from lstm_lint.lint import Options, check_file, load\n"
            "from lstm_lint.project import Project\n"
            "fm = load(sys.argv[1]); res = check_file(fm, None, Options(script=True))\n"
            "inst = instantiations_of(res.analysis)\n"
            "plans = [plan_class(fm, c, Project(loaded=[fm]), None, inst)"
            " for c in fm.module_classes()]\n"
            "req = {'path': sys.argv[1], 'device': sys.argv[3] or None, 'classes':"
            " [p.request() for p in plans if p.inputs is not None]}\n"
            "json.dump(req, open(sys.argv[2], 'w'))\n")
    child = ("import time, sys; t0 = time.perf_counter(); import torch; "
             "t1 = time.perf_counter(); from lstm_lint import confirm_child as c; "
             "c.main(sys.argv[1:]); print(t1 - t0)")
    rows: list[dict[str, Any]] = []
    env = dict(os.environ, PYTHONPATH=_path_first(pkg_dir))
    for p in files:
        with tempfile.TemporaryDirectory() as tmp:
            rq, rs = os.path.join(tmp, "rq.json"), os.path.join(tmp, "rs.json")
            plan = subprocess.run([sys.executable, "-c", code, str(p), rq, device or ""],
                                  capture_output=True, text=True, cwd=pkg_dir, env=env,
                                  check=False)
            if plan.returncode != 0 or not json.loads(Path(rq).read_text())["classes"]:
                continue
            t0 = time.perf_counter()
            try:
                out = subprocess.run([sys.executable, "-c", child, rq, rs], capture_output=True,
                                     text=True, cwd=pkg_dir, env=env, timeout=120, check=False)
            except subprocess.TimeoutExpired:
                rows.append({"file": os.path.relpath(p, ROOT), "child_wall_s": None,
                             "note": "timed out"})
                continue
            wall = time.perf_counter() - t0
            if not os.path.exists(rs):
                rows.append({"file": os.path.relpath(p, ROOT), "child_wall_s": round(wall, 3),
                             "note": "no result"})
                continue
            result = json.loads(Path(rs).read_text())
            rows.append({
                "file": os.path.relpath(p, ROOT), "child_wall_s": round(wall, 3),
                "torch_import_s": round(float(out.stdout.strip().splitlines()[-1]), 3)
                if out.stdout.strip() else None,
                "file_import_s": result.get("import_seconds"),
                "classes": {c["class"]: {"trace_s": c.get("seconds"), "method": c.get("method")}
                            for c in result.get("classes", [])},
            })
    return rows


def export(rev: str, dest: Path) -> None:
    tar = subprocess.run(["git", "archive", rev, "lstm_lint", "rules"], cwd=ROOT,
                         capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=tar, check=True)
    # inside the package, so that an editable install of this checkout cannot lend its rules
    (dest / "rules").rename(dest / "lstm_lint" / "rules")


def _stats(xs: list[Any]) -> dict[str, float | None]:
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return {"n": 0, "mean": None, "median": None, "max": None}
    return {"n": len(xs), "mean": round(sum(xs) / len(xs), 4),
            "median": round(xs[len(xs) // 2], 4), "max": round(xs[-1], 4)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--device")
    ap.add_argument("--json")
    ap.add_argument("--old", default="86c69be")
    ap.add_argument("--old-tree", help="an export of --old made elsewhere (see export())")
    ap.add_argument("--realcode", action="store_true")
    ap.add_argument("--timeout", type=int, default=60)
    ns = ap.parse_args()
    files = targets(ns)
    with tempfile.TemporaryDirectory(prefix="confirm-bench-old-") as old_dir:
        old = Path(ns.old_tree).resolve() if ns.old_tree else Path(old_dir)
        if not ns.old_tree:
            export(ns.old, old)
        whole_new = whole_run(ROOT, files, ns.device, ns.timeout)
        print("whole run, one torch start:", json.dumps(
            {k: v for k, v in whole_new.items() if k != "unconfirmed"}), flush=True)
        whole_old = whole_run(old, files, ns.device, ns.timeout)
        print(f"whole run, one child per file ({ns.old}):", json.dumps(
            {k: v for k, v in whole_old.items() if k != "unconfirmed"}), flush=True)
        new_rows = new_per_model(files, ns.device, ns.timeout)
        torch_s = worker().torch_import_s
        old_rows = old_per_model(old, files, ns.device)
    new_jobs = [c["job_wall_s"] for r in new_rows for c in r.get("classes", {}).values()]
    new_files = [r.get("file_wall_s") for r in new_rows]
    old_models = []
    for r in old_rows:
        n = len(r.get("classes", {})) or 1
        if r.get("child_wall_s") is not None:
            old_models += [r["child_wall_s"] / n] * n
    summary = {
        "files": len(files), "device": ns.device or "default",
        "whole_run_s": {"one_torch_start": whole_new.get("wall_s"),
                        f"one_child_per_file_{ns.old}": whole_old.get("wall_s")},
        "verdicts": {"one_torch_start": whole_new.get("verdicts"),
                     f"one_child_per_file_{ns.old}": whole_old.get("verdicts")},
        "lst900": {"one_torch_start": whole_new.get("lst900"),
                   f"one_child_per_file_{ns.old}": whole_old.get("lst900")},
        "torch_import_s_once": torch_s,
        "per_model_s": {"one_torch_start_job_wall": _stats(new_jobs),
                        f"one_child_per_file_{ns.old}_child_wall_per_model": _stats(old_models)},
        "per_file_s": {"one_torch_start": _stats(new_files),
                       f"one_child_per_file_{ns.old}": _stats(
                           [r.get("child_wall_s") for r in old_rows])},
        "old_torch_import_s": _stats([r.get("torch_import_s") for r in old_rows]),
    }
    print(json.dumps(summary, indent=2))
    if ns.json:
        Path(ns.json).write_text(json.dumps({
            "command": " ".join(["python", "benchmarks/confirm_bench.py", *sys.argv[1:]]),
            "summary": summary, "unconfirmed": whole_new.get("unconfirmed"),
            "unconfirmed_old": whole_old.get("unconfirmed"),
            "rows_one_torch_start": new_rows, "rows_one_child_per_file": old_rows},
            indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
