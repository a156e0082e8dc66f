"""Load forecaster configured by argparse that sizes its initial states from the input."""
import argparse

import torch
import torch.nn as nn


def build_parser():
    parser = argparse.ArgumentParser(description="load forecasting")
    parser.add_argument("--n-features", type=int, default=5)
    parser.add_argument("--hidden-size", type=int, default=16)
    parser.add_argument("--num-layers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8)
    return parser


class LoadForecaster(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.num_layers = args.num_layers
        self.hidden_size = args.hidden_size
        self.batch_size = args.batch_size
        self.lstm = nn.LSTM(args.n_features, args.hidden_size, args.num_layers, batch_first=True)
        self.head = nn.Linear(args.hidden_size, 1)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
        c0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
        out, _ = self.lstm(x, (h0, c0))
        return self.head(out[:, -1])


EXPECT_ERROR = None


def demonstrate():
    args = build_parser().parse_args([])
    model = LoadForecaster(args)
    assert model(torch.randn(8, 12, 5)).shape == (8, 1)
    assert model(torch.randn(3, 12, 5)).shape == (3, 1)
