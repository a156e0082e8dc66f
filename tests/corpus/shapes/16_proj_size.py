"""Bidirectional LSTM with projections (proj_size): h_n is projected, c_n is not."""

import torch.nn as nn


class ProjectedLSTM(nn.Module):
    def __init__(self, input_size, hidden_size, proj_size, num_layers, num_classes):
        super().__init__()
        self.lstm = nn.LSTM(
            input_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=True,
            proj_size=proj_size,
        )
        self.fc = nn.Linear(2 * proj_size, num_classes)

    def forward(self, x):
        out, (h_n, c_n) = self.lstm(x)
        return self.fc(out), h_n, c_n


CASE = {
    "class": "ProjectedLSTM",
    "args": [10, 32, 8, 3, 5],
    "inputs": ["float32[4,9,10]"],
    "unknown_reason": None,
}
