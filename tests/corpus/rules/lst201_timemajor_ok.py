"""Time-major GRU regressor that takes the last time step."""
import torch
from torch import nn


class GRURegressor(nn.Module):
    def __init__(self, n_features, hidden_size):
        super().__init__()
        self.gru = nn.GRU(n_features, hidden_size)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x):
        # x: (seq_len, batch, n_features)
        output, _ = self.gru(x)
        last = output[-1]
        return self.head(last).squeeze(-1)


EXPECT_ERROR = None


def demonstrate():
    steps, batch = 7, 3
    model = GRURegressor(n_features=11, hidden_size=13)
    x = torch.randn(steps, batch, 11)
    pred = model(x)
    assert pred.shape == (batch,)
    x2 = x.clone()
    x2[:, 0] += 10.0
    changed = model(x2)
    assert not torch.allclose(changed[0], pred[0])
    assert torch.allclose(changed[1:], pred[1:])
