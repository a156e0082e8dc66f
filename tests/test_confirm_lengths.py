"""LST205 judged by the run's own lengths: the RNN ran every step of an unpacked input over
each sequence (its time axis the one its final state does not hold) while the lengths
forward was given, the user's or the confirmer's, are shorter for some.  On the user's own
inputs, whose axes the analysis does not all name, this is the layer's answer, so it stands
(allanj/pytorch_neural_crf's BiLSTMEncoder; before: 'would have said: confirmed ... but the
analysis's shapes of those inputs do not name each of their axes')."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from lstm_lint.cli import main

pytest.importorskip("torch")

ENCODER = '''\
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True, bidirectional=True)

    def forward(self, x, lengths, extra):
        out, h_n = self.rnn(x)
        return out * extra.mean(), h_n
'''


def _confirm(tmp_path: Path, monkeypatch, capsys, lengths: list[int]) -> dict:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "enc.py").write_text(ENCODER)
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(f"""
        [tool.lstm-lint.confirm.Encoder]
        args = {{n_in = 4, hidden = 6}}
        [[tool.lstm-lint.confirm.Encoder.inputs]]
        spec = "float32[3,7,4]"
        [[tool.lstm-lint.confirm.Encoder.inputs]]
        spec = "int64[3]"
        values = {lengths}
        [[tool.lstm-lint.confirm.Encoder.inputs]]
        spec = "float32[5,2]"
        """))
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["--no-cache", "--confirm", "--format", "json", "pkg"]) == 1
    [f] = json.loads(capsys.readouterr().out)
    assert f["code"] == "LST205"
    return f["confirmation"]


def test_the_users_shorter_lengths_confirm_a_run_over_the_padding(tmp_path, monkeypatch,
                                                                   capsys):
    c = _confirm(tmp_path, monkeypatch, capsys, [7, 5, 3])
    assert c["verdict"] == "confirmed", c
    assert c["evidence"].startswith(
        "rnn ran all 7 steps of the padded [3, 7, 4] (not packed) over each of its 3 "
        "sequences (its final state [2, 3, 6] holds 3, as the layer itself ran it), though "
        "forward was given lengths=[7, 5, 3]: its final state is the one after the padding "
        "for the 2 shorter ones")


def test_lengths_that_are_all_whole_show_no_padding(tmp_path, monkeypatch, capsys):
    c = _confirm(tmp_path, monkeypatch, capsys, [7, 7, 7])
    assert c["verdict"] == "unconfirmed", c
