"""A sentiment classifier whose head was sized for one direction of a bidirectional LSTM."""

import torch
import torch.nn as nn


class SentimentClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(hidden_dim, num_classes)

    def forward(self, tokens):
        embedded = self.embedding(tokens)
        _, (h_n, _) = self.lstm(embedded)
        summary = torch.cat((h_n[-2], h_n[-1]), dim=1)
        return self.head(self.dropout(summary))
