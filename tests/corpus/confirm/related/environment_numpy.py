import numpy as np
import torch.nn as nn


class Upsample(nn.Module):
    def __init__(self, scales=(4, 4), hidden=16, n_in=8):
        super().__init__()
        self.total_scale = np.cumproduct(scales)[-1]
        self.rnn = nn.GRU(n_in, hidden, dropout=0.1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return out
