"""Vanilla ReLU RNN predicting one value per sequence."""

import torch.nn as nn


class RNNRegressor(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_size, nonlinearity="relu", batch_first=True)
        self.out = nn.Linear(hidden_size, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.out(out[:, -1]).squeeze(-1)


CASE = {
    "class": "RNNRegressor",
    "args": [10, 16],
    "inputs": ["float32[4,9,10]"],
    "unknown_reason": None,
}
