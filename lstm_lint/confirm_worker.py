"""``--confirm``: the parent's side of the torch worker.

One ``python -m lstm_lint.confirm_child --serve`` process per run imports torch once and
serves every file (:class:`Worker`); :func:`run_child` sends it one file's plans as a request
and returns its answer (one entry per class job, and the script job's), or why it failed.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

from .confirm_plan import ClassPlan


class Worker:
    """One ``confirm_child --serve`` process: imports torch once and serves every file."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.tmp = tempfile.mkdtemp(prefix="lstm-lint-confirm-")
        self.torch_import_s: float | None = None
        self.warm_up_s: float | None = None  # the imports the jobs share (confirm_child)
        self.starts = 0
        self.served = 0
        self.log = os.path.join(self.tmp, "worker.log")

    def _start(self) -> str | None:
        env = dict(os.environ, PYTHONUNBUFFERED="1", CUDA_LAUNCH_BLOCKING="0",
                   PYTORCH_NVML_BASED_CUDA_CHECK="1")
        pkg_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = pkg_root + os.pathsep + env.get("PYTHONPATH", "")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "lstm_lint.confirm_child", "--serve"], cwd=self.tmp,
                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                start_new_session=True)
        self.starts += 1
        msg = self._read(120.0)
        if msg is None or not msg.get("ready"):
            self.close()
            return "the confirm worker did not start" + self._log_tail()
        self.torch_import_s = msg.get("torch_import_s")
        self.warm_up_s = msg.get("warm_up_s")
        return None

    def _log_tail(self) -> str:
        try:
            with open(self.log, errors="replace") as fh:
                lines = [ln for ln in fh.read().splitlines() if ln.strip()]
            return f" ({lines[-1][:200]})" if lines else ""
        except OSError:
            return ""

    def _read(self, timeout: float) -> dict[str, Any] | None:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        if not line:
            return None
        try:
            msg: dict[str, Any] = json.loads(line)
        except ValueError:
            return None
        return msg

    def run(self, req: dict[str, Any], budget: float) -> dict[str, Any]:
        if self.proc is None or self.proc.poll() is not None:
            why = self._start()
            if why is not None:
                return {"failed": why}
        assert self.proc is not None and self.proc.stdin is not None
        self.served += 1
        n = self.served
        rq = os.path.join(self.tmp, f"request{n}.json")
        rs = os.path.join(self.tmp, f"result{n}.json")
        with open(rq, "w") as fh:
            json.dump(req, fh)
        try:
            self.proc.stdin.write((json.dumps({"request": rq, "result": rs}) + "\n").encode())
            self.proc.stdin.flush()
        except OSError:
            self.close()
            return {"failed": "the confirm worker stopped" + self._log_tail()}
        msg = self._read(budget)
        if msg is None or msg.get("done") != rs or not os.path.exists(rs):
            self.close()  # a worker that cannot answer is replaced for the next file
            return {"failed": "the confirm worker stopped answering" + self._log_tail()}
        with open(rs) as fh:
            result: dict[str, Any] = json.load(fh)
        for name in os.listdir(self.tmp):
            if name.startswith((f"request{n}.", f"result{n}.")):
                os.unlink(os.path.join(self.tmp, name))
        return result

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.write(b'{"quit": true}\n')
                proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()


_WORKER: Worker | None = None


def worker() -> Worker:
    global _WORKER
    if _WORKER is None:
        _WORKER = Worker()
        atexit.register(_close_worker)
    return _WORKER


def _close_worker() -> None:
    global _WORKER
    if _WORKER is not None:
        _WORKER.close()
        import shutil

        shutil.rmtree(_WORKER.tmp, ignore_errors=True)
        _WORKER = None


def run_child(path: str, plans: list[ClassPlan], timeout: float, device: str | None,
              memory_mb: int, calls: Sequence[str] = (), script: bool = False,
              also: Sequence[str] = ()) -> dict[str, Any]:
    """One file's jobs in the worker: a class job per buildable plan, the script job if asked."""
    classes = []
    for p in plans:
        r = p.request()
        # a configuration's own call that cannot be evaluated does not fall back to another
        # (unless the engine knows the call's arguments: a builder's ``self.hidden``)
        r["fallback"] = p.context is None or p.context.get("kind") != "call" \
            or p.engine_values
        r["why_not_built"] = p.why_not_built
        classes.append(r)
    req = {"path": os.path.abspath(path), "device": device, "timeout": timeout,
           "memory_mb": memory_mb, "classes": classes, "calls": list(calls), "script": script,
           "also": list(also)}
    jobs = len(classes) + (1 if script else 0)
    if not jobs:
        return {"classes": []}
    return worker().run(req, budget=jobs * (timeout + 10) + 30)
