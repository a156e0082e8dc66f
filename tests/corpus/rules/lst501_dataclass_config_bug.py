"""Traffic model whose dataclass config gives a one-layer GRU a recurrent dropout."""
import warnings
from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class TrafficConfig:
    n_sensors: int = 8
    hidden_size: int = 16
    num_layers: int = 1
    dropout: float = 0.2


class TrafficGRU(nn.Module):
    def __init__(self, cfg: TrafficConfig):
        super().__init__()
        self.gru = nn.GRU(cfg.n_sensors, cfg.hidden_size, num_layers=cfg.num_layers,  # expect: LST501
                          dropout=cfg.dropout, batch_first=True)
        self.out = nn.Linear(cfg.hidden_size, cfg.n_sensors)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.out(out[:, -1])


EXPECT_ERROR = None


def demonstrate():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = TrafficGRU(TrafficConfig())
    # Silent but for a warning: no dropout is ever applied.
    assert any("num_layers greater than 1" in str(w.message) for w in caught)
    model.train()
    x = torch.randn(3, 5, 8)
    assert torch.equal(model(x), model(x))
