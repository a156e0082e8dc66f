"""GRUCell loop with an optional initial state; returns the sequence and the last state."""

import torch
import torch.nn as nn


class GRUCellEncoder(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.cell = nn.GRUCell(input_size, hidden_size)

    def forward(self, x, h=None):
        if h is None:
            h = x.new_zeros(x.size(0), self.hidden_size)
        outputs = []
        for t in range(x.shape[1]):
            h = self.cell(x[:, t], h)
            outputs.append(h)
        return torch.stack(outputs, dim=1), h


CASE = {
    "class": "GRUCellEncoder",
    "args": [12, 24],
    "inputs": ["float32[4,9,12]", "none"],
    "unknown_reason": None,
}
