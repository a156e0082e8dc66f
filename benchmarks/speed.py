"""How fast is lstm-lint on real code, against the libcst parse floor and other tools?

Usage::

    python benchmarks/speed.py [--corpus DIR] [--json OUT] [--jobs N] [--runs N]

One run measures, on the same file set (every ``.py`` file of the corpus, found the way
lstm-lint finds them), with hyperfine (medians of ``--export-json``):

a. lstm-lint cold (``--no-cache``) with ``--jobs N`` (default 2) and ``--jobs 1``;
b. lstm-lint warm (after one run that fills the cache) and warm with one edited file;
c. the bare libcst parse floor: every file read, decoded and ``libcst.parse_module``-d in a
   ``multiprocessing`` pool of N processes (``speed.py --parse-only DIR --jobs N``).
   a and c run in interleaved rounds (one hyperfine run of each command per round), so that
   their ratio compares runs made under the same load on a shared machine; a diagnostic run
   of the same CLI with Python's cyclic GC disabled joins the rounds;
d. flake8 with TorchFix (``flake8 --select TOR -j N``), in interleaved rounds with a cold
   lstm-lint run (``--flake8-runs``, default 3), so that the goal's ratio is paired;
e. TorchShapeFlow (``tsf check DIR``);
f. one small file: lstm-lint against ``python -c "import libcst, networkx"`` and flake8, in
   interleaved rounds as a and c;
g. throughput (files/s) with 1 and N processes, and time against file size: every file is
   linted alone in one process (``lint_paths([f], Options())``, after a warm-up) and parsed
   alone with libcst (``speed.py --per-file DIR``), then bucketed by size (CPU ms per KiB).

The corpus is fetched with ``benchmarks/fetch_corpus.py`` into ``~/.cache/lstm-lint-corpus/dl``
unless ``--corpus`` names one (a fetch_corpus destination holding ``src/``, or any folder).
Nothing is copied into the repository: a ``pyproject.toml`` marker (no ``[tool.lstm-lint]``
table) is written at the corpus root, if it has none, so that lstm-lint's cache lands there.
flake8 + TorchFix and TorchShapeFlow are installed into their own virtual environment
(default ``~/.cache/lstm-lint-corpus/tools-venv``): TorchFix pins ``libcst<1.6``, which would
otherwise replace the libcst that lstm-lint is measured with.

lstm-lint's own sources are compiled to bytecode first (``compileall``), as an installed copy
is and as libcst and networkx are: under ``PYTHONDONTWRITEBYTECODE`` every run would otherwise
compile them again.  The goals are issue 13's (``GOALS``); the cold and small-file goals are
judged on the paired ratios of the interleaved rounds, and CPU-time (user+sys) ratios are
given beside the wall-time ones, steadier on a shared machine.

Needs hyperfine (``apt-get install -y hyperfine``).  Results go to
``benchmarks/results/speed.json`` (``--json``), and a table is printed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import tokenize
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve()
DEFAULT_DEST = Path("~/.cache/lstm-lint-corpus/dl")  # fetch_corpus.py's default destination
DEFAULT_VENV = Path("~/.cache/lstm-lint-corpus/tools-venv")
DEFAULT_JSON = ROOT / "benchmarks" / "results" / "speed.json"
SMALL_FILE = "examples/seed_last_step.py"
MARKER_TEXT = ("# Written by lstm-lint's benchmarks/speed.py: marks the corpus root, so that\n"
               "# lstm-lint's cache (.lstm_lint_cache/) lands here.  No [tool.lstm-lint] table.\n")
KIB = 1024
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("<5 KiB", 0, 5 * KIB),
    ("5-20 KiB", 5 * KIB, 20 * KIB),
    ("20-80 KiB", 20 * KIB, 80 * KIB),
    (">80 KiB", 80 * KIB, None),
)
#: issue 13's acceptance: a cold run costs no more than the bare libcst parse of every file,
#: is at least 10x faster than flake8 + TorchFix, and one file costs at most 1.2x the import of
#: libcst and networkx
GOALS = {"cold_over_parse_floor_max": 1.0, "speedup_vs_flake8_torchfix_min": 10.0,
         "small_file_over_import_floor_max": 1.2}


# ---- helpers run in child processes -------------------------------------------------------

def _decode(data: bytes) -> str | None:
    """Decode source bytes the way lstm-lint does (PEP 263 cookie, BOM dropped)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None
    return text[1:] if text.startswith("\ufeff") else text


def _parse_file(path: str) -> bool:
    import libcst

    with open(path, "rb") as fh:
        text = _decode(fh.read())
    if text is None:
        return False
    try:
        libcst.parse_module(text)
    except Exception:  # a syntax error (or RecursionError) counts as parsed-and-rejected
        return False
    return True


def corpus_files(directory: str) -> list[str]:
    """The files lstm-lint would check under ``directory`` (its own discovery)."""
    from lstm_lint.discover import discover

    return list(discover([directory]))


