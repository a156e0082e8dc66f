"""Time-major (batch_first=False) forecaster reading the last step with out[-1]."""

import torch.nn as nn


class TimeMajorForecaster(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, horizon):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers)
        self.head = nn.Linear(hidden_size, horizon)

    def forward(self, x):
        # x: (seq_len, batch, input_size)
        out, _ = self.lstm(x)
        return self.head(out[-1])


CASE = {
    "class": "TimeMajorForecaster",
    "args": [10, 24, 2, 3],
    "inputs": ["float32[9,4,10]"],
    "unknown_reason": None,
}
