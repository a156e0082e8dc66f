"""Bidirectional GRU over sensor windows, summarised by forward-last + backward-first."""
import torch
from torch import nn


class WindowEncoder(nn.Module):
    def __init__(self, n_channels, hidden, n_out):
        super(WindowEncoder, self).__init__()
        self.hidden = hidden
        self.rnn = nn.GRU(input_size=n_channels, hidden_size=hidden, batch_first=True,
                          bidirectional=True)
        self.fc = nn.Linear(2 * hidden, n_out)

    def forward(self, x):
        output, hidden = self.rnn(x)
        forward_last = output[:, -1, : self.hidden]
        backward_first = output[:, 0, self.hidden :]
        feat = torch.cat((forward_last, backward_first), dim=1)
        return self.fc(feat)


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    hidden = 13
    model = WindowEncoder(n_channels=5, hidden=hidden, n_out=11)
    x = torch.randn(3, 7, 5)
    output, h_n = model.rnn(x)
    feat = torch.cat((output[:, -1, :hidden], output[:, 0, hidden:]), dim=1)
    assert torch.allclose(feat, torch.cat((h_n[-2], h_n[-1]), dim=1))
    assert model(x).shape == (3, 11)
