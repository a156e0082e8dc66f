import torch
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self, n_in=8, hidden=16):
        super().__init__()
        self.hidden = hidden
        self.rnn = nn.LSTM(n_in, hidden)
        self.out = nn.Linear(hidden, n_in)

    def forward(self, x):
        # x: (batch, steps, n_in)
        batch_size = x.size(0)
        h = (torch.zeros(1, batch_size, self.hidden), torch.zeros(1, batch_size, self.hidden))
        if self.training:
            y, h = self.rnn(x, h)
        else:
            y, h = self.rnn(x * 1.0, h)
        return self.out(y)
