"""Greedy decoder that stops early once every sequence has produced the EOS token."""

import torch
import torch.nn as nn


class GreedyDecoder(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, max_len, bos_id=1, eos_id=2):
        super().__init__()
        self.max_len = max_len
        self.bos_id = bos_id
        self.eos_id = eos_id
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.encoder = nn.LSTM(embed_dim, hidden_size, batch_first=True)
        self.decoder = nn.LSTM(embed_dim, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, src):
        _, (h, c) = self.encoder(self.embedding(src))
        token = torch.full((src.size(0),), self.bos_id, dtype=torch.long)
        finished = torch.zeros(src.size(0), dtype=torch.bool)
        generated = []
        for _ in range(self.max_len):
            output, (h, c) = self.decoder(self.embedding(token).unsqueeze(1), (h, c))
            token = self.out(output.squeeze(1)).argmax(dim=-1)
            generated.append(token)
            finished = finished | (token == self.eos_id)
            if finished.all():
                break
        return torch.stack(generated, dim=1)


CASE = {
    "class": "GreedyDecoder",
    "args": [5, 8, 16, 12],
    "inputs": ["int64[4,9]"],
    "unknown_reason": (
        "decoding breaks out of the loop as soon as every sequence has emitted EOS, "
        "so the number of generated steps depends on the predicted tokens"
    ),
}
