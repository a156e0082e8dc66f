"""The same flat input, read right: no finding, and a clean run on the witness."""
import torch.nn as nn


class FlatGRU(nn.Module):
    def __init__(self, n_feat=5, hidden=16):
        super().__init__()
        self.gru = nn.GRU(input_size=n_feat, hidden_size=hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)
        self.n_feat = n_feat

    def forward(self, x):
        x = x.reshape(len(x), self.n_feat, -1)
        x = x.permute(0, 2, 1)
        out, _ = self.gru(x)
        return self.head(out[:, -1, :])
