"""Correct: the batch read is the reshape's second item (what this class accepts is any x
with len(x) * n_feat * rest elements), so the reshape's target is no witness."""
import torch.nn as nn


class BatchSecond(nn.Module):
    def __init__(self, n_feat=4, hidden=16):
        super().__init__()
        self.n_feat = n_feat
        self.lstm = nn.LSTM(n_feat, hidden)

    def forward(self, x):
        x = x.reshape(self.n_feat, len(x), -1)
        out, _ = self.lstm(x.permute(2, 1, 0))
        return out
