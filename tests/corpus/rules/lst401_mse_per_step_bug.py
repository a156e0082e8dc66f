"""Remaining-useful-life regressor trained with MSELoss on one target per engine."""
import torch
import torch.nn as nn

HPARAMS = {"n_sensors": 6, "hidden": 12, "lr": 1e-3}


class RULRegressor(nn.Module):
    def __init__(self, hp):
        super().__init__()
        self.lstm = nn.LSTM(hp["n_sensors"], hp["hidden"], batch_first=True)
        self.head = nn.Linear(hp["hidden"], 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out)  # expect: LST401


def train_step(model, x, rul):
    criterion = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=HPARAMS["lr"])
    loss = criterion(model(x), rul)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


EXPECT_ERROR = None


def demonstrate():
    import warnings

    torch.manual_seed(0)
    model = RULRegressor(HPARAMS)
    x, rul = torch.randn(4, 10, 6), torch.rand(4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train_step(model, x, rul)
    # Silent but for a warning: (4, 10, 1) against (4,) broadcasts to (4, 10, 4).
    assert any("target size" in str(w.message) for w in caught)
    assert torch.broadcast_shapes(model(x).shape, rul.shape) == (4, 10, 4)
