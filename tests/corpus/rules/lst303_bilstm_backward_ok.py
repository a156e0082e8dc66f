"""Bidirectional LSTM intent classifier that concatenates both directions."""
import torch
import torch.nn as nn


class IntentClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, n_intents):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden_dim, n_intents)

    def encode(self, tokens):
        _, (hidden, _) = self.lstm(self.embedding(tokens))
        return torch.cat((hidden[-2], hidden[-1]), dim=1)

    def forward(self, tokens):
        return self.fc(self.encode(tokens))


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = IntentClassifier(vocab_size=50, embed_dim=11, hidden_dim=13, n_intents=5)
    tokens = torch.randint(0, 50, (3, 7))
    summary = model.encode(tokens)
    assert summary.shape == (3, 26)
    assert model(tokens).shape == (3, 5)
