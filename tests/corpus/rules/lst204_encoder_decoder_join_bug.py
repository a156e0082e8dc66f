"""Forecasting encoder/decoder in a temporal-fusion style: the history LSTM hands its final
state to the future LSTM, and their outputs are joined along time.  The future LSTM is
batch-first but the history LSTM was left time-major, so the join puts the history's time
where the future's batch is: it fails unless the history is as long as the batch."""
import torch
import torch.nn as nn


class TemporalEncoder(nn.Module):
    def __init__(self, hidden_size=16, num_layers=1):
        super().__init__()
        self.history_encoder = nn.LSTM(input_size=hidden_size, hidden_size=hidden_size,
                                       num_layers=num_layers)
        self.future_encoder = nn.LSTM(input_size=hidden_size, hidden_size=hidden_size,
                                      num_layers=num_layers, batch_first=True)

    def forward(self, history_features, future_features, h0, c0):
        history, state = self.history_encoder(history_features, (h0, c0))
        future, _ = self.future_encoder(future_features, state)
        return torch.cat([history, future], dim=1)  # expect: LST204


EXPECT_ERROR = "Sizes of tensors must match"


def demonstrate():
    model = TemporalEncoder()
    # the history as its LSTM reads it, (steps, batch, features); the future batch-first
    history = torch.randn(12, 8, 16)
    future = torch.randn(8, 4, 16)
    h0 = torch.zeros(1, 8, 16)
    model(history, future, h0, torch.zeros_like(h0))
