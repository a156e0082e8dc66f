"""Text classifier that summarises a sentence by the LSTM output at the last step."""

import torch.nn as nn


class TextClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, tokens):
        embedded = self.embedding(tokens)
        out, _ = self.lstm(embedded)
        last = out[:, -1, :]
        return self.fc(last)


CASE = {
    "class": "TextClassifier",
    "args": [1000, 32, 64, 3],
    "inputs": ["int64[4,9]"],
    "unknown_reason": None,
}
