"""Three-layer LSTM activity classifier that summarises with h_n[0]."""
import torch
import torch.nn as nn


class ActivityLSTM(nn.Module):
    def __init__(self, n_sensors, hidden_size, n_activities):
        super().__init__()
        self.lstm = nn.LSTM(n_sensors, hidden_size, num_layers=3, batch_first=True)
        self.head = nn.Linear(hidden_size, n_activities)

    def encode(self, x):
        _, (h_n, _) = self.lstm(x)
        return h_n[0]  # expect: LST302

    def forward(self, x):
        return self.head(self.encode(x))


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = ActivityLSTM(n_sensors=5, hidden_size=13, n_activities=11)
    x = torch.randn(3, 7, 5)
    summary = model.encode(x)
    # Silent: the summary is exactly what a lone copy of layer 0 produces;
    # layers 1 and 2 are computed and then thrown away.
    layer0 = nn.LSTM(5, 13, num_layers=1, batch_first=True)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(layer0, name + "_l0").copy_(getattr(model.lstm, name + "_l0"))
    _, (h_layer0, _) = layer0(x)
    assert torch.allclose(summary, h_layer0[0], atol=1e-6)
    out, _ = model.lstm(x)
    assert not torch.allclose(summary, out[:, -1])
    assert model(x).shape == (3, 11)
