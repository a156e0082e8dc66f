"""Bidirectional GRU tagger whose h0 has num_layers * 2 rows."""
import torch
from torch import nn


class BiGRUTagger(nn.Module):
    def __init__(self, n_in, n_hidden, n_tags, n_layers=2):
        super().__init__()
        self.n_hidden = n_hidden
        self.n_layers = n_layers
        self.gru = nn.GRU(n_in, n_hidden, num_layers=n_layers, bidirectional=True)
        self.tag = nn.Linear(2 * n_hidden, n_tags)

    def init_hidden(self, batch_size):
        return torch.zeros(self.n_layers * 2, batch_size, self.n_hidden)

    def forward(self, x):
        # x: (seq_len, batch, n_in)
        h0 = self.init_hidden(x.size(1))
        out, _ = self.gru(x, h0)
        return self.tag(out)


EXPECT_ERROR = None


def demonstrate():
    model = BiGRUTagger(n_in=11, n_hidden=13, n_tags=5)
    tags = model(torch.randn(7, 3, 11))
    assert tags.shape == (7, 3, 5)
