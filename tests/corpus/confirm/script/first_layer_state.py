"""Script: a two-layer LSTM encoder that summarises with h_n[0], the first layer's state."""
import torch
import torch.nn as nn

FEATS, HIDDEN, OUT = 6, 16, 3


class Encoder(nn.Module):
    def __init__(self, feats, hidden, out):
        super().__init__()
        self.lstm = nn.LSTM(feats, hidden, num_layers=2, batch_first=True)
        self.proj = nn.Linear(hidden, out)

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        return self.proj(h_n[0])  # expect: LST302


enc = Encoder(FEATS, HIDDEN, OUT)
batch = torch.randn(5, 12, FEATS)
opt = torch.optim.Adam(enc.parameters())
for _ in range(2):
    opt.zero_grad()
    enc(batch).pow(2).mean().backward()
    opt.step()
