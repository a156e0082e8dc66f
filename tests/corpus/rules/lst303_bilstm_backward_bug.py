"""Bidirectional LSTM intent classifier that keeps only h_n[-1]."""
import torch
import torch.nn as nn


class IntentClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, n_intents):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(hidden_dim, n_intents)

    def encode(self, tokens):
        _, (hidden, _) = self.lstm(self.embedding(tokens))
        return hidden[-1]  # expect: LST303

    def forward(self, tokens):
        return self.fc(self.encode(tokens))


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    hidden_dim = 13
    model = IntentClassifier(vocab_size=50, embed_dim=11, hidden_dim=hidden_dim, n_intents=5)
    tokens = torch.randint(0, 50, (3, 7))
    summary = model.encode(tokens)
    out, _ = model.lstm(model.embedding(tokens))
    # Silent: the summary is the backward direction alone (its output at t=0);
    # the forward direction's final state is discarded.
    assert torch.allclose(summary, out[:, 0, hidden_dim:])
    assert not torch.allclose(summary, out[:, -1, :hidden_dim])
    assert model(tokens).shape == (3, 5)
