"""A batch_first forecaster that takes out[-1]: the last sample, not the last time step."""

import torch.nn as nn


class Forecaster(nn.Module):
    def __init__(self, n_features, hidden_size=64, num_layers=2, horizon=1):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden_size, num_layers, batch_first=True, dropout=0.1)
        self.head = nn.Linear(hidden_size, horizon)

    def forward(self, window):
        out, _ = self.lstm(window)
        last = out[-1]
        return self.head(last)
