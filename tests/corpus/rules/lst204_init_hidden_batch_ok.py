"""GRU forecaster (dataclass config) whose init_hidden sizes the state from axis 0 of a
batch-major input, and a batch-first GRU that reads it so."""
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
        self.gru = nn.GRU(cfg.n_features, cfg.hidden, batch_first=True)
        self.head = nn.Linear(cfg.hidden, cfg.horizon)

    def init_hidden(self, batch_size):
        return torch.zeros(1, batch_size, self.cfg.hidden)

    def forward(self, x):
        h0 = self.init_hidden(x.size(0))
        out, h_n = self.gru(x, h0)
        return self.head(h_n[-1])


EXPECT_ERROR = None


def demonstrate():
    model = GRUForecaster(ForecastConfig())
    assert model(torch.randn(8, 4, 6)).shape == (8, 3)
