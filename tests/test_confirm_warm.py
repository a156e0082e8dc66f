"""The ``--confirm`` worker imports once, before it forks any job, what each job would
otherwise import again (lstm_lint.confirm_child.warm_up): imports only, so no thread pool a
forked job could hang on, and never CUDA."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("torch")

PROBE = """
import sys, threading
import torch
from lstm_lint.confirm_child import warm_up
before = threading.active_count()
warm_up()
print(sorted(m for m in ("torch._dynamo", "torch.fx", "sympy", "lstm_lint.confirm_run")
             if m in sys.modules))
print(torch.cuda.is_available(), torch.cuda.is_initialized(), threading.active_count() - before)
"""


def test_the_worker_warms_up_with_imports_only():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True, env={"PYTORCH_NVML_BASED_CUDA_CHECK": "1",
                                          "PATH": "/usr/bin:/bin"}).stdout.splitlines()
    available, initialised, threads = out[1].split()
    assert initialised == "False" and threads == "0", out
    if available == "False":
        assert out[0] == "['lstm_lint.confirm_run', 'sympy', 'torch._dynamo', 'torch.fx']"
    else:  # where CUDA is there, the jobs import what they need themselves
        assert "torch._dynamo" not in out[0], out
