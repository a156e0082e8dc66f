"""Building this model allocates without bound (and so does importing the file)."""
import torch.nn as nn

hog = []
while True:
    hog.append(bytearray(64 * 1024 * 1024))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)
        self.hog = []
        while True:
            self.hog.append(bytearray(64 * 1024 * 1024))

    def forward(self, x):
        out, _ = self.lstm(x)
        return out[-1]
