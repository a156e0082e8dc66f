"""Time-series autoencoder (dataclass config): a 2-layer LSTM encoder seeds a 1-layer decoder."""
from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class AEConfig:
    n_features: int = 3
    hidden_size: int = 16
    dropout: float = 0.1


class SeqAutoencoder(nn.Module):
    def __init__(self, cfg: AEConfig):
        super().__init__()
        self.encoder = nn.LSTM(cfg.n_features, cfg.hidden_size, 2, dropout=cfg.dropout,
                               batch_first=True)
        self.decoder = nn.LSTM(cfg.n_features, cfg.hidden_size, batch_first=True)
        self.project = nn.Linear(cfg.hidden_size, cfg.n_features)

    def forward(self, x):
        _, (h, c) = self.encoder(x)
        start = torch.zeros_like(x)
        out, _ = self.decoder(start, (h, c))  # expect: LST306
        return self.project(out)


EXPECT_ERROR = "Expected hidden[0] size"


def demonstrate():
    model = SeqAutoencoder(AEConfig())
    model(torch.randn(4, 10, 3))
