"""``typing.cast(T, x)`` is ``x`` at run time: the value passes through with its shape (typed
code such as tianshou's ``cast(RecurrentStateBatch, Batch(...))``).  Checked against torch."""

from __future__ import annotations

from test_engine_facts import run_both


def test_cast_passes_its_value_through(tmp_path):
    static, real = run_both(tmp_path, '''
import typing
from typing import cast


class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, num_layers=2, batch_first=True)

    def forward(self, x):
        out, (h, c) = self.rnn(x)
        state = cast(tuple, (h.transpose(0, 1), c))
        return cast(torch.Tensor, out[:, -1]), state, typing.cast("torch.Tensor", h)
''', {"n_in": 4, "hidden": 6}, ["float32[3,7,4]"])
    assert static == [(3, 6), [(3, 2, 6), (2, 3, 6)], (2, 3, 6)] == real
