"""Speech decoder whose recurrent cell is picked from a dataclass config; only the LSTM case
is given a projection."""
from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class DecoderConfig:
    n_mels: int = 80
    hidden: int = 256
    n_tokens: int = 40


class Decoder(nn.Module):
    def __init__(self, cfg: DecoderConfig, cell: str = "gru"):
        super().__init__()
        if cell == "gru":
            self.rnn = nn.GRU(cfg.n_mels, cfg.hidden // 2, batch_first=True)
        else:
            self.rnn = nn.LSTM(cfg.n_mels, cfg.hidden, batch_first=True,
                               proj_size=cfg.hidden // 2)
        self.out = nn.Linear(cfg.hidden // 2, cfg.n_tokens)

    def forward(self, frames):
        y, _ = self.rnn(frames)
        return self.out(y)


EXPECT_ERROR = None


def demonstrate():
    model = Decoder(DecoderConfig())
    assert model(torch.randn(2, 7, 80)).shape == (2, 7, 40)
    lstm = Decoder(DecoderConfig(), cell="lstm")
    assert lstm(torch.randn(2, 7, 80)).shape == (2, 7, 40)
