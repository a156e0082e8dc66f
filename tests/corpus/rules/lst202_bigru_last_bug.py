"""Bidirectional GRU over sensor windows, summarised by the last output step."""
import torch
from torch import nn


class WindowEncoder(nn.Module):
    def __init__(self, n_channels, hidden, n_out):
        super(WindowEncoder, self).__init__()
        self.rnn = nn.GRU(input_size=n_channels, hidden_size=hidden, batch_first=True,
                          bidirectional=True)
        self.fc = nn.Linear(2 * hidden, n_out)

    def forward(self, x):
        output, hidden = self.rnn(x)
        feat = output[:, -1]  # expect: LST202
        return self.fc(feat)


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    hidden = 13
    model = WindowEncoder(n_channels=5, hidden=hidden, n_out=11)
    x = torch.randn(3, 7, 5)
    output, h_n = model.rnn(x)
    feat = output[:, -1]
    # Silent: the backward half of the "summary" equals what the backward
    # direction produces from the final time step alone.
    alone, _ = model.rnn(x[:, -1:, :])
    assert torch.allclose(feat[:, hidden:], alone[:, 0, hidden:], atol=1e-6)
    assert not torch.allclose(h_n[-1], feat[:, hidden:])
    assert model(x).shape == (3, 11)
