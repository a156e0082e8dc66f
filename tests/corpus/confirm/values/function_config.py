"""The model is built inside main() from an argparse configuration."""
import argparse

import torch.nn as nn


def build_parser():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-in", type=int, default=6)
    parser.add_argument("--hidden", type=int, default=20)
    parser.add_argument("--dropout", type=float, default=0.3)
    return parser


class Net(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.lstm = nn.LSTM(args.n_in, args.hidden, num_layers=2, dropout=args.dropout,
                            batch_first=True)
        self.fc = nn.Linear(args.hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[-1])  # expect: LST201


def main():
    args = build_parser().parse_args()
    model = Net(args)
    return model


if __name__ == "__main__":
    main()
