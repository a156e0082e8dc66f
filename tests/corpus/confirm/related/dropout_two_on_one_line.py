import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, n_in=8, hidden=16):
        super().__init__()
        self.deep, self.shallow = nn.LSTM(n_in, hidden, num_layers=2, dropout=0.3), nn.LSTM(hidden, hidden, dropout=0.3)
        self.fc = nn.Linear(hidden, 3)

    def forward(self, x):
        out, _ = self.deep(x)
        out, _ = self.shallow(out)
        return self.fc(out[-1])
