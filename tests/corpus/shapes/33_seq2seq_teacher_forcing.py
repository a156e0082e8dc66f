"""GRU encoder-decoder with teacher forcing, decoding one target step at a time."""

import torch
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.gru = nn.GRU(embed_dim, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, token, hidden):
        embedded = self.embedding(token.unsqueeze(1))
        output, hidden = self.gru(embedded, hidden)
        return self.out(output.squeeze(1)), hidden


class Seq2Seq(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, embed_dim, hidden_size):
        super().__init__()
        self.src_embedding = nn.Embedding(src_vocab, embed_dim)
        self.encoder = nn.GRU(embed_dim, hidden_size, batch_first=True)
        self.decoder = Decoder(tgt_vocab, embed_dim, hidden_size)

    def forward(self, src, tgt):
        _, hidden = self.encoder(self.src_embedding(src))
        outputs = []
        for t in range(tgt.size(1)):
            logits, hidden = self.decoder(tgt[:, t], hidden)
            outputs.append(logits)
        return torch.stack(outputs, dim=1)


CASE = {
    "class": "Seq2Seq",
    "args": [120, 80, 16, 32],
    "inputs": ["int64[4,9]", "int64[4,7]"],
    "unknown_reason": None,
}
