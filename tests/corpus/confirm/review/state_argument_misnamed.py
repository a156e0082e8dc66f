import torch
import torch.nn as nn


class Enc(nn.Module):
    def __init__(self, feat=10, hidden=16):
        super().__init__()
        self.rnn = nn.GRU(feat, hidden)

    def forward(self, x, hidden):
        batch_size, seq_len, _ = x.size()
        out, h = self.rnn(x, hidden)
        return out.reshape(batch_size * seq_len, -1), h
