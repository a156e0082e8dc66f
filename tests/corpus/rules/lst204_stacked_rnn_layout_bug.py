"""Two-stage encoder: a batch_first LSTM feeding a time-major LSTM."""
import torch
import torch.nn as nn


class TwoStageEncoder(nn.Module):
    def __init__(self, input_size, hidden1, hidden2):
        super().__init__()
        self.stage1 = nn.LSTM(input_size, hidden1, batch_first=True)
        self.stage2 = nn.LSTM(hidden1, hidden2)

    def forward(self, x):
        # x: (batch, seq_len, input_size)
        h1, _ = self.stage1(x)
        h2, _ = self.stage2(h1)  # expect: LST204
        return h2


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    enc = TwoStageEncoder(input_size=11, hidden1=13, hidden2=5)
    x = torch.randn(3, 7, 11)
    y = enc(x)
    assert y.shape == (3, 7, 5)  # the shape looks right, so nothing crashes
    # Silent: stage2 recurs over the BATCH axis. Changing sample 0 leaks into
    # the outputs of samples 1 and 2.
    x2 = x.clone()
    x2[0] += 5.0
    y2 = enc(x2)
    assert not torch.allclose(y2[1], y[1])
    assert not torch.allclose(y2[2], y[2])
