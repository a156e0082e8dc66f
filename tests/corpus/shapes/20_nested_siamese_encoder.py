"""Sentence-pair classifier with a shared user-defined Encoder module."""

import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True)

    def forward(self, tokens):
        _, (h_n, _) = self.lstm(self.embedding(tokens))
        return h_n[-1]


class PairClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes):
        super().__init__()
        self.encoder = Encoder(vocab_size, embed_dim, hidden_size)
        self.head = nn.Linear(4 * hidden_size, num_classes)

    def forward(self, premise, hypothesis):
        a = self.encoder(premise)
        b = self.encoder(hypothesis)
        features = torch.cat([a, b, torch.abs(a - b), a * b], dim=1)
        return self.head(features)


CASE = {
    "class": "PairClassifier",
    "args": [300, 16, 24, 3],
    "inputs": ["int64[4,9]", "int64[4,7]"],
    "unknown_reason": None,
}
