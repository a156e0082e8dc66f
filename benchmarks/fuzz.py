"""Fuzz lstm-lint: hypothesmith programs plus mutants of the model corpora.

    python benchmarks/fuzz.py                    # 10000 programs + 2000 mutants
    python benchmarks/fuzz.py --n 1000 --m 200   # a quick run
    python benchmarks/fuzz.py --save /tmp/fuzz   # keep every failing input

Each input goes through ``lstm-lint PATH --format json`` and ``lstm-lint shapes PATH --format
json`` in-process (three variants per generated program: as is, inside a model's ``forward``,
inside its class body).  A failure is an exception, an exit code other than 0/1 (2 is an
internal error), a traceback on stderr, or stdout that is not JSON.  The report counts
programs, mutants, failures by kind, and shows the first few failures.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import hypothesmith  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hseed  # noqa: E402
from hypothesis.strategies import SearchStrategy  # noqa: E402

from tests.test_never_crash import make_mutant, problems_for, variants  # noqa: E402


class Tally:
    def __init__(self, show: int, save: Path | None) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self.kinds: collections.Counter[str] = collections.Counter()
        self.examples: list[str] = []
        self.show = show
        self.save = save
        self.seen: set[int] = set()

    def record(self, source: str, label: str, text: str, problems: list[str]) -> None:
        self.counts[source + "_runs"] += 1
        if not problems:
            return
        self.counts[source + "_failures"] += 1
        for p in problems:
            self.kinds[_kind(p)] += 1
        key = hash(tuple(_kind(p) + p.splitlines()[-1] for p in problems))
        if key not in self.seen:  # one example per distinct failure
            self.seen.add(key)
            if len(self.examples) < self.show:
                self.examples.append(f"[{label}]\n" + "\n".join(problems)
                                     + f"\n--- input ---\n{text[:3000]}")
        if self.save is not None:
            self.save.mkdir(parents=True, exist_ok=True)
            n = self.counts[source + "_failures"]
            (self.save / f"{source}_{n:05d}.py").write_text(text, encoding="utf-8",
                                                           errors="surrogatepass")


def _kind(problem: str) -> str:
    body = problem.split(": ", 1)[-1]
    if body.startswith("raised"):
        last = [ln for ln in body.splitlines() if ln.strip()][-1]
        return "exception " + last.split(":", 1)[0]
    if body.startswith("exit code"):
        return "exit code " + body.split()[2].rstrip(";")
    if body.startswith("traceback"):
        return "traceback on stderr"
    return "stdout not JSON"


def fuzz_programs(n: int, node_share: float, seed: int, work: Path, tally: Tally,
                  progress: int) -> None:
    n_node = int(n * node_share)
    plan = [("grammar", hypothesmith.from_grammar(), n - n_node),
            ("node", hypothesmith.from_node(), n_node)]
    for name, strategy, count in plan:
        if count > 0:
            _run_strategy(name, strategy, count, seed, work, tally, progress)


def _run_strategy(name: str, strategy: SearchStrategy[str], count: int, seed: int, work: Path,
                  tally: Tally, progress: int) -> None:
    done = [0]
    start = time.perf_counter()

    @settings(max_examples=count, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @hseed(seed)
    @given(strategy)
    def one(src: str) -> None:
        done[0] += 1
        tally.counts[name + "_programs"] += 1
        for vname, text in variants(src).items():
            path = work / vname
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
            tally.record("program", f"{name} #{done[0]} {vname}", text, problems_for(path))
        if progress and done[0] % progress == 0:
            el = time.perf_counter() - start
            print(f"  {name}: {done[0]}/{count} programs, {el:.0f}s, "
                  f"{tally.counts['program_failures']} failing inputs so far",
                  file=sys.stderr, flush=True)

    one()


def fuzz_mutants(m: int, seed: int, work: Path, tally: Tally, progress: int) -> None:
    for i in range(m):
        s = seed * 1_000_003 + i
        src, ops, text = make_mutant(s)
        path = work / "mutant.py"
        path.write_text(text, encoding="utf-8")
        tally.counts["mutants"] += 1
        label = f"mutant seed={s} of {src.relative_to(ROOT)} via {ops}"
        tally.record("mutant", label, text, problems_for(path))
        if progress and (i + 1) % progress == 0:
            print(f"  mutants: {i + 1}/{m}, {tally.counts['mutant_failures']} failing so far",
                  file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10000, help="hypothesmith programs (10000)")
    ap.add_argument("--m", type=int, default=2000, help="corpus mutants (2000)")
    ap.add_argument("--node-share", type=float, default=0.1,
                    help="share of programs from from_node() (slow to generate; 0.1)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--show", type=int, default=5, help="distinct failures to print (5)")
    ap.add_argument("--save", type=Path, help="write every failing input here")
    ap.add_argument("--progress", type=int, default=500, help="progress line every K (500)")
    ns = ap.parse_args(argv)

    warnings.simplefilter("ignore")
    tally = Tally(ns.show, ns.save)
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="lstm-lint-fuzz-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        fuzz_programs(ns.n, ns.node_share, ns.seed, work, tally, ns.progress)
        times["programs"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        fuzz_mutants(ns.m, ns.seed, work, tally, ns.progress)
        times["mutants"] = time.perf_counter() - t0

    c = tally.counts
    print(f"programs: {c['grammar_programs']} from_grammar + {c['node_programs']} from_node "
          f"= {c['grammar_programs'] + c['node_programs']} "
          f"({c['program_runs']} files x 2 commands), "
          f"{c['program_failures']} failing files, {times['programs']:.1f}s")
    print(f"mutants:  {c['mutants']}, {c['mutant_failures']} failing, {times['mutants']:.1f}s")
    print("failures by kind: " + (", ".join(f"{k}: {v}" for k, v in tally.kinds.most_common())
                                  or "none"))
    for ex in tally.examples:
        print("\n" + "=" * 78 + "\n" + ex)
    return 1 if tally.kinds else 0


if __name__ == "__main__":
    sys.exit(main())
