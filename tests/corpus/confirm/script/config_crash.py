"""Script whose model needs a configuration object and data the file loads at module level:
the model cannot be built from the definitions alone, but the file's own run crashes
through the faulty line."""
from types import SimpleNamespace

import torch
import torch.nn as nn


class Config:
    embed = 10
    hidden = 14
    n_classes = 3


def load_data():
    return SimpleNamespace(vocab_size=50, x=torch.randint(0, 50, (4, 9)))


class Net(nn.Module):
    def __init__(self, vocab_size, cfg):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, cfg.embed)
        self.lstm = nn.LSTM(cfg.embed, cfg.hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(cfg.hidden, cfg.n_classes)

    def forward(self, tokens):
        out, _ = self.lstm(self.emb(tokens))
        return self.fc(out.mean(dim=1))  # expect: LST101


data = load_data()
cfg = Config()
model = Net(data.vocab_size, cfg)
logits = model(data.x)
