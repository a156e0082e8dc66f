"""The ``--confirm`` worker: the only process where lstm-lint imports torch or runs user code.

``python -m lstm_lint.confirm_child --serve`` imports torch once and then serves requests, one
file each, read as JSON lines on stdin (``{"request": REQ.json, "result": RES.json}``); it
answers one line per request on its original stdout.  Every job of a file (one per model
class, and the file's own module-level run when asked for) is run in a forked process with
its own timeout, memory limit and process group, so one model's crash, hang or memory
blow-up cannot take the worker or the other models down.  CUDA is initialised only inside a
job (after the fork); the worker itself never touches the device.

``python -m lstm_lint.confirm_child REQ.json RES.json`` serves one request and exits (one
torch start per file, the old way; kept for the benchmark).

The jobs themselves: a class job is :func:`lstm_lint.confirm_run.run_class`, the script job
:func:`lstm_lint.confirm_load.run_script`.  Neither this module nor those its jobs use import
the static engine (of the parent's side, only :mod:`lstm_lint.confirm_defs` and
:mod:`lstm_lint.confirm_sizes`).
User prints go to stderr; results are written to files, never to a pipe the user can reach.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
import traceback
from typing import Any

from .confirm_lines import ALSO, real_path
from .confirm_load import load_definitions, package_of, run_script
from .confirm_run import run_class


def seed_everything() -> None:
    """The job's draws from the global generators are the same every run: torch's, Python's
    ``random`` (teacher forcing, ``if self.training and random.random() < ratio``) and
    numpy's (torch loads it); a generator the code makes itself without a seed
    (``np.random.default_rng()``) still draws anew each run.  (The file's module-level
    calls, a seed among them, are not run: only its definitions.)"""
    import random

    import torch

    torch.manual_seed(0)
    random.seed(0)
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(0)


def _forked(fn: Any, path: str, out_path: str, timeout: float, memory_mb: int) -> dict[str, Any]:
    """Run ``fn()`` in a forked process (own session, memory limit, timeout); its result."""
    err_path = out_path + ".err"
    sys.stdout.flush()
    sys.stderr.flush()
    worker_pid = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the job process
        code = 0
        try:
            _die_with(worker_pid)
            os.setsid()
            if _PROTOCOL_FD is not None:
                os.close(_PROTOCOL_FD)  # only the worker answers its parent
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)  # the worker's stdin carries its requests
            fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            if memory_mb > 0:
                import resource

                # RLIMIT_DATA, not RLIMIT_AS: CUDA reserves a huge (inaccessible) address
                # range that an address-space limit would refuse
                lim = memory_mb * 1024 * 1024
                resource.setrlimit(resource.RLIMIT_DATA, (lim, lim))
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            sys.argv = [path]  # a parser the file runs sees no options: its defaults
            os.chdir(os.path.dirname(os.path.abspath(path)))
            folder = os.path.dirname(os.path.abspath(path))
            root, pkg = package_of(path)
            # a file in a package is imported from the package's root (its own folder first
            # would make ``dnc/dnc.py`` shadow the package ``dnc``); its neighbours stay
            # importable after everything else, as a script importing them expects
            if pkg:
                sys.path.insert(0, root)
                sys.path.append(folder)
            else:
                sys.path.insert(0, folder)
            _unshadow([root] if pkg else [folder])  # the folders put ahead of the stdlib
            res = fn()
            with open(out_path, "w") as fh:
                json.dump(res, fh, default=repr)
        except BaseException:
            traceback.print_exc()
            code = 70
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    deadline = time.monotonic() + timeout
    pause = 0.002
    status = 0
    while True:
        wpid, status = os.waitpid(pid, os.WNOHANG)
        if wpid:
            break
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return {"failed": f"timed out after {timeout:g} s"}
        time.sleep(pause)
        pause = min(pause * 1.5, 0.05)
    try:
        os.killpg(pid, signal.SIGKILL)  # whatever the job left running
    except (ProcessLookupError, PermissionError):
        pass
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and os.path.exists(out_path):
        with open(out_path) as fh:
            result: dict[str, Any] = json.load(fh)
        return result
    tail = ""
    try:
        with open(err_path, errors="replace") as fh:
            lines = [ln.strip() for ln in fh.read().splitlines() if ln.strip()]
        tail = lines[-1][:200] if lines else ""
    except OSError:
        pass
    if os.WIFSIGNALED(status):
        why = f"the process was killed by signal {os.WTERMSIG(status)}"
    else:
        why = f"the process exited with code {os.WEXITSTATUS(status)} before reporting"
    return {"failed": why + (f" ({tail})" if tail else "")}


def _die_with(parent: int) -> None:
    """Linux: the job is killed when the worker dies (a job in its own session would
    otherwise outlive an interrupted run)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)


