"""Character RNN over one-hot inputs; optional hidden state, logits flattened to (N*L, V)."""

import torch.nn as nn


class CharRNN(nn.Module):
    def __init__(self, n_chars, n_hidden, n_layers, drop_prob=0.5):
        super().__init__()
        self.n_hidden = n_hidden
        self.lstm = nn.LSTM(n_chars, n_hidden, n_layers, dropout=drop_prob, batch_first=True)
        self.dropout = nn.Dropout(drop_prob)
        self.fc = nn.Linear(n_hidden, n_chars)

    def forward(self, x, hidden=None):
        r_output, hidden = self.lstm(x, hidden)
        out = self.dropout(r_output)
        out = out.contiguous().view(-1, self.n_hidden)
        out = self.fc(out)
        return out, hidden


CASE = {
    "class": "CharRNN",
    "args": [30, 64, 2],
    "inputs": ["float32[4,9,30]", "none"],
    "unknown_reason": None,
}
