"""Correct whenever the input's length is seq_len: Linear(seq_len * hidden) after flattening."""
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, n_in, hidden, seq_len, n_out):
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden, batch_first=True)
        self.fc = nn.Linear(seq_len * hidden, n_out)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out.reshape(out.size(0), -1))
