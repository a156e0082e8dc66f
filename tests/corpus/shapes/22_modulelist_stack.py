"""Stack of single-layer LSTMs of shrinking width held in an nn.ModuleList."""

import torch.nn as nn


class StackedLSTM(nn.Module):
    def __init__(self, input_size, hidden_sizes, num_classes, dropout=0.2):
        super().__init__()
        sizes = [input_size] + list(hidden_sizes)
        self.layers = nn.ModuleList(
            [nn.LSTM(sizes[i], sizes[i + 1], batch_first=True) for i in range(len(hidden_sizes))]
        )
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(sizes[-1], num_classes)

    def forward(self, x):
        for layer in self.layers:
            x, _ = layer(x)
            x = self.dropout(x)
        return self.fc(x[:, -1])


CASE = {
    "class": "StackedLSTM",
    "args": [10, [32, 24, 16], 3],
    "inputs": ["float32[4,9,10]"],
    "unknown_reason": None,
}