def parse_only(directory: str, jobs: int) -> int:
    """The parse floor: read, decode and libcst-parse every file in a pool of ``jobs``."""
    import multiprocessing as mp

    import libcst  # noqa: F401 - imported once here, inherited by the forked workers

    files = corpus_files(directory)
    if jobs <= 1:
        ok = sum(_parse_file(f) for f in files)
    else:
        ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        with ctx.Pool(jobs) as pool:
            ok = sum(pool.imap_unordered(_parse_file, files, chunksize=4))
    print(f"parsed {ok} of {len(files)} files")
    return 0


def per_file(directory: str, out: str) -> int:
    """Lint each file alone in this process, then parse it alone; write the timings."""
    import libcst

    from lstm_lint.lint import Options, lint_paths

    files = corpus_files(directory)
    opts = Options()
    lint_paths([str(ROOT / SMALL_FILE)], opts)  # warm-up: imports the engine and the rules
    rows = []
    clock, cpu = time.perf_counter, time.process_time
    for f in files:
        t0, c0 = clock(), cpu()
        lint_paths([f], opts)
        t1, c1 = clock(), cpu()
        with open(f, "rb") as fh:
            data = fh.read()
        text = _decode(data)
        ok = False
        if text is not None:
            try:
                libcst.parse_module(text)
                ok = True
            except Exception:
                pass
        t2, c2 = clock(), cpu()
        rows.append({"path": f, "bytes": len(data), "lint_s": t1 - t0, "parse_s": t2 - t1,
                     "lint_cpu_s": c1 - c0, "parse_cpu_s": c2 - c1, "parsed": ok})
    Path(out).write_text(json.dumps(rows), encoding="utf-8")
    return 0


# ---- the orchestration --------------------------------------------------------------------

