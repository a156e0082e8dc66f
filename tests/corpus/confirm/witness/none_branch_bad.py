"""LST301 in the branch the code takes on None: the run must take that branch (fx would
trace the other one, with a proxy that is never None)."""
import torch
import torch.nn as nn


class BuildsOnNone(nn.Module):
    def __init__(self, n_in=6, hidden=16):
        super().__init__()
        self.hidden = hidden
        self.gru = nn.GRU(n_in, hidden, batch_first=True)

    def forward(self, x, h):
        b = x.size(0)
        if h is None:
            h = torch.zeros(b, 1, self.hidden)
        out, h = self.gru(x, h)
        return out, h
