"""Acoustic model whose LSTM projection halves the hidden size."""
import torch
import torch.nn as nn


class AcousticModel(nn.Module):
    def __init__(self, n_mels, hidden_size, n_phones):
        super().__init__()
        self.lstm = nn.LSTM(n_mels, hidden_size, num_layers=2, batch_first=True,
                            proj_size=hidden_size // 2)
        self.phones = nn.Linear(hidden_size // 2, n_phones)

    def forward(self, mels):
        out, _ = self.lstm(mels)
        return self.phones(out)


EXPECT_ERROR = None


def demonstrate():
    model = AcousticModel(n_mels=20, hidden_size=16, n_phones=10)
    assert model(torch.randn(2, 9, 20)).shape == (2, 9, 10)
