"""Traffic model whose dataclass config stacks two GRU layers for its recurrent dropout."""
import warnings
from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class TrafficConfig:
    n_sensors: int = 8
    hidden_size: int = 16
    num_layers: int = 2
    dropout: float = 0.2


class TrafficGRU(nn.Module):
    def __init__(self, cfg: TrafficConfig):
        super().__init__()
        self.gru = nn.GRU(cfg.n_sensors, cfg.hidden_size, num_layers=cfg.num_layers,
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
    assert not any("num_layers greater than 1" in str(w.message) for w in caught)
    torch.manual_seed(0)
    model.train()
    x = torch.randn(3, 5, 8)
    assert not torch.equal(model(x), model(x))
