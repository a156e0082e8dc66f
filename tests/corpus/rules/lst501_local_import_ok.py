"""Dual-path separator block that imports its LSTM inside __init__ (as speech toolkits do)
and drops the LSTM's output with nn.Dropout."""
import torch
import torch.nn as nn


class IntraChunkBlock(nn.Module):
    def __init__(self, d_model=16, dropout=0.25):
        super().__init__()
        from torch.nn.modules.rnn import LSTM

        self.rnn = LSTM(d_model, d_model * 2, 1, bidirectional=True)
        self.drop = nn.Dropout(dropout)
        self.proj = nn.Linear(d_model * 4, d_model)

    def forward(self, x):
        out, _ = self.rnn(x)
        return x + self.proj(self.drop(out))


EXPECT_ERROR = None


def demonstrate():
    model = IntraChunkBlock()
    assert model(torch.randn(7, 3, 16)).shape == (7, 3, 16)
