"""Paraphrase encoder configured by a SimpleNamespace; joins both final states."""
from types import SimpleNamespace

import torch
import torch.nn as nn

opts = SimpleNamespace(emb_dim=8, hidden=10, bidirectional=True, n_out=2)


class ParaphraseEncoder(nn.Module):
    def __init__(self, opts):
        super().__init__()
        self.gru = nn.GRU(opts.emb_dim, opts.hidden, batch_first=True,
                          bidirectional=opts.bidirectional)
        self.fc = nn.Linear(2 * opts.hidden, opts.n_out)

    def forward(self, x):
        _, h_n = self.gru(x)
        return self.fc(torch.cat((h_n[-2], h_n[-1]), dim=1))


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = ParaphraseEncoder(opts)
    x = torch.randn(2, 6, 8)
    out, _ = model.gru(x)
    both = torch.cat((out[:, -1, :10], out[:, 0, 10:]), dim=1)
    assert torch.allclose(model(x), model.fc(both), atol=1e-6)
