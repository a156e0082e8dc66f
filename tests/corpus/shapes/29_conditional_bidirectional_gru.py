"""GRU whose widths depend on conditional expressions over the bidirectional flag."""

import torch
import torch.nn as nn


class ConfigurableGRU(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1, bidirectional=False, num_classes=2):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.num_directions = 2 if bidirectional else 1
        self.gru = nn.GRU(
            input_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
        )
        self.fc = nn.Linear(hidden_size * (2 if bidirectional else 1), num_classes)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers * self.num_directions, x.size(0), self.hidden_size)
        out, _ = self.gru(x, h0)
        return self.fc(out.mean(dim=1))


CASE = {
    "class": "ConfigurableGRU",
    "args": {
        "input_size": 10,
        "hidden_size": 24,
        "num_layers": 2,
        "bidirectional": True,
        "num_classes": 5,
    },
    "inputs": ["float32[4,9,10]"],
    "unknown_reason": None,
}
