"""A one-layer RNN with dropout whose forward input is not known: building it is enough."""
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.RNN(n_in, hidden, dropout=0.2)  # expect: LST501

    def forward(self, batch):
        return self.rnn(batch["features"])[0]
