"""Ground truth for the real-code benchmark: every driven class built and run with torch.

    python benchmarks/realcode/truth.py [--only ID-or-repo ...] [--check] [-j N]

Each class runs in its own child process (``--timeout`` seconds, default 180) with torch on
the CPU; results go to ``benchmarks/results/realcode_truth/<owner>__<name>.json``: the output's shape tree,
every recurrent layer call (its configuration, input, state and output shapes), or the error
with the line it came from.  ``--check`` re-runs and exits 1 when anything differs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rc_common import HERE, ClassDriver, all_classes, dump_json, load_json, truth_path


def run_child(drv: ClassDriver, timeout: float, mutant: Path | None = None) -> dict[str, Any]:
    if not drv.runnable:
        return {"status": "not_runnable", "reason": drv.spec["not_runnable"]}
    if not drv.file.is_file():
        return {"status": "missing", "reason": f"{drv.file} not found: run rebuild.py"}
    with tempfile.TemporaryDirectory() as td:
        out = Path(td) / "out.json"
        cmd = [sys.executable, str(HERE / "truth.py"), "--child", drv.id, str(out)]
        if mutant is not None:
            cmd += ["--mutant", str(mutant)]
        t0 = time.perf_counter()
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                               cwd=str(drv.file.parent),
                               env={**_env(), "PYTHONHASHSEED": "0"})
        except subprocess.TimeoutExpired:
            return {"status": "error", "stage": "timeout",
                    "error": {"type": "Timeout", "message": f"over {timeout:.0f} s"}}
        secs = time.perf_counter() - t0
        if not out.is_file():
            return {"status": "error", "stage": "child",
                    "error": {"type": "ChildDied", "message": (p.stderr or "")[-600:]}}
        res = json.loads(out.read_text())
        res["seconds"] = round(secs, 2)
        return res


def _env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    env["PYTHONPATH"] = str(HERE)
    env["PYTHONWARNINGS"] = "ignore"
    return env


def child(class_id: str, out: str, mutant: str | None) -> None:
    import torchrun

    drv = next(c for c in all_classes() if c.id == class_id)
    res = torchrun.run_class(drv, Path(mutant) if mutant else None)
    Path(out).write_text(json.dumps(res))


def comparable(r: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in r.items() if k != "seconds"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", action="append", default=[],
                    help="a class id, a repository (owner/name) or a path fragment")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=180)
    ap.add_argument("--child", nargs=2, metavar=("ID", "OUT"))
    ap.add_argument("--mutant", default=None)
    ap.add_argument("--print", action="store_true", help="print each result")
    a = ap.parse_args(argv)
    if a.child:
        child(a.child[0], a.child[1], a.mutant)
        return 0
    classes = all_classes()
    if a.only:
        classes = [c for c in classes if any(o == c.id or o == c.repo or o in c.id
                                             for o in a.only)]
    with ThreadPoolExecutor(max(1, a.jobs)) as ex:
        results = list(ex.map(lambda c: (c, run_child(c, a.timeout)), classes))
    diffs = 0
    stored: dict[str, Any] = {}
    for c, r in results:
        path = truth_path(c.repo)
        if path not in stored:
            stored[path] = load_json(path, {"repo": c.repo, "commit": c.commit, "classes": {}})
        old = stored[path]["classes"].get(c.id)
        tag = r["status"]
        if r["status"] == "error":
            e = r.get("error", {})
            tag += f" [{r.get('stage')}] {e.get('type')}: {e.get('message', '')[:160]}" \
                   f" @ {e.get('file', '?')}:{e.get('line', '?')}"
        elif r["status"] == "ok" and a.print:
            tag += " " + json.dumps(r["output"])[:200]
        if a.check:
            same = old is not None and comparable(old) == comparable(r)
            diffs += not same
            tag = ("same " if same else "DIFFERS ") + tag
        print(f"{c.id}: {tag}", file=sys.stderr)
        if not a.check:
            stored[path]["classes"][c.id] = r
    if not a.check:
        import torch

        for path, data in stored.items():
            data["torch"] = torch.__version__
            dump_json(path, data)
    n_ok = sum(1 for _, r in results if r["status"] == "ok")
    print(f"{len(results)} classes: {n_ok} ran" + (f", {diffs} differ" if a.check else ""),
          file=sys.stderr)
    return 1 if a.check and diffs else 0


if __name__ == "__main__":
    sys.exit(main())
