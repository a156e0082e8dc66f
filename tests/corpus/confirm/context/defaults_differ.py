"""One layer with dropout by default; the file's own call builds two layers.  The finding
holds with the defaults, so it must be judged with them, not with the file's call."""
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, n_in, hidden, num_layers=1, dropout=0.3):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, num_layers=num_layers, dropout=dropout)  # expect: LST501

    def forward(self, x):
        out, _ = self.rnn(x)
        return out


encoder = Encoder(8, 16, num_layers=2)
