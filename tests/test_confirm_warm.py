"""The ``--confirm`` worker imports once, before it forks any job, what each job would
otherwise import again (lstm_lint.confirm_child.warm_up): imports only, so no thread pool a
forked job could hang on, and never CUDA."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lstm_lint.cli import main

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


def test_a_project_module_named_like_one_the_worker_loaded_is_the_projects(
        tmp_path: Path, monkeypatch, capsys):
    """A ``statistics.py`` beside the model (the warm-up loads the standard library's
    ``statistics``): the job imports the project's, as it did without the warm-up (review
    rv28: the run raised ImportError and the finding stayed unconfirmed)."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "statistics.py").write_text("def last_step(out):\n    return out[-1]\n")
    (tmp_path / "model.py").write_text(textwrap.dedent("""\
        import torch.nn as nn

        from statistics import last_step


        class SeqClassifier(nn.Module):
            def __init__(self, input_size=11, hidden_size=13, num_classes=5):
                super().__init__()
                self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
                self.fc = nn.Linear(hidden_size, num_classes)

            def forward(self, x):
                out, _ = self.lstm(x)
                return self.fc(out[-1])
        """))
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["--no-cache", "--confirm", "--format", "json", "model.py"]) == 1
    [f] = json.loads(capsys.readouterr().out)
    assert f["code"] == "LST201"
    assert f["confirmation"]["verdict"] == "confirmed", f["confirmation"]

