"""Time-major GRU encoder with dropout configured on a single layer."""
import warnings

import torch
from torch import nn


class GRUEncoder(nn.Module):
    def __init__(self, input_dim, hidden_dim, dropout=0.5):
        super(GRUEncoder, self).__init__()
        self.rnn = nn.GRU(input_dim, hidden_dim, num_layers=1, dropout=dropout)  # expect: LST501

    def forward(self, x):
        outputs, hidden = self.rnn(x)
        return outputs, hidden


EXPECT_ERROR = None


def demonstrate():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        enc = GRUEncoder(input_dim=11, hidden_dim=13)
    assert any(issubclass(w.category, UserWarning) and "num_layers=1" in str(w.message)
               for w in caught)
    assert enc.rnn.dropout == 0.5
    enc.train()
    x = torch.randn(7, 3, 11)
    torch.manual_seed(3)
    a, _ = enc(x)
    torch.manual_seed(4)
    b, _ = enc(x)
    # Silent: dropout=0.5 is configured, yet training-mode outputs are identical.
    assert torch.equal(a, b)
