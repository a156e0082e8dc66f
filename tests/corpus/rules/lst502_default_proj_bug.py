"""Keyword spotter whose constructor defaults project an LSTM to more than its hidden size."""
import torch
import torch.nn as nn


class KeywordSpotter(nn.Module):
    def __init__(self, n_mfcc=13, hidden_size=64, proj_size=96, n_keywords=12):
        super().__init__()
        self.lstm = nn.LSTM(n_mfcc, hidden_size, proj_size=proj_size,  # expect: LST502
                            batch_first=True)
        self.head = nn.Linear(proj_size, n_keywords)

    def forward(self, mfcc):
        _, (h_n, _) = self.lstm(mfcc)
        return self.head(h_n[-1])


EXPECT_ERROR = "proj_size has to be smaller than hidden_size"


def demonstrate():
    KeywordSpotter()
