import torch
import torch.nn as nn


class Tagger(nn.Module):
    """One sequence at a time, made a batch of one: out[-1] is that sequence (correct)."""
    def __init__(self, n_in=8, hidden=16, n_out=3):
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, n_out)

    def forward(self, x):
        out, _ = self.lstm(x.unsqueeze(0))
        seq = out[-1]
        return self.fc(seq[-1])
