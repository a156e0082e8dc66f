"""ASR acoustic model whose LSTM projection is narrower than the cell."""
import torch
import torch.nn as nn


class AcousticModel(nn.Module):
    def __init__(self, n_feats, hidden_size, n_phones):
        super().__init__()
        self.lstm = nn.LSTM(n_feats, hidden_size, 2, proj_size=hidden_size // 2)
        self.out = nn.Linear(hidden_size // 2, n_phones)

    def forward(self, feats):
        enc, _ = self.lstm(feats)
        return self.out(enc)


EXPECT_ERROR = None


def demonstrate():
    model = AcousticModel(n_feats=11, hidden_size=13, n_phones=5)
    logits = model(torch.randn(7, 3, 11))
    assert logits.shape == (7, 3, 5)
