"""Time-major GRU encoder: two layers, so the inter-layer dropout applies."""
import warnings

import torch
from torch import nn


class GRUEncoder(nn.Module):
    def __init__(self, input_dim, hidden_dim, dropout=0.5):
        super(GRUEncoder, self).__init__()
        self.rnn = nn.GRU(input_dim, hidden_dim, num_layers=2, dropout=dropout)

    def forward(self, x):
        outputs, hidden = self.rnn(x)
        return outputs, hidden


EXPECT_ERROR = None


def demonstrate():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        enc = GRUEncoder(input_dim=11, hidden_dim=13)
    assert not [w for w in caught if "dropout" in str(w.message)]
    enc.train()
    x = torch.randn(7, 3, 11)
    torch.manual_seed(3)
    a, hidden = enc(x)
    torch.manual_seed(4)
    b, _ = enc(x)
    assert a.shape == (7, 3, 13)
    assert hidden.shape == (2, 3, 13)
    assert not torch.equal(a, b)
