"""Paraphrase encoder configured by a SimpleNamespace with a bidirectional GRU."""
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
        out, _ = self.gru(x)
        return self.fc(out[:, -1, :])  # expect: LST202


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = ParaphraseEncoder(opts)
    x = torch.randn(2, 6, 8)
    model(x)
    out, _ = model.gru(x)
    out_last_only, _ = model.gru(x[:, -1:])
    # Silent: the backward half of the last step has seen only the last token.
    assert torch.allclose(out[:, -1, 10:], out_last_only[:, 0, 10:], atol=1e-6)
