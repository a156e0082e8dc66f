"""Posted code: a batch_first LSTM that takes out[-1] as the last time step."""
import torch
import torch.nn as nn

INPUT, HIDDEN, CLASSES = 8, 20, 4


class SeqClassifier(nn.Module):
    def __init__(self, n_in, hidden, n_classes):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_classes)

    def forward(self, x):
        out, _ = self.rnn(x)
        last = out[-1]  # expect: LST201
        return self.head(last)


net = SeqClassifier(INPUT, HIDDEN, CLASSES)
xb = torch.randn(6, 11, INPUT)
yb = torch.randint(0, CLASSES, (6,))
loss = nn.CrossEntropyLoss()(net(xb), yb)
loss.backward()
