"""Importing this file allocates without bound."""
import torch.nn as nn

hog = []
while True:
    hog.append(bytearray(64 * 1024 * 1024))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)

    def forward(self, x):
        out, _ = self.lstm(x)
        return out[-1]
