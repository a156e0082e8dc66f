"""Captioning decoder in the self-critical style: forward dispatches on a mode name, and the
LSTM's (h, c) pair comes from init_hidden, whose cell state has the batch first."""
import torch
import torch.nn as nn


class CaptionBase(nn.Module):
    def forward(self, *args, mode="forward", **kwargs):
        return getattr(self, "_" + mode)(*args, **kwargs)


class ShowTell(CaptionBase):
    def __init__(self, feat_size, vocab_size, rnn_size=32, num_layers=2):
        super().__init__()
        self.rnn_size = rnn_size
        self.num_layers = num_layers
        self.img_embed = nn.Linear(feat_size, rnn_size)
        self.core = nn.LSTM(rnn_size, rnn_size, num_layers)
        self.logit = nn.Linear(rnn_size, vocab_size)

    def init_hidden(self, bsz):
        weight = self.logit.weight
        return (weight.new_zeros(self.num_layers, bsz, self.rnn_size),
                weight.new_zeros(bsz, self.num_layers, self.rnn_size))  # expect: LST301

    def _forward(self, fc_feats, steps=3):
        state = self.init_hidden(fc_feats.size(0))
        xt = self.img_embed(fc_feats)
        outputs = []
        for _ in range(steps):
            output, state = self.core(xt.unsqueeze(0), state)
            outputs.append(self.logit(output.squeeze(0)))
        return torch.stack(outputs, 1)


EXPECT_ERROR = "Expected hidden[1] size (2, 5, 32), got [5, 2, 32]"


def demonstrate():
    model = ShowTell(feat_size=16, vocab_size=9)
    model(torch.randn(5, 16))
