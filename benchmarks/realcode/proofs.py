"""Run one driven class, original or mutated, in a child process and report what torch saw.

The child is ``torchrun.run_class`` (the ground truth's runner) plus two instruments of our
own: every recurrent layer records the line that built it and each of its calls (so a
mutation of a constructor is tied to the calls of that very layer), and ``rc_probe`` records
the tensors that a proof run wraps inline.  The mutated file is written inside the class's
working folder (``.rc_mut/<n>/``, removed afterwards) under the driven module's name, so
tracebacks name it like the original file.

    python benchmarks/realcode/proofs.py --child SPEC.json OUT.json     (internal)
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rc_common import HERE, WORK, ClassDriver, slug

MAX_TRACE = 64
MUT_DIR = ".rc_mut"
_COUNTER = itertools.count()
_LOCK = threading.Lock()


@dataclass
class LocalDriver(ClassDriver):
    """A class driver whose working folder can be anywhere (the tests use a temporary one)."""

    base: str = ""

    @property
    def workdir(self) -> Path:
        return Path(self.base) if self.base else WORK / slug(self.repo)


def local(drv: ClassDriver, base: Path | None = None) -> LocalDriver:
    return LocalDriver(
        drv.repo,
        drv.commit,
        drv.path,
        drv.cls,
        drv.spec,
        drv.root,
        drv.domain,
        str(base) if base else str(drv.workdir),
    )


# ---- the child ---------------------------------------------------------------------------


def _install_trace(workdir: str, trace: list[dict[str, Any]], built: list[dict[str, Any]]) -> None:
    import torch
    import torchrun

    def site() -> list[Any]:
        f = sys._getframe(2)
        while f is not None:
            fn = os.path.realpath(f.f_code.co_filename)
            if fn.startswith(workdir + os.sep):
                return [os.path.relpath(fn, workdir), f.f_lineno]
            f = f.f_back
        return ["?", 0]

    def hook(m: Any, a: Any, k: Any, out: Any) -> None:
        if len(trace) >= MAX_TRACE:
            return
        hx = a[1] if len(a) > 1 else k.get("hx")
        trace.append(
            {
                "built_at": getattr(m, "_rc_built_at", ["?", 0]),
                "type": type(m).__name__,
                "config": torchrun._rnn_config(m),
                "input": torchrun.tree(a[0] if a else None),
                "hx": torchrun.tree(hx),
                "output": torchrun.tree(out),
            }
        )

    for base in (torch.nn.RNNBase, torch.nn.RNNCellBase):
        orig = base.__init__

        def init(self: Any, *a: Any, _orig: Any = orig, **k: Any) -> None:
            where = site()
            _orig(self, *a, **k)
            if not hasattr(self, "_rc_built_at"):
                self._rc_built_at = where
                if len(built) < MAX_TRACE:
                    built.append(
                        {"built_at": where, "type": type(self).__name__, "config": torchrun._rnn_config(self)}
                    )
                self.register_forward_hook(hook, with_kwargs=True)

        base.__init__ = init  # type: ignore[method-assign]


def child(spec_path: str, out_path: str) -> None:
    import rc_probe
    import torchrun

    s = json.loads(Path(spec_path).read_text())
    drv = LocalDriver(s["repo"], s["commit"], s["path"], s["cls"], s["spec"], s["root"], "", s["base"])
    trace: list[dict[str, Any]] = []
    built: list[dict[str, Any]] = []
    _install_trace(os.path.realpath(drv.workdir), trace, built)
    mutant = Path(s["mutant"]) if s.get("mutant") else None
    res = torchrun.run_class(drv, mutant)
    res["probes"] = rc_probe.RECORDS
    res["rnn_trace"] = trace
    res["rnn_built"] = built
    Path(out_path).write_text(json.dumps(res))


# ---- the parent --------------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    env["PYTHONPATH"] = str(HERE)
    env["PYTHONWARNINGS"] = "ignore"
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _unmap(res: dict[str, Any], rel_mut: str, real: str) -> None:
    """Names of the mutant file in tracebacks and traces become the driven file's path."""

    def fix(p: Any) -> Any:
        return real if p == rel_mut else p

    err = res.get("error")
    if isinstance(err, dict):
        if "file" in err:
            err["file"] = fix(err["file"])
        err["stack"] = [[fix(f), n] for f, n in err.get("stack", [])]
    for t in res.get("rnn_trace", []) + res.get("rnn_built", []):
        t["built_at"] = [fix(t["built_at"][0]), t["built_at"][1]]


def run(drv: ClassDriver, source: str | None = None, timeout: float = 120) -> dict[str, Any]:
    """Run ``drv`` with its file replaced by ``source`` (None: the file as cut)."""
    ld = drv if isinstance(drv, LocalDriver) else local(drv)
    if not ld.file.is_file():
        return {"status": "missing", "reason": f"{ld.file} not found: run rebuild.py"}
    with _LOCK:
        n = next(_COUNTER)
    mdir = ld.workdir / MUT_DIR / f"{os.getpid()}_{n}"
    rel_mut = ""
    try:
        spec = {
            "repo": ld.repo,
            "commit": ld.commit,
            "path": ld.path,
            "cls": ld.cls,
            "spec": ld.spec,
            "root": ld.root,
            "base": str(ld.workdir),
            "mutant": None,
        }
        if source is not None:
            mdir.mkdir(parents=True, exist_ok=True)
            mfile = mdir / Path(ld.path).name
            mfile.write_text(source)
            spec["mutant"] = str(mfile)
            rel_mut = os.path.relpath(os.path.realpath(mfile), os.path.realpath(ld.workdir))
        with tempfile.TemporaryDirectory() as td:
            sp = Path(td) / "spec.json"
            out = Path(td) / "out.json"
            sp.write_text(json.dumps(spec))
            t0 = time.perf_counter()
            try:
                p = subprocess.run(
                    [sys.executable, str(Path(__file__).resolve()), "--child", str(sp), str(out)],
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    cwd=str(ld.file.parent),
                    env=_env(),
                )
            except subprocess.TimeoutExpired:
                return {
                    "status": "error",
                    "stage": "timeout",
                    "error": {"type": "Timeout", "message": f"over {timeout:.0f} s"},
                }
            if not out.is_file():
                return {
                    "status": "error",
                    "stage": "child",
                    "error": {"type": "ChildDied", "message": (p.stderr or "")[-600:]},
                }
            res = json.loads(out.read_text())
            res["seconds"] = round(time.perf_counter() - t0, 2)
    finally:
        if mdir.exists():
            shutil.rmtree(mdir, ignore_errors=True)
    if rel_mut:
        _unmap(res, rel_mut, ld.path)
    return res


def cleanup(drivers: list[ClassDriver]) -> None:
    """Remove the (empty) mutant folders left in the working folders."""
    for d in {str(local(x).workdir) if not isinstance(x, LocalDriver) else str(x.workdir) for x in drivers}:
        shutil.rmtree(Path(d) / MUT_DIR, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        sys.exit(0)
    print(__doc__, file=sys.stderr)
    sys.exit(2)
