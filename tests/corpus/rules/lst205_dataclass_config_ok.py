"""Intent classifier configured by a dataclass: the lengths pick each sequence's own last
step of the batch-first LSTM's output."""
from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class IntentConfig:
    vocab_size: int = 40
    embed_dim: int = 6
    hidden: int = 10
    n_intents: int = 4
    batch_first: bool = True


class IntentClassifier(nn.Module):
    def __init__(self, cfg: IntentConfig):
        super().__init__()
        self.embed = nn.Embedding(cfg.vocab_size, cfg.embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(cfg.embed_dim, cfg.hidden, batch_first=cfg.batch_first)
        self.head = nn.Linear(cfg.hidden, cfg.n_intents)

    def forward(self, tokens, lengths):
        out, _ = self.lstm(self.embed(tokens))
        last = out[torch.arange(out.size(0)), lengths - 1]
        return self.head(last)


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = IntentClassifier(IntentConfig())
    tokens = torch.randint(1, 40, (2, 9))
    tokens[1, 5:] = 0
    lengths = torch.tensor([9, 5])
    batched = model(tokens, lengths)
    alone = model(tokens[1:, :5], lengths[1:])
    assert torch.allclose(batched[1], alone[0], atol=1e-5)
