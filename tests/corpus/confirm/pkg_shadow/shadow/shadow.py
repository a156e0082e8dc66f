"""A module named like its package (shadow/shadow.py) with a relative import: imported from
the package's root, never from its own folder (where it would shadow the package)."""
import torch.nn as nn

from .util import HIDDEN


class Net(nn.Module):
    def __init__(self, n_in=5, n_out=3):
        super().__init__()
        self.lstm = nn.LSTM(n_in, HIDDEN, batch_first=True)
        self.fc = nn.Linear(HIDDEN, n_out)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[-1])  # expect: LST201
