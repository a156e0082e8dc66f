"""Review rv22 of this stop's --confirm changes: each case failed before its mend."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from lstm_lint.cli import main

pytest.importorskip("torch")

CORPUS = Path(__file__).parent / "corpus" / "confirm" / "review"


def _run(tmp_path: Path, monkeypatch, capsys, source: str, table: str) -> list[dict]:
    (tmp_path / "pkg").mkdir(exist_ok=True)
    (tmp_path / "pkg" / "m.py").write_text(textwrap.dedent(source))
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(table))
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    main(["--no-cache", "--confirm", "--format", "json", "pkg"])
    return json.loads(capsys.readouterr().out)


def test_lengths_of_another_sequence_confirm_no_padding(capsys):
    """Clips of exactly 7 frames, never padded; ``lengths`` are the captions': the run cannot
    show that the clips are padded, only that the RNN ran every step, which the finding
    already says (an LST205 confirmed from the lengths' name alone was manufactured)."""
    main(["--no-cache", "--confirm", "--format", "json",
          str(CORPUS / "rv22_unpadded_clips.py")])
    [f] = json.loads(capsys.readouterr().out)
    assert f["code"] == "LST205"
    assert f["confirmation"]["verdict"] == "unconfirmed", f["confirmation"]


ENCODER = '''\
    import numpy as np
    import torch
    import torch.nn as nn


    class Encoder(nn.Module):
        def __init__(self, n_in, hidden):
            super().__init__()
            self.hidden = hidden
            self.rnn = nn.GRU(n_in, hidden)
            self.fc = nn.Linear(hidden, 2)

        def init_hidden(self, batch):
            weight = next(self.parameters()).data
            return weight.new(1, batch, self.hidden).zero_()

        def forward(self, x, picks):
            assert not np.isnan(x.cpu().numpy()).any(), "NaN in the input"
            batch = x.size(0)
            out, h = self.rnn(x, self.init_hidden(batch))
            return self.fc(h[-1]) * picks.to_dense().sum()
    '''


def test_the_cut_runs_keep_what_the_model_does_with_its_inputs(tmp_path, monkeypatch, capsys):
    """A forward that reads its input with ``.numpy()`` (a run with gradients on raised
    there) and a 1-D sparse integer input (reading integer inputs' values killed the job):
    the LST204 the refused state shows is still confirmed."""
    found = _run(tmp_path, monkeypatch, capsys, ENCODER, """
        [tool.lstm-lint.confirm.Encoder]
        args = {n_in = 4, hidden = 16}
        [[tool.lstm-lint.confirm.Encoder.inputs]]
        spec = "float32[5,9,4]"
        [[tool.lstm-lint.confirm.Encoder.inputs]]
        value = {expr = "torch.tensor([1, 0, 2]).to_sparse()"}
        """)
    [f] = [f for f in found if f["code"] == "LST204"]
    assert f["confirmation"]["verdict"] == "confirmed", f["confirmation"]
    assert "and the same with their values moved" in f["confirmation"]["evidence"]


TEACHER = '''\
    import random

    import torch
    import torch.nn as nn


    class Decoder(nn.Module):
        def __init__(self, n_in=8, hidden=16, ratio=0.5):
            super().__init__()
            self.rnn = nn.LSTM(n_in, hidden)
            self.out = nn.Linear(hidden, n_in)
            self.ratio = ratio

        def forward(self, x):
            batch, steps, _ = x.shape
            state = (torch.zeros(1, batch, self.rnn.hidden_size),
                     torch.zeros(1, batch, self.rnn.hidden_size))
            outputs = []
            step = x[:, 0]
            for i in range(steps):
                if self.training and random.random() < self.ratio:
                    y, state = self.rnn(x[:, i].unsqueeze(1), state)
                else:
                    y, state = self.rnn(step.unsqueeze(1), state)
                step = self.out(y[:, -1])
                outputs.append(step)
            return torch.stack(outputs, 1)
    '''


def test_a_run_draws_the_same_random_numbers_every_time(tmp_path, monkeypatch, capsys):
    """Teacher forcing by ``random.random()``: the training-mode run took one branch or the
    other from run to run (Python's random was not seeded), and the verdict flipped."""
    said = [{f["line"]: f["confirmation"]["evidence"]
             for f in _run(tmp_path, monkeypatch, capsys, TEACHER, "")} for _ in range(3)]
    assert said[0] == said[1] == said[2]
    assert set(said[0]) == {22, 24}
