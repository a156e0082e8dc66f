"""Topic classifier: max pooling of LSTM features over the time axis."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class MaxPoolClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, tokens):
        out, _ = self.lstm(self.embedding(tokens))
        pooled = torch.max(out, dim=1).values
        return self.fc(F.relu(pooled))


CASE = {
    "class": "MaxPoolClassifier",
    "args": {"vocab_size": 300, "embed_dim": 20, "hidden_size": 40, "num_classes": 6},
    "inputs": ["int64[4,9]"],
    "unknown_reason": None,
}
