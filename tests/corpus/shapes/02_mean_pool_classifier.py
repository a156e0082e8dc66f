"""Bidirectional LSTM sentiment model with mean pooling over time."""

from torch import nn


class MeanPoolClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes, dropout=0.3):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, tokens):
        out, _ = self.lstm(self.embedding(tokens))
        pooled = out.mean(dim=1)
        return self.fc(self.dropout(pooled))


CASE = {
    "class": "MeanPoolClassifier",
    "args": [500, 16, 24, 5],
    "inputs": ["int64[4,9]"],
    "unknown_reason": None,
}
