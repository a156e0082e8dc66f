"""Sentiment model configured by module-level constants."""

import torch.nn as nn

VOCAB_SIZE = 5000
EMBED_DIM = 32
HIDDEN = 64
NUM_LAYERS = 2
NUM_CLASSES = 6


class SentimentLSTM(nn.Module):
    def __init__(self, dropout=0.5):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB_SIZE, EMBED_DIM)
        self.lstm = nn.LSTM(
            EMBED_DIM, HIDDEN, num_layers=NUM_LAYERS, batch_first=True, dropout=dropout
        )
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(HIDDEN, NUM_CLASSES)

    def forward(self, tokens):
        out, _ = self.lstm(self.embedding(tokens))
        pooled = out.max(dim=1)[0]
        return self.fc(self.dropout(pooled))


CASE = {
    "class": "SentimentLSTM",
    "args": [],
    "inputs": ["int64[4,9]"],
    "unknown_reason": None,
}
