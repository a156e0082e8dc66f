"""``--confirm`` builds the model without autograd: an initialiser written for an older torch
(BiDAF's ``getattr(self.rnn, 'bias_hh_l0').chunk(4)[1].fill_(1)``) raises in grad mode today
("Output 1 of Split is a view and is being modified inplace"), which says nothing of shapes
and left every finding of the class unconfirmed."""

from __future__ import annotations

import json
import textwrap

import pytest

from lstm_lint.cli import main

torch = pytest.importorskip("torch")

BIDAF = """\
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(hidden, 2)
        for i in range(self.rnn.num_layers):
            getattr(self.rnn, f"bias_hh_l{i}").chunk(4)[1].fill_(1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])
"""


def test_an_old_torch_initialiser_does_not_stop_the_build(tmp_path, capsys, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "m.py").write_text(textwrap.dedent(BIDAF))
    ns: dict = {}
    exec(BIDAF, ns)
    with pytest.raises(RuntimeError, match="is a view and is being modified inplace"):
        ns["Encoder"](4, 6)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["--no-cache", "--confirm", "--format", "json", "m.py"]) == 1
    found = {f["code"]: f["confirmation"] for f in json.loads(capsys.readouterr().out)}
    assert set(found) == {"LST101", "LST202"}
    assert all(c["verdict"] == "confirmed" for c in found.values()), found
    assert "mat1 and mat2 shapes cannot be multiplied" in found["LST101"]["evidence"]
