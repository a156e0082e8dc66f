"""The file's call passes a size with a default as something only its data knows
(vocab=len(chars)): the size gets a prime, the call's other arguments their own values."""
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, n_in, hidden, vocab=77):
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, vocab)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[-1])  # expect: LST201


def train(chars):
    return Net(4, 8, vocab=len(chars))
