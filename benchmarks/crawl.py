"""Crawl real code: lint every file and run the shape engine on every module class.

Usage: python benchmarks/crawl.py DIR [DIR ...] [--json OUT]

Reports files, module classes, how many have a known (symbolic) output shape, findings per
rule, internal errors (tracebacks), and the time per file.  The corpus comes from
benchmarks/fetch_corpus.py and is never committed.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
import traceback

from lstm_lint.analyze import analyze_file
from lstm_lint.discover import discover
from lstm_lint.lint import Options, check_file, load
from lstm_lint.project import Project
from lstm_lint.rule import Finding
from lstm_lint.shapes import value_json


def known(v: object) -> bool:
    j = value_json(v)  # type: ignore[arg-type]

    def ok(x: object) -> bool:
        if x is None:
            return False
        if isinstance(x, list):
            return all(ok(i) for i in x) if x and isinstance(x[0], list) else "*" not in x \
                and None not in x
        return True

    return ok(j)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--json")
    ap.add_argument("--show", action="store_true", help="print every finding")
    ns = ap.parse_args()
    stats: dict[str, object] = {}
    for d in ns.dirs:
        t0 = time.perf_counter()
        files = list(discover([d]))
        models = []
        findings: list[Finding] = []
        crashes: list[str] = []
        for f in files:
            try:
                m = load(f)
            except Exception:
                crashes.append(f"{f}: load: {traceback.format_exc(limit=3)}")
                continue
            if isinstance(m, Finding):
                findings.append(m)
            elif m is not None:
                models.append(m)
        project = Project(loaded=models)
        classes = known_out = 0
        for fm in models:
            try:
                res = check_file(fm, project, Options(debug=False))
                findings.extend(res.findings)
                fa = res.analysis or analyze_file(fm, project)
                for ms in fa.modules:
                    classes += 1
                    known_out += known(ms.output)
            except Exception:
                crashes.append(f"{fm.path}: {traceback.format_exc(limit=5)}")
        dt = time.perf_counter() - t0
        # a file's findings under its defaults and under a script's configuration at the
        # same place are one finding, as the CLI reports them
        seen: set[tuple[str, int, int, str]] = set()
        unique = []
        for f in findings:
            key = (os.path.realpath(f.path), f.line, f.column, f.code)
            if key not in seen:
                seen.add(key)
                unique.append(f)
        findings = unique
        per = collections.Counter(f.code for f in findings)
        stats[d] = {"files": len(files), "parsed": len(models), "module_classes": classes,
                    "known_output": known_out, "findings": dict(per), "crashes": len(crashes),
                    "seconds": round(dt, 2), "ms_per_file": round(1000 * dt / max(1, len(files)), 2)}
        print(d, json.dumps(stats[d]))
        for c in crashes:
            print("CRASH", c, file=sys.stderr)
        if ns.show:
            for f in findings:
                print(f"  {f.path}:{f.line}:{f.column}: {f.message}")
    if ns.json:
        with open(ns.json, "w") as fh:
            json.dump(stats, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
