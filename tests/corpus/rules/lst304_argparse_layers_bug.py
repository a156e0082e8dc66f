"""Activity recognizer built from argparse options: the summary folds the states of every
layer (--layers defaults to 2) into the batch."""
import argparse

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--n_sensors", type=int, default=6)
parser.add_argument("--hidden", type=int, default=8)
parser.add_argument("--layers", type=int, default=2)
parser.add_argument("--n_classes", type=int, default=3)


class ActivityLSTM(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.hidden = args.hidden
        self.lstm = nn.LSTM(args.n_sensors, args.hidden, num_layers=args.layers,
                            batch_first=True)
        self.fc = nn.Linear(args.hidden, args.n_classes)

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        summary = h_n.view(-1, self.hidden)  # expect: LST304
        return self.fc(summary)


EXPECT_ERROR = None


def demonstrate():
    model = ActivityLSTM(parser.parse_args([]))
    scores = model(torch.randn(5, 7, 6))
    # Silent: 2 layers x 5 samples = 10 rows of scores for 5 samples.
    assert scores.shape == (10, 3)
