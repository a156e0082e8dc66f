"""The same constructor with defaults for everything but the sizes."""
from dataclasses import dataclass

import torch.nn as nn


@dataclass
class EncoderConfig:
    num_layers: int = 2


class Net(nn.Module):
    def __init__(self, n_in, hidden, n_out, dropout_p=0.1, bidirectional=False,
                 cfg=EncoderConfig()):
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden, num_layers=cfg.num_layers, batch_first=True,
                            bidirectional=bidirectional)
        self.drop = nn.Dropout(dropout_p)
        self.fc = nn.Linear(hidden * (2 if bidirectional else 1), n_out)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(self.drop(out[-1]))  # expect: LST201
