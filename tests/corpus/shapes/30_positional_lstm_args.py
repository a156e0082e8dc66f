"""nn.LSTM(10, 20, 2): the third positional argument is num_layers (time-major input)."""

import torch.nn as nn


class PositionalLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(10, 20, 2)

    def forward(self, x):
        output, (h_n, c_n) = self.rnn(x)
        return output, h_n


CASE = {
    "class": "PositionalLSTM",
    "args": [],
    "inputs": ["float32[9,4,10]"],
    "unknown_reason": None,
}
