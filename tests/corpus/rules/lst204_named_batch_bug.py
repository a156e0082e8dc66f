"""Tagger configured by argparse that names its input's axes, then feeds a GRU left
time-major by default: the recurrence runs across the batch."""
import argparse

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--n_in", type=int, default=5)
parser.add_argument("--hidden", type=int, default=8)
parser.add_argument("--n_tags", type=int, default=4)


class Tagger(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.rnn = getattr(nn, "GRU")(args.n_in, args.hidden)
        self.tags = nn.Linear(args.hidden, args.n_tags)

    def forward(self, x):
        batch_size, seq_len, _ = x.shape
        out, _ = self.rnn(x)  # expect: LST204
        return self.tags(out.reshape(batch_size * seq_len, -1)).view(batch_size, seq_len, -1)


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = Tagger(parser.parse_args([]))
    x = torch.randn(3, 6, 5)
    tags = model(x)
    assert tags.shape == (3, 6, 4)
    # Silent: sample 0 leaks into sample 1 through the recurrence.
    x2 = x.clone()
    x2[0] += 1.0
    assert not torch.allclose(model(x2)[1], tags[1])
