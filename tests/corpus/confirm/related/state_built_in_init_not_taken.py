import torch
import torch.nn as nn


class Generator(nn.Module):
    def __init__(self, n_in=8, hidden=16, batch_size=3, num_layers=1, cell="gru"):
        super().__init__()
        self.batch_size, self.num_layers, self.hidden_size = batch_size, num_layers, hidden
        self.cell = cell
        self.rnn = getattr(nn, cell.upper())(n_in, hidden, num_layers, batch_first=True)
        self.out = nn.Linear(hidden, 5)
        self.hidden = self.init_hidden()

    def init_hidden(self):
        if self.cell == "lstm":
            return (torch.zeros(self.batch_size, self.num_layers, self.hidden_size),
                    torch.zeros(self.num_layers, self.batch_size, self.hidden_size))
        return torch.zeros(self.num_layers, self.batch_size, self.hidden_size // 2)

    def forward(self, x):
        # x: (batch_size, T, n_in)
        output, self.hidden = self.rnn(x, self.hidden)
        return self.out(output)
