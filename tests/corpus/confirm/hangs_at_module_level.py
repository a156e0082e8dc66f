"""A script whose module-level code never finishes: its model is still traced."""
import time

import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)

    def forward(self, x):
        out, _ = self.lstm(x)
        return out[-1]


while True:
    time.sleep(1)
