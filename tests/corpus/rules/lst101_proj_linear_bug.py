"""Speech encoder with a projected LSTM; the head still assumes hidden_size outputs."""
import torch
import torch.nn as nn


class ProjectedEncoder(nn.Module):
    def __init__(self, n_mels, hidden_size, n_tokens):
        super().__init__()
        self.hidden_size = hidden_size
        self.lstm = nn.LSTM(n_mels, hidden_size, num_layers=2, proj_size=8)
        self.out = nn.Linear(self.hidden_size, n_tokens)

    def forward(self, feats):
        # feats: (T, B, n_mels)
        enc, _ = self.lstm(feats)
        return self.out(enc)  # expect: LST101


EXPECT_ERROR = "mat1 and mat2 shapes cannot be multiplied"


def demonstrate():
    model = ProjectedEncoder(n_mels=11, hidden_size=13, n_tokens=5)
    model(torch.randn(7, 3, 11))
