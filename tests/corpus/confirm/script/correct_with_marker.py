"""A correct script-style file: its module-level code must never run under --confirm."""
import pathlib

import torch
import torch.nn as nn

MARKER = pathlib.Path(__file__).parent / "MODULE_LEVEL_RAN"
N_IN, HIDDEN, N_OUT = 7, 12, 4


class Tagger(nn.Module):
    def __init__(self, n_in, hidden, n_out):
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, n_out)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])


MARKER.write_text("module-level code ran")
model = Tagger(N_IN, HIDDEN, N_OUT)
print(model(torch.randn(2, 5, N_IN)).shape)
