"""Projected LSTM (LSTMP) with a user-supplied state: h0 uses proj_size."""
import torch
import torch.nn as nn


class StreamingLSTMP(nn.Module):
    def __init__(self, input_size, hidden_size, proj_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.proj_size = proj_size
        self.lstm = nn.LSTM(input_size, hidden_size, proj_size=proj_size, batch_first=True)

    def forward(self, x):
        batch = x.shape[0]
        h0 = x.new_zeros(1, batch, self.proj_size)
        c0 = x.new_zeros(1, batch, self.hidden_size)
        out, state = self.lstm(x, (h0, c0))
        return out, state


EXPECT_ERROR = None


def demonstrate():
    model = StreamingLSTMP(input_size=11, hidden_size=13, proj_size=5)
    out, (h_n, c_n) = model(torch.randn(3, 7, 11))
    assert out.shape == (3, 7, 5)
    assert h_n.shape == (1, 3, 5)
    assert c_n.shape == (1, 3, 13)
