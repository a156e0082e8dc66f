"""Time-major GRU regressor that slices as if the output were batch_first."""
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
        last = output[:, -1]  # expect: LST201
        return self.head(last).squeeze(-1)


EXPECT_ERROR = None


def demonstrate():
    steps, batch = 7, 3
    model = GRURegressor(n_features=11, hidden_size=13)
    x = torch.randn(steps, batch, 11)
    pred = model(x)
    # Silent: one prediction per time step of the last sample, not one per sample.
    assert pred.shape == (steps,)
    output, _ = model.gru(x)
    assert torch.equal(output[:, -1], output[:, batch - 1, :])
    # The "summary" of sample 0 ignores sample 0 entirely: perturbing it changes nothing.
    x2 = x.clone()
    x2[:, 0] += 10.0
    assert torch.equal(model(x2), pred)
