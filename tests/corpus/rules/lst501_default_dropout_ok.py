"""Price model whose defaults apply dropout to the one-layer LSTM's output."""
import warnings

import torch
import torch.nn as nn


class PriceModel(nn.Module):
    def __init__(self, n_features, hidden_size=32, num_layers=1, dropout=0.25):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden_size, num_layers=num_layers, batch_first=True)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden_size, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.out(self.drop(out[:, -1]))


EXPECT_ERROR = None


def demonstrate():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = PriceModel(n_features=4)
    assert not any("num_layers greater than 1" in str(w.message) for w in caught)
    torch.manual_seed(0)
    model.train()
    x = torch.randn(2, 5, 4)
    assert not torch.equal(model(x), model(x))
