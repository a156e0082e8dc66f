"""Three-layer LSTM activity classifier that summarises with the top layer h_n[-1]."""
import torch
import torch.nn as nn


class ActivityLSTM(nn.Module):
    def __init__(self, n_sensors, hidden_size, n_activities):
        super().__init__()
        self.lstm = nn.LSTM(n_sensors, hidden_size, num_layers=3, batch_first=True)
        self.head = nn.Linear(hidden_size, n_activities)

    def encode(self, x):
        _, (h_n, _) = self.lstm(x)
        return h_n[-1]

    def forward(self, x):
        return self.head(self.encode(x))


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = ActivityLSTM(n_sensors=5, hidden_size=13, n_activities=11)
    x = torch.randn(3, 7, 5)
    summary = model.encode(x)
    out, _ = model.lstm(x)
    assert torch.allclose(summary, out[:, -1])
    assert model(x).shape == (3, 11)
