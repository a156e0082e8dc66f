"""A head module in its own file: right for a one-direction encoder."""
import torch.nn as nn


class Head(nn.Module):
    def __init__(self, hidden, n_out):
        super().__init__()
        self.fc = nn.Linear(hidden, n_out)

    def forward(self, out):
        return self.fc(out[:, -1])  # expect: LST101 (through Tagger)
