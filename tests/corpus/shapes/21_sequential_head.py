"""Sequence classifier with an nn.Sequential MLP head."""

import torch.nn as nn


class LSTMWithMLPHead(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.head = nn.Sequential(
            nn.Linear(hidden_size, hidden_size // 2),
            nn.ReLU(),
            nn.Dropout(0.3),
            nn.Linear(hidden_size // 2, num_classes),
        )

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


CASE = {
    "class": "LSTMWithMLPHead",
    "args": [10, 64, 7],
    "inputs": ["float32[4,9,10]"],
    "unknown_reason": None,
}
