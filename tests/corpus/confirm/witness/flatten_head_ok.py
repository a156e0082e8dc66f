"""Correct for the input it is fed, (B, 5, hidden): the -1 of the flatten must be 5 * hidden,
which no witness can know; a crash on a witness there is the confirmer's, never an LST900."""
import torch.nn as nn


class FlattenHead(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.fc = nn.Linear(5 * hidden, 1)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        return self.fc(x)
