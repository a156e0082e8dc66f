"""One file lstm-lint cannot plan a run for never stops ``--confirm`` for the others (review
rv20: a 5,000-term sum at module level (3,500 here) made Python's own parser recurse too deep while the run
was planned, and the whole run ended in an internal error)."""

from __future__ import annotations

import json
from pathlib import Path

from lstm_lint.cli import main

MODEL = '''\
import torch
import torch.nn as nn


class Enc(nn.Module):
    def __init__(self, n_in=8, hidden=16):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, num_layers=2)
        self.fc = nn.Linear(hidden, 2)

    def forward(self, x):
        # x is (batch, time, feat)
        h = torch.zeros(2, x.size(0), 16)
        c = torch.zeros(2, x.size(0), 16)
        out, _ = self.rnn(x, (h, c))
        return self.fc(out[:, -1])
'''


def test_a_file_whose_run_cannot_be_planned_is_unconfirmed_and_the_run_goes_on(
        tmp_path: Path, capsys):
    (tmp_path / "huge.py").write_text(MODEL + "\nSCALE = " + "+".join(["1"] * 3500) + "\n")
    (tmp_path / "small.py").write_text(MODEL)
    code = main(["--no-cache", "--confirm", "--format", "json", str(tmp_path / "huge.py"),
                 str(tmp_path / "small.py")])
    out = capsys.readouterr()
    assert code == 1
    by_file = {Path(f["path"]).name: f["confirmation"] for f in json.loads(out.out)}
    assert by_file["huge.py"]["verdict"] == "unconfirmed"
    assert by_file["huge.py"]["evidence"].startswith("lstm-lint could not plan the run of ")
    assert "RecursionError" in by_file["huge.py"]["evidence"]
    assert by_file["small.py"]["verdict"] == "confirmed", by_file["small.py"]
    assert "could not plan the run of" in out.err and "huge.py" in out.err
