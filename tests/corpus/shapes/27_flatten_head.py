"""Fixed-length sequence model that flattens every time step into the classifier."""

import torch
import torch.nn as nn


class FlattenLSTM(nn.Module):
    def __init__(self, input_size, hidden_size, seq_len, num_classes):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(seq_len * hidden_size, num_classes)

    def forward(self, x):
        out, _ = self.lstm(x)
        out = torch.flatten(out, start_dim=1)
        return self.fc(out)


CASE = {
    "class": "FlattenLSTM",
    "args": [10, 16, 9, 3],
    "inputs": ["float32[4,9,10]"],
    "unknown_reason": None,
}
