"""Keyword spotter with a projected LSTM: a 128-wide cell projected down to 64."""
import torch
from torch import nn


class KeywordSpotter(nn.Module):
    def __init__(self, n_mfcc=11, n_keywords=5):
        super(KeywordSpotter, self).__init__()
        self.encoder = nn.LSTM(input_size=n_mfcc, hidden_size=128, proj_size=64,
                               batch_first=True)
        self.classifier = nn.Linear(64, n_keywords)

    def forward(self, mfcc):
        out, (h_n, _) = self.encoder(mfcc)
        return self.classifier(h_n[-1])


EXPECT_ERROR = None


def demonstrate():
    model = KeywordSpotter()
    logits = model(torch.randn(3, 7, 11))
    assert logits.shape == (3, 5)
