"""Sensor classifier whose summary helper takes the top layer of a two-layer LSTM."""
import torch
from torch import nn


class SensorClassifier(nn.Module):
    def __init__(self, n_sensors, hidden_size, n_classes):
        super().__init__()
        self.hidden_size = hidden_size
        self.lstm = nn.LSTM(n_sensors, hidden_size, num_layers=2, batch_first=True)
        self.classifier = nn.Linear(hidden_size, n_classes)

    def summarize(self, h_n):
        return h_n[-1]

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        return self.classifier(self.summarize(h_n))


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = SensorClassifier(n_sensors=6, hidden_size=12, n_classes=4)
    x = torch.randn(5, 9, 6)
    logits = model(x)
    assert logits.shape == (5, 4)
    out, _ = model.lstm(x)
    assert torch.allclose(logits, model.classifier(out[:, -1]), atol=1e-6)
