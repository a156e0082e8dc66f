"""Activity recognition from sensor windows: Conv1d + MaxPool1d feature extractor, then an LSTM."""

import torch.nn as nn


class CNNLSTM(nn.Module):
    def __init__(self, n_channels, conv_channels, hidden_size, num_classes, kernel_size=5):
        super().__init__()
        self.conv = nn.Conv1d(n_channels, conv_channels, kernel_size=kernel_size)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool1d(2)
        self.lstm = nn.LSTM(conv_channels, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        # x: (batch, time, channels)
        x = x.transpose(1, 2)
        x = self.pool(self.relu(self.conv(x)))
        x = x.transpose(1, 2)
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


CASE = {
    "class": "CNNLSTM",
    "args": [6, 16, 32, 5],
    "inputs": ["float32[4,20,6]"],
    "unknown_reason": None,
}
