"""Sequence tagger over a padded batch using pack_padded_sequence / pad_packed_sequence."""

import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class PackedTagger(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_tags):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True, bidirectional=True)
        self.hidden2tag = nn.Linear(hidden_size * 2, num_tags)

    def forward(self, tokens, seq_lengths):
        embedded = self.embedding(tokens)
        packed = pack_padded_sequence(
            embedded, seq_lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        packed_out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(packed_out, batch_first=True)
        return self.hidden2tag(out)


CASE = {
    "class": "PackedTagger",
    "args": [350, 16, 20, 8],
    "inputs": ["int64[4,9]", "int64[4]"],
    "lengths_arg": 1,
    "time": 9,
    "unknown_reason": None,
}