class Bench:
    def __init__(self, hyperfine: str, out: Path, meta: dict[str, Any]):
        self.hyperfine = hyperfine
        self.out = out
        self.tmp = Path(tempfile.mkdtemp(prefix="lstm-lint-speed-"))
        self.doc: dict[str, Any] = {"meta": meta, "measurements": {}, "derived": {},
                                    "goals": {}, "buckets": [], "tools": {}, "load": {},
                                    "notes": []}
        self.t_start = time.perf_counter()

    def save(self) -> None:
        self.doc["meta"]["elapsed_s"] = round(time.perf_counter() - self.t_start, 1)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.out.write_text(json.dumps(self.doc, indent=2) + "\n", encoding="utf-8")

    def note(self, text: str) -> None:
        print(f"note: {text}", flush=True)
        self.doc["notes"].append(text)

    def load(self, label: str) -> None:
        entry: dict[str, Any] = {"loadavg": [round(x, 2) for x in os.getloadavg()]}
        try:
            entry["cpu_pressure"] = Path("/proc/pressure/cpu").read_text().splitlines()[0]
        except OSError:
            pass
        self.doc["load"][label] = entry

    def _hyperfine(self, key: str, commands: Sequence[tuple[str, Sequence[str]]], *, runs: int,
                   warmup: int, cwd: Path, prepare: Sequence[str] | None) -> list[Any] | None:
        export = self.tmp / f"{key}.json"
        argv = [self.hyperfine, "-N", "-i", "--style", "basic", "--runs", str(runs),
                "--warmup", str(warmup), "--export-json", str(export)]
        if prepare is not None:
            argv += ["--prepare", shlex.join(prepare)]
        for name, cmd in commands:
            argv += ["-n", name, shlex.join(cmd)]
        proc = subprocess.run(argv, cwd=cwd, check=False)
        if proc.returncode != 0 or not export.is_file():
            self.note(f"{key}: hyperfine failed (exit {proc.returncode})")
            return None
        results: list[Any] = json.loads(export.read_text(encoding="utf-8"))["results"]
        return results

    def _store(self, name: str, cmd: Sequence[str], cwd: Path, res: dict[str, Any],
               ok_codes: Sequence[int]) -> None:
        codes = [c for c in res.get("exit_codes", []) if c is not None]
        times = res["times"]
        entry = {
            "command": shlex.join(cmd), "cwd": str(cwd), "runs": len(times),
            "median_s": statistics.median(times), "mean_s": statistics.fmean(times),
            "stddev_s": statistics.stdev(times) if len(times) > 1 else None,
            "min_s": min(times), "max_s": max(times),
            "user_s": res.get("user"), "system_s": res.get("system"),
            "times_s": times, "exit_codes": codes,
        }
        entry.update({k: v for k, v in res.items() if k in ("warmup", "prepare", "interleaved",
                                                            "user_runs_s", "system_runs_s")})
        bad = sorted({c for c in codes if c not in ok_codes})
        if bad:
            entry["error"] = f"unexpected exit code(s) {bad}"
            self.note(f"{name}: unexpected exit code(s) {bad}: the timing is not valid")
        self.doc["measurements"][name] = entry

    def hyperfine_run(self, key: str, commands: Sequence[tuple[str, Sequence[str]]], *,
                      runs: int, warmup: int = 0, cwd: Path, prepare: Sequence[str] | None = None,
                      ok_codes: Sequence[int] = (0, 1)) -> None:
        """Time ``commands`` (name, argv) with hyperfine and store each under its name."""
        print(f"\n== {key}: {len(commands)} command(s), {runs} run(s) each"
              f"{f', {warmup} warm-up' if warmup else ''}", flush=True)
        self.load(f"{key}:before")
        t0 = time.perf_counter()
        results = self._hyperfine(key, commands, runs=runs, warmup=warmup, cwd=cwd,
                                  prepare=prepare)
        self.load(f"{key}:after")
        for (name, cmd), res in zip(commands, results or [], strict=False):
            res["warmup"] = warmup
            if prepare is not None:
                res["prepare"] = shlex.join(prepare)
            self._store(name, cmd, cwd, res, ok_codes)
        self.doc["meta"].setdefault("section_wall_s", {})[key] = round(time.perf_counter() - t0, 1)
        self.save()

    def hyperfine_rounds(self, key: str, commands: Sequence[tuple[str, Sequence[str]]], *,
                         rounds: int, cwd: Path, ok_codes: Sequence[int] = (0, 1)) -> None:
        """Like :meth:`hyperfine_run`, but interleaved: ``rounds`` times one run of each command.

        On a machine shared with other work, the commands then see the same conditions, and
        the ratio of their run-i times (a paired ratio) is fair.
        """
        print(f"\n== {key}: {len(commands)} command(s), {rounds} interleaved round(s)", flush=True)
        self.load(f"{key}:before")
        t0 = time.perf_counter()
        merged: dict[str, dict[str, Any]] = {
            name: {"times": [], "exit_codes": [], "user_runs_s": [], "system_runs_s": [],
                   "interleaved": True, "warmup": 0} for name, _cmd in commands}
        for r in range(rounds):
            results = self._hyperfine(f"{key}-{r}", commands, runs=1, warmup=0, cwd=cwd,
                                      prepare=None)
            for (name, _cmd), res in zip(commands, results or [], strict=False):
                m = merged[name]
                m["times"] += res["times"]
                m["exit_codes"] += res.get("exit_codes", [])
                m["user_runs_s"].append(res.get("user"))
                m["system_runs_s"].append(res.get("system"))
            self.load(f"{key}:after round {r + 1}")
        for name, cmd in commands:
            m = merged[name]
            if not m["times"]:
                continue
            users = [u for u in m["user_runs_s"] if u is not None]
            systems = [x for x in m["system_runs_s"] if x is not None]
            m["user"] = statistics.fmean(users) if users else None
            m["system"] = statistics.fmean(systems) if systems else None
            self._store(name, cmd, cwd, m, ok_codes)
        self.doc["meta"].setdefault("section_wall_s", {})[key] = round(time.perf_counter() - t0, 1)
        self.save()

    def paired(self, a: str, b: str) -> float | None:
        """Median over interleaved rounds of time(a) / time(b)."""
        ma, mb = self.doc["measurements"].get(a), self.doc["measurements"].get(b)
        if not ma or not mb or "error" in ma or "error" in mb or not ma.get("interleaved") \
                or len(ma["times_s"]) != len(mb["times_s"]):
            return None
        return round(statistics.median(x / y for x, y in zip(ma["times_s"], mb["times_s"],
                                                              strict=True)), 3)

    def median(self, name: str) -> float | None:
        m = self.doc["measurements"].get(name)
        if m is None or "error" in m:
            return None
        return float(m["median_s"])


def ensure_corpus(arg: Path | None) -> tuple[Path, Path]:
    """Return (corpus root, folder to lint); fetch the pinned corpus unless ``--corpus``."""
    if arg is None:
        dest = DEFAULT_DEST.expanduser().resolve()
        print(f"ensuring the corpus in {dest} (benchmarks/fetch_corpus.py) ...", flush=True)
        proc = subprocess.run([sys.executable, str(HERE.parent / "fetch_corpus.py"),
                               "--dest", str(dest)], check=False)
        if proc.returncode != 0:
            print("warning: fetch_corpus.py reported failures; using what was fetched",
                  file=sys.stderr)
    else:
        dest = arg.expanduser().resolve()
    if not dest.is_dir():
        raise SystemExit(f"speed.py: corpus folder {dest} does not exist")
    if dest == ROOT or ROOT in dest.parents:
        raise SystemExit(f"speed.py: the corpus {dest} is inside the repository; use a folder "
                         "outside it (nothing may be written into the repository)")
    src = dest / "src" if (dest / "src").is_dir() else dest
    return dest, src


def ensure_marker(root: Path, src: Path) -> tuple[bool, str]:
    """Make ``root`` lstm-lint's project root (for its cache); return (created, cache dir)."""
    from lstm_lint.cache import CACHE_DIR, project_root

    created = False
    if not (root / "pyproject.toml").is_file() and not (root / ".git").exists():
        (root / "pyproject.toml").write_text(MARKER_TEXT, encoding="utf-8")
        created = True
    cache_dir = Path(project_root([str(src)])) / CACHE_DIR
    if cache_dir.resolve() == ROOT / CACHE_DIR or ROOT in cache_dir.resolve().parents:
        raise SystemExit(f"speed.py: lstm-lint's cache would land in the repository "
                         f"({cache_dir}); refusing")
    return created, str(cache_dir)


