"""Two-layer LSTM classifier that uses the top layer's final hidden state h_n[-1]."""

import torch.nn as nn


class LastHiddenClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_layers, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(
            embed_dim,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=0.2,
        )
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, tokens):
        embedded = self.embedding(tokens)
        _, (h_n, _) = self.lstm(embedded)
        return self.fc(h_n[-1])


CASE = {
    "class": "LastHiddenClassifier",
    "args": [800, 32, 48, 2, 6],
    "inputs": ["int64[4,9]"],
    "unknown_reason": None,
}
