"""A finding reported in a context whose run never comes to the finding's line (real torch):
the class's own run on the user's values may confirm it, never refute it.

The configuration here is a script's call whose vocabulary is read from data that is absent
(``len(vocab)`` is 1 there), so the table's token ids overflow the embedding before the
head's line; the table's own values build the same mismatch and reach it.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from lstm_lint.cli import main

MODEL = '''\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, vocab, emb, hidden):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb, hidden, batch_first=True)
        self.head = nn.Linear(emb, 3)

    def forward(self, tokens):
        y, _ = self.rnn(self.embed(tokens))
        return self.head(y[:, -1])
'''

TRAIN = '''\
from model import Net

vocab = {"<pad>": 0}


def read_words(path):
    with open(path) as fh:
        for w in fh.read().split():
            vocab.setdefault(w, len(vocab))


if __name__ == "__main__":
    read_words("train.txt")
    model = Net(len(vocab), 32, 64)
'''


def _run(tmp_path: Path, capsys, monkeypatch, emb: int, hidden: int) -> dict:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "model.py").write_text(MODEL)
    (tmp_path / "pkg" / "train.py").write_text(TRAIN)
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(f"""
        [tool.lstm-lint.confirm.Net]
        args = {{vocab = 50, emb = {emb}, hidden = {hidden}}}
        inputs = [{{spec = "int64[3,7]", low = 0, high = 50}}]
        """))
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["--no-cache", "--confirm", "--format", "json", "pkg"]) == 1
    [f] = json.loads(capsys.readouterr().out)
    assert f["code"] == "LST101" and f["line"] == 13
    assert f["message"].endswith("(as built at train.py:14)")
    return f["confirmation"]


def test_the_classs_own_run_confirms_what_the_contexts_run_never_reached(
        tmp_path, capsys, monkeypatch):
    c = _run(tmp_path, capsys, monkeypatch, 32, 64)
    assert c["verdict"] == "confirmed", c
    assert c["evidence"].startswith("PyTorch raised RuntimeError at line 13: mat1 and mat2 "
                                    "shapes cannot be multiplied (3x64 and 32x3) (in the run "
                                    "of Net built from vocab=50, emb=32, hidden=64 from "
                                    "[tool.lstm-lint.confirm]; the run in the context it was "
                                    "reported in says nothing of it: running Net raised "
                                    "IndexError at line 12: index out of range in self")
    assert "context" not in c  # judged outside it, as the evidence says


def test_the_classs_own_run_never_refutes_a_finding_of_another_configuration(
        tmp_path, capsys, monkeypatch):
    # the table's values match the head (emb == hidden): its run goes through line 13, which
    # says nothing of the script's configuration (32 against 64)
    c = _run(tmp_path, capsys, monkeypatch, 64, 64)
    assert c["verdict"] == "unconfirmed", c
    assert c["evidence"].startswith("running Net raised IndexError at line 12: index out of "
                                    "range in self (the run stopped there without having gone "
                                    "through line 13")