def ensure_tools(venv: Path, bench: Bench) -> dict[str, str | None]:
    """flake8 + TorchFix and TorchShapeFlow in their own venv; return their executables."""
    exes: dict[str, str | None] = {"flake8": None, "tsf": None}
    py = venv / "bin" / "python"
    if not py.exists():
        print(f"creating {venv} for flake8 + TorchFix and TorchShapeFlow ...", flush=True)
        proc = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True,
                              text=True, check=False)
        if proc.returncode != 0:
            msg = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            bench.doc["tools"]["venv_error"] = msg[0]
            bench.note(f"cannot create {venv}: {msg[0]}")
            return exes
    for pkg, exe in (("torchfix", "flake8"), ("torchshapeflow", "tsf")):
        info: dict[str, Any] = {"venv": str(venv)}
        have = subprocess.run([str(py), "-m", "pip", "show", pkg], capture_output=True,
                              text=True, check=False)
        if have.returncode != 0:
            print(f"pip install {pkg} (into {venv}) ...", flush=True)
            inst = subprocess.run([str(py), "-m", "pip", "install", "-q", pkg],
                                  capture_output=True, text=True, check=False)
            if inst.returncode != 0:
                lines = [ln for ln in (inst.stderr or inst.stdout).strip().splitlines()
                         if ln and not ln.startswith("WARNING")]
                info["error"] = " | ".join(lines[-3:]) or f"pip exited {inst.returncode}"
                bench.note(f"pip install {pkg} failed: {info['error']}")
                bench.doc["tools"][pkg] = info
                continue
            have = subprocess.run([str(py), "-m", "pip", "show", pkg], capture_output=True,
                                  text=True, check=False)
        for line in have.stdout.splitlines():
            if line.startswith("Version:"):
                info["version"] = line.split(":", 1)[1].strip()
        path = venv / "bin" / exe
        if path.exists():
            exes[exe] = str(path)
            info["executable"] = str(path)
        else:
            info["error"] = f"{pkg} installed but {path} is missing"
        bench.doc["tools"][pkg] = info
    if exes["flake8"]:
        ver = subprocess.run([exes["flake8"], "--version"], capture_output=True, text=True,
                             check=False)
        bench.doc["tools"]["flake8_version"] = " ".join(ver.stdout.split())
    return exes


def compile_bytecode() -> dict[str, Any]:
    """Compile lstm-lint's sources to bytecode, as ``pip install`` does for an installed package
    (and as libcst's and networkx's already are): an environment with
    ``PYTHONDONTWRITEBYTECODE`` set (CI images, sandboxes) would otherwise compile every module
    of lstm-lint on every run, a cost no installed copy pays, while the floor it is compared
    to imports precompiled code.  The ``__pycache__`` folders are ignored by git."""
    import compileall

    ok = all([compileall.compile_dir(str(ROOT / d), quiet=1) for d in ("lstm_lint", "rules")])
    return {"compiled": ok, "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE")}


def git_state() -> dict[str, Any]:
    """The commit measured, and whether lstm-lint's sources differ from it."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "lstm_lint", "rules"],
                           cwd=ROOT, capture_output=True, text=True, check=False)
    return {"head": head.stdout.strip() or None,
            "lstm_lint_changes": [ln[3:] for ln in dirty.stdout.splitlines()]}


def pick_edit_file(files: list[str], sizes: dict[str, int]) -> str:
    """A typical recurrent-model file: mentions LSTM, closest to the median size of those."""
    cands = []
    for f in files:
        try:
            if b"LSTM" in Path(f).read_bytes():
                cands.append(f)
        except OSError:
            continue
    pool = cands or files
    med = statistics.median(sizes[f] for f in pool)
    return min(pool, key=lambda f: (abs(sizes[f] - med), f))


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def bucket_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per size bucket: CPU time (robust to other load on the machine) and wall time."""
    out = []
    for label, lo, hi in BUCKETS:
        sel = [r for r in rows if r["bytes"] >= lo and (hi is None or r["bytes"] < hi)]
        kib = sum(r["bytes"] for r in sel) / KIB
        lint = sum(r["lint_cpu_s"] for r in sel)
        parse = sum(r["parse_cpu_s"] for r in sel)
        wall = sum(r["lint_s"] for r in sel)
        out.append({
            "bucket": label, "files": len(sel), "kib": round(kib, 1),
            "lint_cpu_s": round(lint, 3), "parse_cpu_s": round(parse, 3),
            "lint_wall_s": round(wall, 3), "parse_wall_s": round(sum(r["parse_s"] for r in sel), 3),
            "lint_ms_per_kib": round(1000 * lint / kib, 3) if kib else None,
            "parse_ms_per_kib": round(1000 * parse / kib, 3) if kib else None,
            "lint_over_parse": round(lint / parse, 3) if parse else None,
            "lint_ms_per_file": round(1000 * lint / len(sel), 2) if sel else None,
            "lint_wall_ms_per_kib": round(1000 * wall / kib, 3) if kib else None,
        })
    return out


