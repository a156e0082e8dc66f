"""A head that is right on its own and wrong as its parent builds and calls it: the parent's
bidirectional LSTM gives 2*hidden features, the head was built for hidden."""
import torch.nn as nn


class Head(nn.Module):
    def __init__(self, hidden, n_out):
        super().__init__()
        self.fc = nn.Linear(hidden, n_out)

    def forward(self, out):
        return self.fc(out[:, -1])  # expect: LST101


class Tagger(nn.Module):
    def __init__(self, n_in=5, hidden=11, n_out=3):
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden, batch_first=True, bidirectional=True)
        self.head = Head(hidden, n_out)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out)
