"""Builds the head of heads.py after a bidirectional LSTM: 2*hidden features reach it."""
import torch.nn as nn

from heads import Head


class Tagger(nn.Module):
    def __init__(self, n_in=5, hidden=11, n_out=3):
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden, batch_first=True, bidirectional=True)
        self.head = Head(hidden, n_out)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out)
