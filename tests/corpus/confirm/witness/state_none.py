"""State arguments the code lets be None: the run passes None."""
import torch
import torch.nn as nn


class Tested(nn.Module):
    """The first read of ``state`` tests it against None and builds zeros, laid out wrong."""

    def __init__(self, n_in=6, hidden=16):
        super().__init__()
        self.hidden = hidden
        self.lstm = nn.LSTM(n_in, hidden, batch_first=True)

    def forward(self, x, state):
        b = x.size(0)
        if state is None:
            h = torch.zeros(b, 1, self.hidden)
            c = torch.zeros(b, 1, self.hidden)
        else:
            h, c = state
        out, (h, c) = self.lstm(x, (h, c))
        return out, (h, c)


class Passed(nn.Module):
    """``hidden`` only reaches the LSTM as its state; the embedding is too wide for it."""

    def __init__(self, vocab=20, emb=8, hidden=16):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(hidden, hidden, batch_first=True)

    def forward(self, tokens, hidden):
        out, hidden = self.lstm(self.embed(tokens), hidden)
        return out, hidden


class Unpacked(nn.Module):
    """``hidden`` is unpacked before anything tests it: no witness."""

    def __init__(self, vocab=20, emb=8, hidden=16):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(hidden, hidden, batch_first=True)

    def forward(self, tokens, hidden):
        h, c = hidden
        out, hidden = self.lstm(self.embed(tokens), (h, c))
        return out, hidden
