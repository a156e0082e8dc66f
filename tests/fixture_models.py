"""The buggy model (and its corrected twin) that the front-end tests share."""

BUGGY = '''\
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, vocab_size, emb_dim, hidden_dim, n_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_dim)
        self.lstm = nn.LSTM(emb_dim, hidden_dim, batch_first=True,
                            bidirectional=True)
        self.head = nn.Linear(hidden_dim, n_classes)

    def forward(self, tokens):
        out, _ = self.lstm(self.embedding(tokens))
        return self.head(out.mean(dim=1))
'''
BUG_LINE = 14  # the line holding ``return self.head(...)``
BUG_COL = BUGGY.splitlines()[BUG_LINE - 1].index("self.head(") + 1
CLEAN = BUGGY.replace("nn.Linear(hidden_dim, n_classes)", "nn.Linear(2 * hidden_dim, n_classes)")
