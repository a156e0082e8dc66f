"""POS tagger whose tag count comes from a SimpleNamespace; CE gets (N, L, C) logits."""
from types import SimpleNamespace

import torch
import torch.nn as nn

cfg = SimpleNamespace(vocab=60, emb=8, hidden=12, n_tags=5)


class PosTagger(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed = nn.Embedding(cfg.vocab, cfg.emb)
        self.lstm = nn.LSTM(cfg.emb, cfg.hidden, batch_first=True)
        self.proj = nn.Linear(cfg.hidden, cfg.n_tags)

    def forward(self, words):
        out, _ = self.lstm(self.embed(words))
        return self.proj(out)


def loss_on(model, words, tags):
    return nn.CrossEntropyLoss()(model(words), tags)  # expect: LST402


EXPECT_ERROR = "Expected target size"


def demonstrate():
    model = PosTagger(cfg)
    words = torch.randint(0, 60, (3, 7))
    tags = torch.randint(0, 5, (3, 7))
    loss_on(model, words, tags)
