"""Keyword spotter with a projected LSTM whose projection is wider than the cell."""
import torch
from torch import nn


class KeywordSpotter(nn.Module):
    def __init__(self, n_mfcc=11, n_keywords=5):
        super(KeywordSpotter, self).__init__()
        self.encoder = nn.LSTM(input_size=n_mfcc, hidden_size=64, proj_size=128,  # expect: LST502
                               batch_first=True)
        self.classifier = nn.Linear(128, n_keywords)

    def forward(self, mfcc):
        out, (h_n, _) = self.encoder(mfcc)
        return self.classifier(h_n[-1])


EXPECT_ERROR = "proj_size has to be smaller than hidden_size"


def demonstrate():
    model = KeywordSpotter()
    model(torch.randn(3, 7, 11))
