"""NER tagger: bidirectional LSTM, LayerNorm and dropout before the per-token classifier."""

import torch.nn as nn


class BiLSTMTagger(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_tags, dropout=0.5):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.emb_dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True, bidirectional=True)
        self.norm = nn.LayerNorm(2 * hidden_size)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(2 * hidden_size, num_tags)

    def forward(self, tokens):
        x = self.emb_dropout(self.embedding(tokens))
        x, _ = self.lstm(x)
        x = self.dropout(self.norm(x))
        return self.classifier(x)


CASE = {
    "class": "BiLSTMTagger",
    "args": [600, 20, 30, 11],
    "inputs": ["int64[4,9]"],
    "unknown_reason": None,
}
