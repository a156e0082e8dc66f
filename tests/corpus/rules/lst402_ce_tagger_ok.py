"""POS tagger: per-token logits are permuted to (N, C, L) for CrossEntropyLoss."""
import torch
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, n_tags):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, batch_first=True, bidirectional=True)
        self.hidden2tag = nn.Linear(2 * hidden_dim, n_tags)

    def forward(self, words):
        out, _ = self.lstm(self.embed(words))
        return self.hidden2tag(out)


model = Tagger(100, 16, 32, 5)
criterion = nn.CrossEntropyLoss()
words = torch.randint(0, 100, (3, 7))
tags = torch.randint(0, 5, (3, 7))


def train_step():
    logits = model(words)
    loss = criterion(logits.permute(0, 2, 1), tags)
    loss.backward()
    return loss


EXPECT_ERROR = None


def demonstrate():
    assert model(words).shape == (3, 7, 5)
    loss = train_step()
    assert loss.dim() == 0
