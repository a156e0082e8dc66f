"""Token scorer that keeps only non-padding positions with a boolean mask."""

import torch.nn as nn


class NonPadTokenScorer(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_labels, pad_idx=0):
        super().__init__()
        self.pad_idx = pad_idx
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_idx)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_labels)

    def forward(self, tokens):
        out, _ = self.lstm(self.embedding(tokens))
        mask = tokens != self.pad_idx
        return self.fc(out[mask])


CASE = {
    "class": "NonPadTokenScorer",
    "args": [100, 16, 24, 5],
    "inputs": ["int64[4,9]"],
    "unknown_reason": (
        "boolean-mask indexing keeps one row per non-padding token, "
        "so the first dimension depends on the token values at run time"
    ),
}
