import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, n_in=8, hidden=16, num_layers=3):
        super().__init__()
        self.num_layers, self.hidden = num_layers, hidden
        self.rnn = nn.LSTM(n_in, hidden, num_layers)

    def forward(self, x):
        # x: (T, B, n_in)
        bsz = x.size(1)
        h = (x.new_zeros(bsz, self.num_layers, self.hidden),
             x.new_zeros(self.num_layers, bsz, self.hidden))
        out, _ = self.rnn(x, h)
        return out
