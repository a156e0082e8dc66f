"""Forecasting encoder/decoder in a temporal-fusion style: the history LSTM hands its final
state to the future LSTM, and their outputs are joined along time; both are batch-first."""
import torch
import torch.nn as nn


class TemporalEncoder(nn.Module):
    def __init__(self, hidden_size=16, num_layers=1):
        super().__init__()
        self.history_encoder = nn.LSTM(input_size=hidden_size, hidden_size=hidden_size,
                                       num_layers=num_layers, batch_first=True)
        self.future_encoder = nn.LSTM(input_size=hidden_size, hidden_size=hidden_size,
                                      num_layers=num_layers, batch_first=True)

    def forward(self, history_features, future_features, h0, c0):
        history, state = self.history_encoder(history_features, (h0, c0))
        future, _ = self.future_encoder(future_features, state)
        return torch.cat([history, future], dim=1)


EXPECT_ERROR = None


def demonstrate():
    model = TemporalEncoder()
    history = torch.randn(8, 12, 16)
    future = torch.randn(8, 4, 16)
    h0 = torch.zeros(1, 8, 16)
    out = model(history, future, h0, torch.zeros_like(h0))
    assert out.shape == (8, 16, 16)
