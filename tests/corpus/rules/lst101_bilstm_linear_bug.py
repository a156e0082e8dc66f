"""Sentiment classifier: bidirectional LSTM whose head was sized for one direction."""
import torch
import torch.nn as nn


class SentimentLSTM(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, tokens):
        emb = self.embedding(tokens)
        out, _ = self.lstm(emb)
        return self.fc(out)  # expect: LST101


EXPECT_ERROR = "mat1 and mat2 shapes cannot be multiplied"


def demonstrate():
    model = SentimentLSTM(vocab_size=50, embed_dim=11, hidden_size=13, num_classes=5)
    tokens = torch.randint(0, 50, (3, 7))
    model(tokens)
