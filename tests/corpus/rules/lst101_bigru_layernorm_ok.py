"""Bidirectional GRU encoder with a post-RNN LayerNorm over both directions."""
import torch
from torch import nn


class NormedGRUEncoder(nn.Module):
    def __init__(self, input_dim, hidden_dim, out_dim):
        super().__init__()
        self.gru = nn.GRU(input_dim, hidden_dim, num_layers=2, batch_first=True,
                          bidirectional=True)
        self.norm = nn.LayerNorm(2 * hidden_dim)
        self.proj = nn.Linear(2 * hidden_dim, out_dim)

    def forward(self, x):
        h, _ = self.gru(x)
        h = self.norm(h)
        return self.proj(h)


EXPECT_ERROR = None


def demonstrate():
    enc = NormedGRUEncoder(input_dim=11, hidden_dim=13, out_dim=5)
    y = enc(torch.randn(3, 7, 11))
    assert y.shape == (3, 7, 5)
