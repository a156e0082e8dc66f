"""Sequence labeller, bidirectional by a default, whose h0 counts both directions."""
import torch
import torch.nn as nn


class Labeller(nn.Module):
    def __init__(self, n_features, hidden_size, num_layers, n_labels, bidirectional=True):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.directions = 2 if bidirectional else 1
        self.gru = nn.GRU(n_features, hidden_size, num_layers, batch_first=True,
                          bidirectional=bidirectional)
        self.out = nn.Linear(self.directions * hidden_size, n_labels)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers * self.directions, x.size(0), self.hidden_size)
        out, _ = self.gru(x, h0)
        return self.out(out)


EXPECT_ERROR = None


def demonstrate():
    model = Labeller(n_features=4, hidden_size=8, num_layers=2, n_labels=3)
    assert model(torch.randn(5, 7, 4)).shape == (5, 7, 3)
