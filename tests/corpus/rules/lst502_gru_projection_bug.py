"""Speech decoder whose recurrent cell is picked from a dataclass config; the projection was
written for the LSTM case, but the default cell is a GRU, which has no projection."""
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
        rnn_cls = nn.GRU if cell == "gru" else nn.LSTM
        self.rnn = rnn_cls(cfg.n_mels, cfg.hidden, batch_first=True,  # expect: LST502
                           proj_size=cfg.hidden // 2)
        self.out = nn.Linear(cfg.hidden // 2, cfg.n_tokens)

    def forward(self, frames):
        y, _ = self.rnn(frames)
        return self.out(y)


EXPECT_ERROR = "proj_size argument is only supported for LSTM"


def demonstrate():
    Decoder(DecoderConfig())(torch.randn(2, 7, 80))
