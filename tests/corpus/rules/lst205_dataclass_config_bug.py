"""Intent classifier configured by a dataclass: a batch-first LSTM reads the last step of a
padded batch while forward receives the lengths and never uses them."""
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
        return self.head(out[:, -1])  # expect: LST205


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = IntentClassifier(IntentConfig())
    tokens = torch.randint(1, 40, (2, 9))
    tokens[1, 5:] = 0  # the second utterance has 5 tokens, then padding
    lengths = torch.tensor([9, 5])
    batched = model(tokens, lengths)
    alone = model(tokens[1:, :5], lengths[1:])
    # Silent: the second utterance's "last step" is a pad token read after 4 pads.
    assert not torch.allclose(batched[1], alone[0], atol=1e-5)
