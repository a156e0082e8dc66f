"""A part-of-speech tagger whose initial state was laid out batch-first."""

import torch
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, num_layers, num_tags):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.num_layers = num_layers
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.gru = nn.GRU(embed_dim, hidden_dim, num_layers, batch_first=True)
        self.out = nn.Linear(hidden_dim, num_tags)

    def forward(self, words):
        h0 = torch.zeros(words.size(0), self.num_layers, self.hidden_dim)
        states, _ = self.gru(self.embedding(words), h0)
        return self.out(states)