def run_request(req: dict[str, Any], res_path: str) -> dict[str, Any]:
    """Every job of one file, each in its own forked process."""
    path = req["path"]
    timeout = float(req.get("timeout", 60))
    memory_mb = int(req.get("memory_mb", 4096))
    device = req.get("device") or _default_device()
    result: dict[str, Any] = {"path": path, "device": device, "classes": [], "error": None,
                              "script": None, "skipped_lines": None}
    for i, creq in enumerate(req.get("classes", [])):
        def job(creq: dict[str, Any] = creq, on: str = device) -> dict[str, Any]:

            seed_everything()
            ALSO.update(real_path(p) for p in req.get("also") or [])
            mod, err, skipped = load_definitions(path)
            if err is not None:
                return {"class": creq["class"], "defs_error": err, "skipped_lines": skipped}
            r = run_class(mod, creq, path, on)
            r["skipped_lines"] = skipped
            return r

        t0 = time.perf_counter()
        r = _forked(job, path, f"{res_path}.{i}", timeout, memory_mb)
        said = device_failure(r) if device.startswith("cuda") else None
        if said is not None:
            # a failure of the device, not of shapes: a tensor the model makes on the CPU
            # meeting the model on CUDA, or a kernel's assert whose message names no cause
            # (an index out of range); the job again, on the CPU, says what the code does
            r = _forked(lambda creq=creq: job(creq, "cpu"), path, f"{res_path}.{i}.cpu",
                        timeout, memory_mb)
            r["device"] = "cpu"
            r["device_note"] = (f"on {device} the run raised {said}, a failure of the "
                                "device, not of shapes; it was repeated on the CPU")
        r.setdefault("class", creq["class"])
        r["key"] = creq.get("key") or creq["class"]
        r["wall_s"] = round(time.perf_counter() - t0, 4)
        if r.get("defs_error") is not None:
            result["error"] = r["defs_error"]
            result["skipped_lines"] = r.get("skipped_lines")
            break
        if result["skipped_lines"] is None:
            result["skipped_lines"] = r.pop("skipped_lines", None)
        r.pop("skipped_lines", None)
        if r.get("device_name"):
            result["device_name"] = r["device_name"]
        result["classes"].append(r)
    if req.get("script"):
        calls = list(req.get("calls", []))

        def script() -> dict[str, Any]:

            seed_everything()
            return run_script(path, calls)

        t0 = time.perf_counter()
        result["script"] = _forked(script, path, f"{res_path}.script", timeout, memory_mb)
        result["script"]["wall_s"] = round(time.perf_counter() - t0, 4)
    return result


#: the messages of a run on CUDA that speak of the device, not of the model's shapes
DEVICE_FAILURE = re.compile(
    r"device-side assert|(on|to) the same device|at least two devices|"
    r"should be a 1D CPU int64 tensor|not at the same device|Expected .* on device|"
    r"CUDA error|cuda:\d+ and cpu|cpu and cuda")


def device_failure(r: dict[str, Any]) -> str | None:
    """The class job's error in words, when it is one of the device (DEVICE_FAILURE)."""
    err = r.get("error") or {}
    msg = str(err.get("message") or r.get("failed") or "")
    if not DEVICE_FAILURE.search(msg):
        return None
    first = msg.strip().splitlines()[0][:160] if msg.strip() else ""
    return f"{err.get('type') or 'an error'} ({first})"


def _default_device() -> str:
    import torch

    # NVML-based check (set before torch is imported): tells whether CUDA is there without
    # initialising it, so that forked jobs can still initialise it themselves
    return "cuda" if torch.cuda.is_available() else "cpu"


#: the modules warm_up loaded (beyond what ``import torch`` had): a job drops those its
#: project shadows (see _unshadow)
_WARMED: frozenset[str] = frozenset()


