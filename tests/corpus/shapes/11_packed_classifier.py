"""Classifier over padded batches: pack by length, summarise with the bidirectional h_n."""

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence


class PackedClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, tokens, lengths):
        embedded = self.embedding(tokens)
        packed = pack_padded_sequence(
            embedded, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        _, (h_n, _) = self.lstm(packed)
        hidden = torch.cat((h_n[-2], h_n[-1]), dim=1)
        return self.fc(hidden)


CASE = {
    "class": "PackedClassifier",
    "args": [700, 24, 32, 3],
    "inputs": ["int64[4,9]", "int64[4]"],
    "lengths_arg": 1,
    "time": 9,
    "unknown_reason": None,
}
