"""Dual-path separator block that imports its LSTM inside __init__ (as speech toolkits do)
and gives the single-layer, bidirectional LSTM a recurrent dropout."""
import warnings

import torch
import torch.nn as nn


class IntraChunkBlock(nn.Module):
    def __init__(self, d_model=16, dropout=0.25):
        super().__init__()
        from torch.nn.modules.rnn import LSTM

        self.rnn = LSTM(d_model, d_model * 2, 1, bidirectional=True,  # expect: LST501
                        dropout=dropout)
        self.proj = nn.Linear(d_model * 4, d_model)

    def forward(self, x):
        out, _ = self.rnn(x)
        return x + self.proj(out)


EXPECT_ERROR = None


def demonstrate():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = IntraChunkBlock()
    # Silent but for a warning: no dropout is ever applied.
    assert any("num_layers greater than 1" in str(w.message) for w in caught)
    model.train()
    x = torch.randn(7, 3, 16)
    assert torch.equal(model(x), model(x))
