"""Forward arguments no witness stands behind: each class keeps its reason."""
import torch.nn as nn


class ReadFirst(nn.Module):
    def __init__(self, n_feat=5, hidden=16):
        super().__init__()
        self.gru = nn.GRU(input_size=hidden, hidden_size=hidden, batch_first=True)
        self.n_feat = n_feat

    def forward(self, x):
        steps = x.size(1) // self.n_feat
        x = x.reshape(len(x), steps, self.n_feat)
        out, _ = self.gru(x)
        return out


class InBranch(nn.Module):
    def __init__(self, n_feat=5, hidden=16):
        super().__init__()
        self.gru = nn.GRU(input_size=hidden, hidden_size=hidden, batch_first=True)
        self.n_feat = n_feat

    def forward(self, x, flat=True):
        if flat:
            x = x.reshape(len(x), -1, self.n_feat)
        out, _ = self.gru(x)
        return out


class TwoOpen(nn.Module):
    def __init__(self, n_feat=5, hidden=16):
        super().__init__()
        self.gru = nn.GRU(input_size=hidden, hidden_size=hidden, batch_first=True)
        self.n_feat = n_feat

    def forward(self, x):
        x = x.reshape(-1, -1, self.n_feat)
        out, _ = self.gru(x)
        return out


class UnknownSize(nn.Module):
    def __init__(self, n_feat=5, hidden=16):
        super().__init__()
        self.gru = nn.GRU(input_size=hidden, hidden_size=hidden, batch_first=True)
        self.n_feat = n_feat

    def forward(self, x):
        x = x.reshape(len(x), -1, self.n_feat * 2)
        out, _ = self.gru(x)
        return out
