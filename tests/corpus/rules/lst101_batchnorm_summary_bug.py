"""Bidirectional GRU classifier with a BatchNorm1d on the pooled summary."""
import torch
import torch.nn as nn


class GRUClassifier(nn.Module):
    def __init__(self, n_features, hidden, n_classes):
        super().__init__()
        self.gru = nn.GRU(n_features, hidden, batch_first=True, bidirectional=True)
        self.bn = nn.BatchNorm1d(hidden)
        self.head = nn.Linear(2 * hidden, n_classes)

    def forward(self, x):
        _, h_n = self.gru(x)
        summary = torch.cat((h_n[-2], h_n[-1]), dim=1)
        summary = self.bn(summary)  # expect: LST101
        return self.head(summary)


EXPECT_ERROR = "running_mean should contain 26 elements not 13"


def demonstrate():
    model = GRUClassifier(n_features=11, hidden=13, n_classes=5)
    model(torch.randn(3, 7, 11))