def fit(rows: list[dict[str, Any]]) -> dict[str, float | None]:
    """Least squares lint CPU time = a + b * KiB over single files (b: ms per KiB)."""
    xs = [r["bytes"] / KIB for r in rows]
    ys = [1000 * r["lint_cpu_s"] for r in rows]
    if len(xs) < 2:
        return {"intercept_ms": None, "ms_per_kib": None, "r": None}
    slope, intercept = statistics.linear_regression(xs, ys)
    return {"intercept_ms": round(intercept, 3), "ms_per_kib": round(slope, 3),
            "r": round(statistics.correlation(xs, ys), 3)}


def fmt_s(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def fmt_x(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}x"


def print_table(doc: dict[str, Any]) -> None:
    meta = doc["meta"]
    print("\n" + "=" * 88)
    print(f"lstm-lint speed  |  {meta['cpu_model']}  |  {meta['cores']} cores  |  "
          f"{meta['n_files']} files, {meta['total_kib']:.0f} KiB  |  jobs {meta['jobs']}")
    print("=" * 88)
    print(f"{'measurement':<46} {'median':>10} {'min':>10} {'max':>10} {'runs':>5}")
    print("-" * 88)
    for name, m in doc["measurements"].items():
        flag = "  (!)" if "error" in m else ""
        print(f"{name:<46} {fmt_s(m['median_s']):>10} {fmt_s(m['min_s']):>10} "
              f"{fmt_s(m['max_s']):>10} {m['runs']:>5}{flag}")
    print("-" * 88)
    d = doc["derived"]
    print(f"{'derived':<46} {'value':>10}")
    print("-" * 88)
    for key, val in d.items():
        if isinstance(val, float):
            shown = f"{val:.3f}" if val < 1000 else f"{val:.0f}"
        else:
            shown = "n/a" if val is None else str(val)
        print(f"{key:<46} {shown:>10}")
    if doc["buckets"]:
        print("-" * 88)
        print("time against size: each file alone, 1 process, CPU time (process_time)")
        print(f"{'size bucket':<26} {'files':>6} {'KiB':>8} "
              f"{'lint ms/KiB':>12} {'parse ms/KiB':>13} {'lint/parse':>11} {'ms/file':>9}")
        for b in doc["buckets"]:
            print(f"{b['bucket']:<26} {b['files']:>6} {b['kib']:>8.0f} "
                  f"{b['lint_ms_per_kib'] or 0:>12.3f} {b['parse_ms_per_kib'] or 0:>13.3f} "
                  f"{b['lint_over_parse'] or 0:>11.2f} {b['lint_ms_per_file'] or 0:>9.1f}")
    print("-" * 88)
    for goal, g in doc["goals"].items():
        state = "n/a" if g["met"] is None else ("MET" if g["met"] else "NOT MET")
        print(f"goal {goal:<41} {fmt_x(g['value']):>10}  (target {g['target']})  {state}")
    for n in doc["notes"]:
        print(f"note: {n}")
    print("=" * 88)


def run(args: argparse.Namespace) -> int:
    hyperfine = shutil.which("hyperfine")
    if hyperfine is None:
        print("speed.py: hyperfine is not installed.  Install it with\n"
              "    apt-get install -y hyperfine     (Debian/Ubuntu)\n"
              "or  cargo install hyperfine / brew install hyperfine, then run again.",
              file=sys.stderr)
        return 2
    scripts = Path(sysconfig.get_path("scripts"))
    lstm_lint = str(scripts / "lstm-lint") if (scripts / "lstm-lint").exists() \
        else shutil.which("lstm-lint")
    if lstm_lint is None:
        print("speed.py: lstm-lint is not installed (pip install -e .)", file=sys.stderr)
        return 2
    jobs = args.jobs
    root, src = ensure_corpus(args.corpus)
    marker_created, cache_dir = ensure_marker(root, src)
    files = corpus_files(str(src))
    if not files:
        print(f"speed.py: no Python files under {src}", file=sys.stderr)
        return 2
    sizes = {f: os.path.getsize(f) for f in files}  # also warms the page cache below
    for f in files:
        Path(f).read_bytes()
    all_py = sum(1 for p in src.rglob("*.py") if p.is_file())

    import libcst
    import networkx

    from lstm_lint import __version__
    from lstm_lint.config import find_pyproject

    cpu_model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    hv = subprocess.run([hyperfine, "--version"], capture_output=True, text=True, check=False)
    meta: dict[str, Any] = {
        "command": shlex.join([sys.executable, *sys.argv]),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": cpu_model, "platform": platform.platform(),
        "python": platform.python_version(), "lstm_lint": __version__,
        "libcst": libcst.__version__ if hasattr(libcst, "__version__") else None,
        "networkx": networkx.__version__, "hyperfine": hv.stdout.strip(),
        "corpus_root": str(root), "corpus_dir": str(src), "marker_created": marker_created,
        "cache_dir": cache_dir, "lstm_lint_config": find_pyproject([str(src)]),
        "n_files": len(files), "n_py_files_rglob": all_py,
        "total_kib": round(sum(sizes.values()) / KIB, 1), "jobs": jobs,
        "lstm_lint_executable": lstm_lint, "repo": git_state(), "bytecode": compile_bytecode(),
    }
    try:
        import importlib.metadata as md

        meta["libcst"] = md.version("libcst")
    except Exception:
        pass
    bench = Bench(hyperfine, args.json.resolve(), meta)
    if os.getloadavg()[0] > 0.5:
        bench.note(f"the machine was busy at the start (load average "
                   f"{os.getloadavg()[0]:.2f}): timings may be inflated")
    tools = ensure_tools(args.tools_venv.expanduser().resolve(), bench)
    bench.save()
    d = str(src)
    me = [sys.executable, str(HERE)]

    # f. one small file (cheap, first: nothing else is running yet)
    small: list[tuple[str, Sequence[str]]] = [
        ("small: lstm-lint --no-cache", [lstm_lint, "--no-cache", SMALL_FILE]),
        ("small: python -c 'import libcst, networkx'",
         [sys.executable, "-c", "import libcst, networkx"]),
        ("small: python -c pass", [sys.executable, "-c", "pass"]),
    ]
    if tools["flake8"]:
        small += [("small: flake8 (TorchFix venv)", [tools["flake8"], SMALL_FILE]),
                  ("small: flake8 --select TOR", [tools["flake8"], "--select", "TOR", SMALL_FILE])]
    # interleaved too (one run of each command per round, after a warm-up of each), so that
    # their ratio compares runs made under the same load
    bench._hyperfine("small_file-warmup", small, runs=1, warmup=1, cwd=ROOT, prepare=None)
    bench.hyperfine_rounds("small_file", small, rounds=10, cwd=ROOT)

    # a. cold runs, c. the parse floor
    cold_j = f"cold: lstm-lint --no-cache --jobs {jobs}"
    cold_1 = "cold: lstm-lint --no-cache --jobs 1"
    floor_j = f"parse floor: libcst, {jobs} processes"
    gc_j = f"diagnostic: cold --jobs {jobs}, gc disabled"
    base = [lstm_lint, "--no-cache", d, "--format", "json", "-o", "/dev/null"]
    # Interleaved, so that the ratios compare runs made under the same load.  The last
    # command is a diagnostic, not lstm-lint as shipped: the same CLI with Python's cyclic
    # garbage collector switched off (gc.disable() before lstm_lint.cli.main; forked workers
    # inherit it), to show how much of a cold run is the collector.
    gc_off = [sys.executable, "-c", "import gc, sys; gc.disable(); "
              "from lstm_lint.cli import main; sys.argv[0] = 'lstm-lint'; sys.exit(main())"]
    bench.hyperfine_rounds("cold", [
        (cold_j, [*base, "--jobs", str(jobs)]),
        (floor_j, [*me, "--parse-only", d, "--jobs", str(jobs)]),
        (cold_1, [*base, "--jobs", "1"]),
        (gc_j, [*gc_off, *base[1:], "--jobs", str(jobs)]),
    ], rounds=args.runs, cwd=root)

    # b. warm: fill the cache once (timed, one run), then re-run; then one edited file
    cache = Path(cache_dir)
    if cache.is_dir() and cache.name == ".lstm_lint_cache":
        shutil.rmtree(cache)
    cached = [lstm_lint, d, "--format", "json", "-o", "/dev/null", "--jobs", str(jobs)]
    print("\n== filling the cache (one run) ...", flush=True)
    t0 = time.perf_counter()
    fill = subprocess.run(cached, cwd=root, check=False)
    fill_s = time.perf_counter() - t0
    entries = sum(1 for _ in cache.rglob("*.json")) if cache.is_dir() else 0
    bench.doc["measurements"][f"fill: lstm-lint (writes the cache), --jobs {jobs}"] = {
        "command": shlex.join(cached), "cwd": str(root), "runs": 1, "median_s": fill_s,
        "mean_s": fill_s, "min_s": fill_s, "max_s": fill_s, "exit_codes": [fill.returncode],
        "cache_entries": entries}
    if entries == 0:
        bench.note(f"the cache was not written to {cache}: the warm timings are not warm")
    warm = f"warm: lstm-lint, --jobs {jobs}"
    edit = "warm + 1 edited file"
    bench.hyperfine_run("warm", [(warm, cached)], runs=5, warmup=1, cwd=root)
    target = pick_edit_file(files, sizes)
    original = Path(target).read_bytes()
    touch = [sys.executable, "-c",
             "import sys; open(sys.argv[1], 'a').write('# edited by speed.py\\n')", target]
    try:
        bench.hyperfine_run("warm_edit", [(edit, cached)], runs=5, warmup=1, cwd=root,
                            prepare=touch)
    finally:
        Path(target).write_bytes(original)
    bench.doc["meta"]["edited_file"] = {"path": target, "bytes": sizes[target]}

    # e. TorchShapeFlow (single process, fast) and d. flake8 + TorchFix (slow: fewest runs)
    tsf = "tsf check (TorchShapeFlow)"
    if tools["tsf"]:
        bench.hyperfine_run("tsf", [(tsf, [tools["tsf"], "check", d])], runs=3, warmup=1,
                            cwd=root)
    # flake8 + TorchFix in interleaved rounds with a cold lstm-lint run, as the cold runs and
    # the parse floor: the machine's speed drifts by a third between sections on a shared
    # host, and only a paired ratio compares runs made under the same load
    tor = f"flake8 --select TOR -j {jobs} (TorchFix)"
    cold_tor = f"cold: lstm-lint --no-cache --jobs {jobs} (paired with flake8)"
    if tools["flake8"]:
        bench.hyperfine_rounds("flake8_torchfix", [
            (cold_tor, [*base, "--jobs", str(jobs)]),
            (tor, [tools["flake8"], "--select", "TOR", "-j", str(jobs), d]),
        ], rounds=args.flake8_runs, cwd=root)

    # g. each file alone, in one process
    print("\n== per-file timings (lint alone, then parse alone; one process) ...", flush=True)
    rows_out = bench.tmp / "per_file.json"
    t0 = time.perf_counter()
    bench.load("per_file:before")
    pf = subprocess.run([*me, "--per-file", d, "--per-file-out", str(rows_out)], cwd=root,
                        check=False)
    bench.load("per_file:after")
    bench.doc["meta"].setdefault("section_wall_s", {})["per_file"] = \
        round(time.perf_counter() - t0, 1)
    rows: list[dict[str, Any]] = []
    if pf.returncode == 0 and rows_out.is_file():
        rows = json.loads(rows_out.read_text(encoding="utf-8"))
        bench.doc["buckets"] = bucket_rows(rows)
        bench.doc["fit_lint_vs_size"] = fit(rows)
        slow = sorted(rows, key=lambda r: -r["lint_cpu_s"])[:10]
        bench.doc["slowest_files"] = [
            {"path": os.path.relpath(r["path"], d), "kib": round(r["bytes"] / KIB, 1),
             "lint_cpu_ms": round(1000 * r["lint_cpu_s"], 1),
             "parse_cpu_ms": round(1000 * r["parse_cpu_s"], 1)}
            for r in slow]
    else:
        bench.note(f"per-file timing failed (exit {pf.returncode})")

    # derived numbers and goals
    n = len(files)
    kib = sum(sizes.values()) / KIB
    m = bench.median
    der = bench.doc["derived"]
    for label, name in ((f"{jobs} processes", cold_j), ("1 process", cold_1)):
        t = m(name)
        der[f"files/s, cold, {label}"] = round(n / t, 1) if t else None
        der[f"KiB/s, cold, {label}"] = round(kib / t, 1) if t else None
    der[f"speedup {jobs} processes over 1"] = ratio(m(cold_1), m(cold_j))
    der[f"cold --jobs {jobs} / parse floor ({jobs} proc)"] = ratio(m(cold_j), m(floor_j))
    der["  same, paired per interleaved round"] = bench.paired(cold_j, floor_j)
    der["diagnostic: gc disabled / parse floor"] = ratio(m(gc_j), m(floor_j))
    der["diagnostic: cold / cold with gc disabled"] = ratio(m(cold_j), m(gc_j))
    der["warm / cold"] = ratio(m(warm), m(cold_j))
    der["warm + 1 edit / warm"] = ratio(m(edit), m(warm))
    der["flake8 TOR / lstm-lint cold (speedup)"] = ratio(m(tor), m(cold_tor))
    der["  same, paired per interleaved round (flake8)"] = bench.paired(tor, cold_tor)
    der["lstm-lint cold / tsf check"] = ratio(m(cold_j), m(tsf))
    small_ll = m("small: lstm-lint --no-cache")
    imp = m("small: python -c 'import libcst, networkx'")
    der["small: lstm-lint / import floor"] = ratio(small_ll, imp)
    der["  same, paired per interleaved round (small)"] = bench.paired(
        "small: lstm-lint --no-cache", "small: python -c 'import libcst, networkx'")
    der["small: flake8 TOR / lstm-lint"] = ratio(m("small: flake8 --select TOR"), small_ll)
    def cpu(name: str) -> float | None:
        e = bench.doc["measurements"].get(name)
        if e is None or "error" in e or e.get("user_s") is None:
            return None
        return float(e["user_s"]) + float(e.get("system_s") or 0.0)

    der[f"CPU (user+sys): cold --jobs {jobs} / parse floor"] = ratio(cpu(cold_j), cpu(floor_j))
    der[f"CPU (user+sys): cold --jobs {jobs} / --jobs 1"] = ratio(cpu(cold_j), cpu(cold_1))
    # on a shared machine CPU time is steadier than wall time
    der["CPU (user+sys): small lstm-lint / import floor"] = ratio(
        cpu("small: lstm-lint --no-cache"), cpu("small: python -c 'import libcst, networkx'"))
    der[f"CPU (user+sys): flake8 TOR / lstm-lint cold --jobs {jobs}"] = ratio(cpu(tor),
                                                                             cpu(cold_tor))
    if rows:
        lint_sum = sum(r["lint_cpu_s"] for r in rows)
        parse_sum = sum(r["parse_cpu_s"] for r in rows)
        der["per-file CPU sum: lint alone (s)"] = round(lint_sum, 2)
        der["per-file CPU sum: libcst parse alone (s)"] = round(parse_sum, 2)
        der["per-file CPU: lint / parse"] = ratio(lint_sum, parse_sum)
        der["per-file wall sum: lint alone (s)"] = round(sum(r["lint_s"] for r in rows), 2)
        der["CPU (user+sys): cold --jobs 1 / per-file lint sum"] = ratio(cpu(cold_1), lint_sum)
        per_kib = [b["lint_ms_per_kib"] for b in bench.doc["buckets"] if b["lint_ms_per_kib"]]
        der["ms/KiB spread (max/min bucket)"] = ratio(max(per_kib), min(per_kib)) \
            if per_kib else None
    g_cold, g_tor, g_small = (GOALS["cold_over_parse_floor_max"],
                              GOALS["speedup_vs_flake8_torchfix_min"],
                              GOALS["small_file_over_import_floor_max"])
    cold_goal, tor_goal, small_goal = (f"cold / parse floor <= {g_cold:g}",
                                       f"speedup vs flake8+TorchFix >= {g_tor:g}",
                                       f"small file / import floor <= {g_small:g}")
    bench.doc["goals"] = {
        cold_goal: {"value": der["  same, paired per interleaved round"]
                    or der[f"cold --jobs {jobs} / parse floor ({jobs} proc)"],
                    "target": f"<= {g_cold}"},
        tor_goal: {"value": der["  same, paired per interleaved round (flake8)"]
                   or der["flake8 TOR / lstm-lint cold (speedup)"],
                   "target": f">= {g_tor}"},
        small_goal: {"value": der["  same, paired per interleaved round (small)"]
                     or der["small: lstm-lint / import floor"],
                     "target": f"<= {g_small}"},
    }
    limits = {cold_goal: (g_cold, "max"), tor_goal: (g_tor, "min"), small_goal: (g_small, "max")}
    for key, g in bench.doc["goals"].items():
        lim, kind = limits[key]
        g["met"] = None if g["value"] is None else \
            (g["value"] <= lim if kind == "max" else g["value"] >= lim)
    if not tools["tsf"]:
        bench.note("TorchShapeFlow could not be installed: "
                   f"{bench.doc['tools'].get('torchshapeflow', {}).get('error', 'unknown')}")
    if not tools["flake8"]:
        bench.note("flake8 + TorchFix could not be installed: "
                   f"{bench.doc['tools'].get('torchfix', {}).get('error', 'unknown')}")
    end_state = git_state()
    bench.doc["meta"]["repo_end"] = end_state
    if end_state != bench.doc["meta"]["repo"]:
        bench.note("lstm-lint's sources changed during the run (see meta.repo and meta.repo_end): "
                   "the timings may mix two versions")
    bench.load("end")
    bench.save()
    shutil.rmtree(bench.tmp, ignore_errors=True)
    print_table(bench.doc)
    print(f"\nwritten to {bench.out}")
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--corpus", type=Path,
                   help=f"corpus folder (default: fetch into {DEFAULT_DEST})")
    p.add_argument("--json", type=Path, default=DEFAULT_JSON,
                   help="where to write the results (default: benchmarks/results/speed.json)")
    p.add_argument("--jobs", type=int, default=2, help="processes for the parallel runs")
    p.add_argument("--runs", type=int, default=3, help="runs of each whole-corpus timing")
    p.add_argument("--flake8-runs", type=int, default=3,
                   help="interleaved rounds of flake8 + TorchFix and a cold lstm-lint run over "
                        "the corpus (minutes each; default 3)")
    p.add_argument("--tools-venv", type=Path, default=DEFAULT_VENV,
                   help=f"venv for flake8 + TorchFix and TorchShapeFlow (default {DEFAULT_VENV})")
    p.add_argument("--parse-only", metavar="DIR", help=argparse.SUPPRESS)
    p.add_argument("--per-file", metavar="DIR", help=argparse.SUPPRESS)
    p.add_argument("--per-file-out", metavar="OUT", help=argparse.SUPPRESS)
    return p.parse_args(list(argv) if argv is not None else None)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.parse_only:
        return parse_only(args.parse_only, args.jobs)
    if args.per_file:
        return per_file(args.per_file, args.per_file_out)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
