"""Two-layer GRU with an input projection, a residual connection and LayerNorm."""

import torch.nn as nn


class ResidualGRU(nn.Module):
    def __init__(self, input_size, hidden_size, output_size, num_layers=2):
        super().__init__()
        self.proj = nn.Linear(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, num_layers=num_layers, batch_first=True)
        self.norm = nn.LayerNorm(hidden_size)
        self.act = nn.GELU()
        self.out = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        x = self.proj(x)
        y, _ = self.gru(x)
        y = self.norm(y + x)
        return self.out(self.act(y))


CASE = {
    "class": "ResidualGRU",
    "args": [10, 28, 3],
    "inputs": ["float32[4,9,10]"],
    "unknown_reason": None,
}
