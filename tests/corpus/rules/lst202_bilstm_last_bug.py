"""Bidirectional LSTM classifier that summarises with the last output step."""
import torch
import torch.nn as nn


class BiLSTMClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, num_classes):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, batch_first=True, bidirectional=True)
        self.classifier = nn.Linear(hidden_dim * 2, num_classes)

    def encode(self, tokens):
        out, _ = self.lstm(self.embedding(tokens))
        return out[:, -1, :]  # expect: LST202

    def forward(self, tokens):
        return self.classifier(self.encode(tokens))


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = BiLSTMClassifier(vocab_size=50, embed_dim=11, hidden_dim=13, num_classes=5)
    tokens = torch.randint(0, 50, (3, 7))
    summary = model.encode(tokens)
    assert summary.shape == (3, 26)
    # Silent: the backward half has read only the final token. Replace every
    # earlier token and it does not change at all.
    other = tokens.clone()
    other[:, :-1] = (other[:, :-1] + 17) % 50
    changed = model.encode(other)
    assert torch.allclose(changed[:, 13:], summary[:, 13:])
    assert not torch.allclose(changed[:, :13], summary[:, :13])
