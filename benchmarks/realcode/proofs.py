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


def analysed_path(drv: ClassDriver) -> str:
    """The driven file as torch and tracebacks see it, relative to the working folder (for a
    notebook, the Python file its definitions were extracted to)."""
    return os.path.relpath(os.path.realpath(drv.file), os.path.realpath(drv.workdir))


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


class _MutantFinder:
    def __init__(self, name: str, path: str, original: str):
        self.name, self.path, self.original = name, path, original

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        import importlib.util

        if fullname != self.name:
            return None
        if os.path.basename(self.original) == "__init__.py":
            return importlib.util.spec_from_file_location(
                fullname, self.path, submodule_search_locations=[os.path.dirname(self.original)]
            )
        return importlib.util.spec_from_file_location(fullname, self.path)


def child(spec_path: str, out_path: str) -> None:
    import rc_probe
    import torchrun

    s = json.loads(Path(spec_path).read_text())
    drv = LocalDriver(s["repo"], s["commit"], s["path"], s["cls"], s["spec"], s["root"], "", s["base"])
    trace: list[dict[str, Any]] = []
    built: list[dict[str, Any]] = []
    _install_trace(os.path.realpath(drv.workdir), trace, built)
    if s.get("mutant"):
        # the mutated file answers the driven module's import wherever it comes from (its
        # package's __init__ included), so packages that import their own modules still load
        sys.meta_path.insert(0, _MutantFinder(drv.module, s["mutant"], str(drv.file)))
    res = torchrun.run_class(drv, None)
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
            mfile = mdir / ld.file.name  # the analysed file's name (a notebook's extracted .py)
            mfile.write_text(source)
            spec["mutant"] = str(mfile)
            rel_mut = os.path.relpath(os.path.realpath(mfile), os.path.realpath(ld.workdir))
        with tempfile.TemporaryDirectory() as td:
            sp = Path(td) / "spec.json"
            out = Path(td) / "out.json"
            sp.write_text(json.dumps(spec))
            t0 = time.perf_counter()
            srv = _take_server()
            if srv is not None:
                try:
                    done = srv.run(str(sp), str(out), str(ld.file.parent), timeout)
                finally:
                    _give_server(srv)
                if done == "timeout":
                    return {
                        "status": "error",
                        "stage": "timeout",
                        "error": {"type": "Timeout", "message": f"over {timeout:.0f} s"},
                    }
                stderr = done
            else:
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
                stderr = p.stderr or ""
            if not out.is_file():
                return {
                    "status": "error",
                    "stage": "child",
                    "error": {"type": "ChildDied", "message": stderr[-600:]},
                }
            res = json.loads(out.read_text())
            res["seconds"] = round(time.perf_counter() - t0, 2)
    finally:
        if mdir.exists():
            shutil.rmtree(mdir, ignore_errors=True)
    if rel_mut:
        _unmap(res, rel_mut, analysed_path(ld))
    return res


# ---- a fork server: torch is imported once, each run is a fork of it ------------------------


class ForkServer:
    """``proofs.py --server``: imports torch, then forks one child per request (the child
    runs exactly what ``--child`` runs).  Saves the import of torch on every run."""

    def __init__(self) -> None:
        self.p = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=_env(),
            cwd=str(HERE),
        )

    def run(self, spec: str, out: str, cwd: str, timeout: float) -> str:
        assert self.p.stdin is not None and self.p.stdout is not None
        self.p.stdin.write(json.dumps({"spec": spec, "out": out, "cwd": cwd, "timeout": timeout}) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError("the fork server died")
        return str(json.loads(line)["result"])

    def close(self) -> None:
        if self.p.stdin:
            self.p.stdin.close()
        self.p.wait(timeout=30)


_SERVERS: list[ForkServer] = []
_IDLE: list[ForkServer] = []
_MAX_SERVERS = 0


def use_servers(n: int) -> None:
    """Run through up to ``n`` fork servers from now on (0: a fresh interpreter per run)."""
    global _MAX_SERVERS
    _MAX_SERVERS = n


def _take_server() -> ForkServer | None:
    with _LOCK:
        if _IDLE:
            return _IDLE.pop()
        if len(_SERVERS) < _MAX_SERVERS:
            srv = ForkServer()
            _SERVERS.append(srv)
            return srv
    return None


def _give_server(srv: ForkServer) -> None:
    with _LOCK:
        if srv.p.poll() is None:
            _IDLE.append(srv)
        else:
            _SERVERS.remove(srv)


def close_servers() -> None:
    with _LOCK:
        for srv in _SERVERS:
            srv.close()
        _SERVERS.clear()
        _IDLE.clear()


def server() -> None:
    import signal

    import torch  # noqa: F401 - imported once, before the forks
    import torch.nn  # noqa: F401
    import torch.nn.utils.rnn  # noqa: F401

    for line in sys.stdin:
        req = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                fd = os.open(os.devnull, os.O_WRONLY)
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                os.chdir(req["cwd"])
                child(req["spec"], req["out"])
                code = 0
            finally:
                os._exit(code)
        deadline = time.monotonic() + float(req["timeout"])
        result = "done"
        while True:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                result = "timeout"
                break
            time.sleep(0.02)
        sys.stdout.write(json.dumps({"result": result}) + "\n")
        sys.stdout.flush()


def cleanup(drivers: list[ClassDriver]) -> None:
    """Remove the (empty) mutant folders left in the working folders."""
    for d in {str(local(x).workdir) if not isinstance(x, LocalDriver) else str(x.workdir) for x in drivers}:
        shutil.rmtree(Path(d) / MUT_DIR, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--server":
        server()
        sys.exit(0)
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        sys.exit(0)
    print(__doc__, file=sys.stderr)
    sys.exit(2)
