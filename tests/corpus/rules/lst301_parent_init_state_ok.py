"""Attention ASR decoder in the End-to-end-ASR style: the parent model calls
decoder.init_state(bs) and the decoder keeps its (h, c) pair on self between steps; the
pair is laid out (layers, batch, hidden)."""
import torch
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self, input_dim, vocab_size, module="LSTM", dim=24, layer=2):
        super().__init__()
        self.dim, self.layer = dim, layer
        self.hidden_state = None
        self.layers = getattr(nn, module)(input_dim, dim, num_layers=layer, batch_first=True)
        self.char_trans = nn.Linear(dim, vocab_size)

    def init_state(self, bs):
        self.hidden_state = (torch.zeros((self.layer, bs, self.dim)),
                             torch.zeros((self.layer, bs, self.dim)))

    def forward(self, x):
        x, self.hidden_state = self.layers(x.unsqueeze(1), self.hidden_state)
        return self.char_trans(x.squeeze(1))


class ASR(nn.Module):
    def __init__(self, feat_dim, vocab_size):
        super().__init__()
        self.decoder = Decoder(feat_dim, vocab_size)

    def forward(self, feats, steps=3):
        self.decoder.init_state(feats.size(0))
        return torch.stack([self.decoder(feats) for _ in range(steps)], 1)


EXPECT_ERROR = None


def demonstrate():
    model = ASR(feat_dim=10, vocab_size=7)
    out = model(torch.randn(4, 10))
    assert out.shape == (4, 3, 7), out.shape
