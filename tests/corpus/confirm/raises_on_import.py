"""Module-level code raises when imported (and prints, and calls sys.exit in main)."""
import sys

import torch.nn as nn

print("this goes to stderr, never into the report")
CONFIG = {"hidden": 20}["missing"]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)

    def forward(self, x):
        out, _ = self.lstm(x)
        return out[-1]


if __name__ == "__main__":
    sys.exit(1)
