"""A constructor with a probability, a flag and a configuration object besides sizes; the file
builds the model with its own values."""
from dataclasses import dataclass

import torch.nn as nn


@dataclass
class EncoderConfig:
    num_layers: int = 1
    note: str = "encoder"


class Net(nn.Module):
    def __init__(self, n_in, hidden, n_out, dropout_p, bidirectional, cfg):
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden, num_layers=cfg.num_layers, batch_first=True,
                            bidirectional=bidirectional)
        self.drop = nn.Dropout(dropout_p)
        self.fc = nn.Linear(hidden * (2 if bidirectional else 1), n_out)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(self.drop(out[-1]))  # expect: LST201


CFG = EncoderConfig(num_layers=2)
model = Net(8, 16, 3, 0.25, True, CFG)
