"""Ints the code sizes and counts with in forms the engine does not keep: 2 ** bits classes,
a decoding loop of max_len steps; and a temperature that is no size."""
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, n_in, hidden, bits, max_len):
        super().__init__()
        self.max_len = max_len
        self.lstm = nn.LSTM(n_in, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 2 ** bits)

    def forward(self, x):
        out, _ = self.lstm(x)
        steps = []
        for _ in range(self.max_len):
            steps.append(self.fc(out[-1]))  # expect: LST201
        return torch.stack(steps, 1)


class Scaled(nn.Module):
    def __init__(self, n_in, hidden, temperature):
        super().__init__()
        self.scale = 2 ** temperature
        self.lstm = nn.LSTM(n_in, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 3)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[-1]) * self.scale  # expect: LST201


class Tokens(nn.Module):
    def __init__(self, vocab, dim, hidden, pad):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim, padding_idx=pad)
        self.lstm = nn.LSTM(dim, hidden, batch_first=True)

    def forward(self, x):
        out, _ = self.lstm(self.embed(x))
        return out[-1]  # expect: LST201
