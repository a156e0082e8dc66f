import torch
import torch.nn as nn


class Tracker(nn.Module):
    def __init__(self, n_in=4, hidden=16):
        super().__init__()
        self.rnn = nn.GRU(n_in + 1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        # x: (B, T, n_in)
        flag = torch.zeros(32, x.size(1), 1)
        out, _ = self.rnn(torch.cat([x, flag], dim=2))
        return self.head(out)
