"""Demand forecaster configured by a dict; batch_first comes from the config."""
import torch
import torch.nn as nn

CONFIG = {"n_features": 4, "hidden": 16, "batch_first": True, "horizon": 1}


class DemandForecaster(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.lstm = nn.LSTM(config["n_features"], config["hidden"],
                            batch_first=config["batch_first"])
        self.fc = nn.Linear(config["hidden"], config["horizon"])

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[-1])  # expect: LST201


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = DemandForecaster(CONFIG)
    x = torch.randn(3, 8, 4)  # (batch, time, features)
    pred = model(x)
    # Silent: one prediction per time step of the last sample, not one per sample.
    assert pred.shape == (8, 1)
