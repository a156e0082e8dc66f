"""Bidirectional LSTM with explicit zero initial states built in forward."""

import torch
import torch.nn as nn


class BiRNN(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(
            input_size, hidden_size, num_layers, batch_first=True, bidirectional=True
        )
        self.fc = nn.Linear(hidden_size * 2, num_classes)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers * 2, x.size(0), self.hidden_size)
        c0 = torch.zeros(self.num_layers * 2, x.size(0), self.hidden_size)
        out, _ = self.lstm(x, (h0, c0))
        # forward direction ends at the last step, backward direction at the first
        hidden = self.hidden_size
        forward_last = out[:, -1, :hidden]
        backward_last = out[:, 0, hidden:]
        return self.fc(torch.cat((forward_last, backward_last), dim=1))


CASE = {
    "class": "BiRNN",
    "args": [10, 20, 2, 5],
    "inputs": ["float32[4,9,10]"],
    "unknown_reason": None,
}
