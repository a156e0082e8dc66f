"""Bidirectional GRU classifier over word embeddings."""

import torch
import torch.nn.functional as F
from torch import nn


class GRUClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.gru = nn.GRU(embed_dim, hidden_size, batch_first=True, bidirectional=True)
        self.fc1 = nn.Linear(hidden_size * 2, hidden_size)
        self.fc2 = nn.Linear(hidden_size, num_classes)

    def forward(self, tokens):
        _, h_n = self.gru(self.embedding(tokens))
        h = torch.cat([h_n[-2], h_n[-1]], dim=-1)
        return self.fc2(F.relu(self.fc1(h)))


CASE = {
    "class": "GRUClassifier",
    "args": [900, 32, 40, 6],
    "inputs": ["int64[4,9]"],
    "unknown_reason": None,
}
