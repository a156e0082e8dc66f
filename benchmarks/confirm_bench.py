"""How long --confirm takes: per model after torch's import, and for the whole examples/ run.

Usage: python benchmarks/confirm_bench.py [--device cpu|cuda] [--json OUT]

The child process reports its own timings: the import of torch, of the user's file, and the
trace (construction, fx trace or eager run, shape propagation) of each class.  The whole-run
figure is the wall time of `lstm-lint --confirm examples/` (one child per file).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lstm_lint.confirm import instantiations_of, plan_class
from lstm_lint.lint import Options, check_file, load
from lstm_lint.project import Project

ROOT = Path(__file__).resolve().parents[1]


def child_timings(path: Path, device: str | None) -> dict[str, object]:
    fm = load(str(path))
    assert fm is not None and not isinstance(fm, object.__class__) or True
    res = check_file(fm, None, Options())  # type: ignore[arg-type]
    assert res.analysis is not None
    inst = instantiations_of(res.analysis)
    plans = [plan_class(fm, c, Project(loaded=[fm]), None, inst) for c in fm.module_classes()]  # type: ignore[union-attr]
    req = {"path": str(path), "device": device,
           "classes": [p.request() for p in plans if p.inputs is not None]}
    with tempfile.TemporaryDirectory() as tmp:
        rq, rs = os.path.join(tmp, "rq.json"), os.path.join(tmp, "rs.json")
        Path(rq).write_text(json.dumps(req))
        code = ("import time, sys; t0 = time.perf_counter(); import torch; "
                "t1 = time.perf_counter(); from lstm_lint import confirm_child as c; "
                "c.main(sys.argv[1:]); print(t1 - t0)")
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code, rq, rs], capture_output=True,
                             text=True, check=True, cwd=ROOT)
        wall = time.perf_counter() - t0
        result = json.loads(Path(rs).read_text())
    return {
        "file": str(path.relative_to(ROOT)), "device": result.get("device"),
        "torch_import_s": round(float(out.stdout.strip().splitlines()[-1]), 3),
        "file_import_s": result.get("import_seconds"),
        "classes": {c["class"]: {"trace_s": c.get("seconds"), "method": c.get("method")}
                    for c in result.get("classes", [])},
        "child_wall_s": round(wall, 3),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device")
    ap.add_argument("--json")
    ns = ap.parse_args()
    rows = [child_timings(p, ns.device) for p in sorted((ROOT / "examples").glob("*.py"))]
    for r in rows:
        print(json.dumps(r))
    t0 = time.perf_counter()
    argv = [sys.executable, "-m", "lstm_lint", "--confirm", "--format", "json", "examples"]
    if ns.device:
        argv += ["--device", ns.device]
    subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
    whole = time.perf_counter() - t0
    traces = [c["trace_s"] for r in rows for c in r["classes"].values()  # type: ignore[attr-defined]
              if c["trace_s"] is not None]
    summary = {"files": len(rows), "models": len(traces),
               "trace_s_max": max(traces) if traces else None,
               "trace_s_mean": round(sum(traces) / len(traces), 4) if traces else None,
               "whole_confirm_examples_s": round(whole, 2)}
    print(json.dumps(summary))
    if ns.json:
        Path(ns.json).write_text(json.dumps({"rows": rows, "summary": summary}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
