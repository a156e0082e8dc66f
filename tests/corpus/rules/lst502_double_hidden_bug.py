"""Acoustic model whose LSTM projection is set to twice the hidden size."""
import torch
import torch.nn as nn


class AcousticModel(nn.Module):
    def __init__(self, n_mels, hidden_size, n_phones):
        super().__init__()
        self.lstm = nn.LSTM(n_mels, hidden_size, num_layers=2, batch_first=True,  # expect: LST502
                            proj_size=2 * hidden_size)
        self.phones = nn.Linear(2 * hidden_size, n_phones)

    def forward(self, mels):
        out, _ = self.lstm(mels)
        return self.phones(out)


EXPECT_ERROR = "proj_size has to be smaller than hidden_size"


def demonstrate():
    AcousticModel(n_mels=20, hidden_size=16, n_phones=10)
