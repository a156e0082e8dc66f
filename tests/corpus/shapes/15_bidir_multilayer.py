"""Three-layer bidirectional LSTM; separates h_n per layer and direction with view."""

import torch.nn as nn


class DeepBiLSTM(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(
            input_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=True,
        )

    def forward(self, x):
        out, (h_n, _) = self.lstm(x)
        h_n = h_n.view(self.num_layers, 2, x.size(0), self.hidden_size)
        top = h_n[-1]
        summary = top.permute(1, 0, 2).reshape(x.size(0), -1)
        return out, summary


CASE = {
    "class": "DeepBiLSTM",
    "args": {"input_size": 10, "hidden_size": 20, "num_layers": 3},
    "inputs": ["float32[4,9,10]"],
    "unknown_reason": None,
}