def warm_up() -> None:
    """Import once, in the worker, what every job would otherwise import on its own:
    ``torch._dynamo`` and sympy (torch.fx's tracer and symbolic shapes load them) and
    lstm-lint's own run and trace modules; a job forked from a warm worker starts with them
    (about 1 s a job on a CPU before).  Imports only, from the standard library and the
    installed packages alone (a project on PYTHONPATH never runs here): no tensor is made
    and no kernel runs, since a thread pool a kernel starts in the worker would hang the
    forked jobs.  Not where CUDA is there (the NVML check, which does not initialise it): a
    forked job cannot use CUDA once its worker has initialised it, and that these imports
    never do is not yet checked on a GPU."""
    global _WARMED
    import torch

    if torch.cuda.is_available():
        return
    before = set(sys.modules)
    saved = sys.path[:]
    sys.path[:] = [p for p in saved if _installed(p)]
    try:
        import torch._dynamo  # noqa: F401
        import torch.fx  # noqa: F401
        import torch.fx.experimental.symbolic_shapes  # noqa: F401
        import torch.fx.passes.shape_prop  # noqa: F401

        from . import confirm_run, confirm_trace  # noqa: F401
    except Exception:  # a warm-up that fails leaves the jobs to import what they need
        pass
    finally:
        sys.path[:] = saved
    _WARMED = frozenset(set(sys.modules) - before)


def _installed(path: str) -> bool:
    """Whether a ``sys.path`` entry is the standard library, an installed packages folder or
    lstm-lint's own root (never a project's folder, wherever it lies)."""
    import site
    import sysconfig

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    roots = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    # (a legacy virtualenv's site module may lack these)
    roots |= set(getattr(site, "getsitepackages", list)())
    user = getattr(site, "getusersitepackages", None)
    if user is not None:
        roots.add(user())
    p = os.path.realpath(path) if path else ""
    if not p:
        return False
    if p == os.path.realpath(here):
        return True
    # (a packages folder elsewhere on PYTHONPATH is left out: a ROS workspace's
    # devel/lib/python3/dist-packages holds the project's own code (review rv31); where
    # torch lives there, the warm-up fails quietly and each job imports what it needs)
    if p.endswith(".zip") and os.path.dirname(p) in {
            os.path.realpath(os.path.join(x, "lib")) for x in (sys.prefix, sys.base_prefix)}:
        return True  # the zipped standard library (lib/python311.zip)
    for r in roots:
        r = os.path.realpath(r)
        if p == r or p.startswith(r + os.sep):
            return True
    return False


def _unshadow(folders: list[str]) -> None:
    """In a job: forget the modules warm_up loaded that the project's own files shadow (a
    ``statistics.py`` beside the model: the job imports the project's, as it would have
    without the warm-up).  ``folders`` are those the job put ahead of the standard library;
    only a module whose top-level package warm_up itself loaded is forgotten (a project's
    ``torch.py`` shadows nothing torch's worker had loaded before)."""
    own: set[str] = set()
    for folder in folders:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for n in names:
            if n.endswith(".py"):
                own.add(n[:-3])
            elif os.path.isfile(os.path.join(folder, n, "__init__.py")):
                own.add(n)
    tops = {m for m in own if m in _WARMED}
    for name in [m for m in _WARMED if m.split(".", 1)[0] in tops]:
        sys.modules.pop(name, None)


def _serve_one(req_path: str, res_path: str) -> None:
    with open(req_path) as fh:
        req = json.load(fh)
    try:
        result = run_request(req, res_path)
    except BaseException as exc:  # the worker itself must survive and answer
        result = {"path": req.get("path"), "classes": [], "error": None,
                  "failed": f"the confirm worker failed: {type(exc).__name__}: {exc}"}
    with open(res_path, "w") as fh:
        json.dump(result, fh, default=repr)


_PROTOCOL_FD: int | None = None


def main(argv: list[str]) -> int:
    global _PROTOCOL_FD
    os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")
    if argv and argv[0] == "--serve":
        _die_with(os.getppid())  # the worker ends with the run that started it
    _PROTOCOL_FD = os.dup(1)
    proto = os.fdopen(_PROTOCOL_FD, "w")
    os.dup2(2, 1)  # user prints (and torch's) never reach the protocol
    t0 = time.perf_counter()
    import torch  # noqa: F401  (once, for every file and job)

    torch_s = round(time.perf_counter() - t0, 4)
    t0 = time.perf_counter()
    warm_up()
    warm_s = round(time.perf_counter() - t0, 4)
    if argv and argv[0] == "--serve":
        proto.write(json.dumps({"ready": True, "torch_import_s": torch_s,
                                "warm_up_s": warm_s}) + "\n")
        proto.flush()
        for line in sys.stdin:
            msg = json.loads(line)
            if msg.get("quit"):
                break
            _serve_one(msg["request"], msg["result"])
            proto.write(json.dumps({"done": msg["result"]}) + "\n")
            proto.flush()
        return 0
    _serve_one(argv[0], argv[1])
    with open(argv[1]) as fh:
        res = json.load(fh)
    res["torch_import_s"] = torch_s
    with open(argv[1], "w") as fh:
        json.dump(res, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
