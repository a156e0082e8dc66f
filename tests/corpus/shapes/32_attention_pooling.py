"""Self-attentive pooling over BiLSTM states; returns logits and the attention weights."""

import torch
import torch.nn as nn


class AttentionPoolClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True, bidirectional=True)
        self.score = nn.Sequential(
            nn.Linear(2 * hidden_size, hidden_size),
            nn.Tanh(),
            nn.Linear(hidden_size, 1),
        )
        self.fc = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, tokens):
        out, _ = self.lstm(self.embedding(tokens))
        scores = self.score(out).squeeze(-1)
        weights = torch.softmax(scores, dim=1)
        context = (out * weights.unsqueeze(-1)).sum(dim=1)
        return self.fc(context), weights


CASE = {
    "class": "AttentionPoolClassifier",
    "args": [250, 16, 20, 3],
    "inputs": ["int64[4,9]"],
    "unknown_reason": None,
}
