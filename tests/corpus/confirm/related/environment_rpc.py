import torch.distributed.rpc as rpc
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, n_in=8, hidden=16):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, dropout=0.3)


class RNNModel(nn.Module):
    def __init__(self, ps="ps", n_in=8, hidden=16):
        super().__init__()
        self.encoder_rref = rpc.remote(ps, Encoder, args=(n_in, hidden))
        self.rnn = nn.LSTM(n_in, hidden, dropout=0.3)

    def forward(self, x):
        out, _ = self.rnn(x)
        return out
