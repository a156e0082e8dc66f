"""Single-layer LSTM regressor that applies dropout explicitly on the summary."""
import warnings

import torch
import torch.nn as nn


class DemandForecaster(nn.Module):
    def __init__(self, n_features, hidden_size, horizon):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(hidden_size, horizon)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(self.dropout(out[:, -1]))


EXPECT_ERROR = None


def demonstrate():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = DemandForecaster(n_features=5, hidden_size=13, horizon=11)
    assert not [w for w in caught if "dropout" in str(w.message)]
    model.train()
    x = torch.randn(3, 7, 5)
    torch.manual_seed(1)
    first = model(x)
    torch.manual_seed(2)
    second = model(x)
    assert first.shape == (3, 11)
    assert not torch.equal(first, second)
