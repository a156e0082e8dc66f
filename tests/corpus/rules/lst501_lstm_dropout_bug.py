"""Single-layer LSTM regressor that relies on the LSTM's own dropout argument."""
import warnings

import torch
import torch.nn as nn


class DemandForecaster(nn.Module):
    def __init__(self, n_features, hidden_size, horizon):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden_size, batch_first=True,
                            dropout=0.3)  # expect: LST501
        self.head = nn.Linear(hidden_size, horizon)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


EXPECT_ERROR = None


def demonstrate():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = DemandForecaster(n_features=5, hidden_size=13, horizon=11)
    messages = [str(w.message) for w in caught]
    assert any("non-zero dropout expects num_layers greater than 1" in m for m in messages)
    # Silent: in training mode the LSTM is still deterministic -- no dropout happens.
    model.train()
    x = torch.randn(3, 7, 5)
    torch.manual_seed(1)
    first, _ = model.lstm(x)
    torch.manual_seed(2)
    second, _ = model.lstm(x)
    assert torch.equal(first, second)
    assert model(x).shape == (3, 11)
