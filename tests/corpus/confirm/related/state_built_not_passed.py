import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, n_in=8, hidden=16, num_layers=2, stateful=False):
        super().__init__()
        self.num_layers, self.hidden, self.stateful = num_layers, hidden, stateful
        self.rnn = nn.LSTM(n_in, hidden, num_layers)

    def forward(self, x):
        # x: (T, B, n_in)
        bsz = x.size(1)
        h = (x.new_zeros(bsz, self.num_layers, self.hidden),
             x.new_zeros(self.num_layers, bsz, self.hidden))
        out, _ = self.rnn(x, h) if self.stateful else self.rnn(x)
        return out
