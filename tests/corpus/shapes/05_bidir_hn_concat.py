"""Bidirectional two-layer LSTM: concatenate the top layer's forward and backward states."""

import torch
import torch.nn as nn


class BiLSTMClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes, num_layers=2):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(
            embed_dim,
            hidden_size,
            num_layers=num_layers,
            bidirectional=True,
            batch_first=True,
            dropout=0.1,
        )
        self.fc = nn.Linear(hidden_size * 2, num_classes)

    def forward(self, tokens):
        embedded = self.embedding(tokens)
        _, (h_n, _) = self.lstm(embedded)
        hidden = torch.cat((h_n[-2], h_n[-1]), dim=1)
        return self.fc(hidden)


CASE = {
    "class": "BiLSTMClassifier",
    "args": [1200, 24, 36, 7],
    "inputs": ["int64[4,9]"],
    "unknown_reason": None,
}
