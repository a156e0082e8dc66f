"""GRU forecaster (dataclass config) whose init_hidden sizes the state from axis 0 of a
batch-major input, while the GRU is left time-major by default."""
from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class ForecastConfig:
    n_features: int = 6
    hidden: int = 12
    horizon: int = 3


class GRUForecaster(nn.Module):
    def __init__(self, cfg: ForecastConfig):
        super().__init__()
        self.cfg = cfg
        self.gru = nn.GRU(cfg.n_features, cfg.hidden)
        self.head = nn.Linear(cfg.hidden, cfg.horizon)

    def init_hidden(self, batch_size):
        return torch.zeros(1, batch_size, self.cfg.hidden)

    def forward(self, x):
        h0 = self.init_hidden(x.size(0))
        out, h_n = self.gru(x, h0)  # expect: LST204
        return self.head(h_n[-1])


EXPECT_ERROR = "Expected hidden size (1, 4, 12), got [1, 8, 12]"


def demonstrate():
    model = GRUForecaster(ForecastConfig())
    model(torch.randn(8, 4, 6))  # (batch, steps, features)
