"""Sentiment classifier: bidirectional LSTM whose head takes both directions."""
import torch
import torch.nn as nn


class SentimentLSTM(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, tokens):
        emb = self.embedding(tokens)
        out, _ = self.lstm(emb)
        return self.fc(out)


EXPECT_ERROR = None


def demonstrate():
    model = SentimentLSTM(vocab_size=50, embed_dim=11, hidden_size=13, num_classes=5)
    tokens = torch.randint(0, 50, (3, 7))
    scores = model(tokens)
    assert scores.shape == (3, 7, 5)
