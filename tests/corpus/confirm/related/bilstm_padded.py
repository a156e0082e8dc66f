import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, vocab_size=50, emb_size=8, hidden_size=16, out_size=5):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_size)
        self.bilstm = nn.LSTM(emb_size, hidden_size, batch_first=True, bidirectional=True)
        self.lin = nn.Linear(2 * hidden_size, out_size)

    def forward(self, sents, lengths):
        emb = self.embedding(sents)  # [B, L, emb_size]
        rnn_out, _ = self.bilstm(emb)
        return self.lin(rnn_out)  # [B, L, out_size]
