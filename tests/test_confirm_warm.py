"""The ``--confirm`` worker imports once, before it forks any job, what each job would
otherwise import again (lstm_lint.confirm_child.warm_up): imports only, so no thread pool a
forked job could hang on, and never CUDA."""

from __future__ import annotations

import json
import subprocess
import sys
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


#: a batch_first LSTM whose out[-1] is the last sample (LST201), after the imports given
CLASSIFIER = """\
{imports}import torch.nn as nn


class SeqClassifier(nn.Module):
    def __init__(self, input_size=11, hidden_size=13, num_classes=5):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[-1])
"""


def _confirm(tmp_path: Path, monkeypatch, capsys, files: dict[str, str],
             target: str) -> list[dict]:
    """Write the project's files, then ``--confirm`` the target from the project's root."""
    (tmp_path / ".git").mkdir()
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    main(["--no-cache", "--confirm", "--format", "json", target])
    found: list[dict] = json.loads(capsys.readouterr().out)
    return found


def test_a_project_module_named_like_one_the_worker_loaded_is_the_projects(
        tmp_path: Path, monkeypatch, capsys):
    """A ``statistics.py`` beside the model (the warm-up loads the standard library's
    ``statistics``): the job imports the project's, as it did without the warm-up (review
    rv28: the run raised ImportError and the finding stayed unconfirmed)."""
    [f] = _confirm(tmp_path, monkeypatch, capsys, {
        "statistics.py": "def last_step(out):\n    return out[-1]\n",
        "model.py": CLASSIFIER.format(imports="from statistics import last_step  # noqa\n")},
        "model.py")
    assert f["code"] == "LST201"
    assert f["confirmation"]["verdict"] == "confirmed", f["confirmation"]


def test_a_packages_own_torch_module_shadows_nothing_the_worker_loaded(
        tmp_path: Path, monkeypatch, capsys):
    """A package holding a ``torch.py`` (d2l's ``d2l/torch.py``, darts' ``utils/torch.py``):
    its name is torch's, whose modules the worker had loaded before the warm-up, so the job
    keeps them (review rv29: every job there raised "Only a single TORCH_LIBRARY ...")."""
    [f] = _confirm(tmp_path, monkeypatch, capsys, {
        "pkg/__init__.py": "", "pkg/torch.py": "import torch\n",
        "pkg/model.py": CLASSIFIER.format(imports="")}, "pkg/model.py")
    assert f["confirmation"]["verdict"] == "confirmed", f["confirmation"]


def test_a_project_on_pythonpath_never_runs_in_the_worker(tmp_path: Path, monkeypatch,
                                                          capsys):
    """The warm-up imports from the standard library and the installed packages only: a
    project's ``statistics.py`` on PYTHONPATH runs in the job that imports it, never in the
    worker (no timeout or memory limit there)."""
    log = tmp_path / "ran.log"
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    _confirm(tmp_path, monkeypatch, capsys, {
        "statistics.py": f"import sys\nwith open({str(log)!r}, 'a') as fh:\n"
                         "    fh.write(repr(sys.argv) + '\\n')\n",
        "model.py": CLASSIFIER.format(imports="import statistics  # noqa: F401\n")},
        "model.py")
    runs = log.read_text().splitlines()
    assert runs and all("--serve" not in r for r in runs), runs
