"""Text recogniser: the encoder's holistic feature starts an LSTMCell decoder."""
import torch
from torch import nn


class Encoder(nn.Module):
    def __init__(self, in_feats: int, rnn_units: int) -> None:
        super().__init__()
        self.rnn = nn.LSTM(in_feats, rnn_units, 2, batch_first=True)
        self.linear = nn.Linear(rnn_units, rnn_units)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # (N, L, C) --> (N, L, C)
        encoded = self.rnn(x)[0]
        # (N, C)
        return self.linear(encoded)  # expect: LST401


class Recogniser(nn.Module):
    def __init__(self, in_feats: int = 8, rnn_units: int = 16, vocab_size: int = 10,
                 max_length: int = 4) -> None:
        super().__init__()
        self.max_length = max_length
        self.rnn_units = rnn_units
        self.encoder = Encoder(in_feats, rnn_units)
        self.lstm_cell = nn.LSTMCell(rnn_units, rnn_units)
        self.embed = nn.Embedding(vocab_size, rnn_units)
        self.out = nn.Linear(rnn_units, vocab_size)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        holistic = self.encoder(feats)
        h = c = torch.zeros(feats.size(0), self.rnn_units)
        prev = holistic
        logits = []
        for _ in range(self.max_length):
            h, c = self.lstm_cell(prev, (h, c))
            step = self.out(h)
            logits.append(step)
            prev = self.embed(step.argmax(-1))
        return torch.stack(logits, dim=1)


model = Recogniser()
feats = torch.randn(3, 12, 8)

EXPECT_ERROR = "LSTMCell: Expected input to be 1D or 2D, got 3D instead"


def demonstrate():
    return model(feats)
