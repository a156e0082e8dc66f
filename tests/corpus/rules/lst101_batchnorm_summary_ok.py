"""Bidirectional GRU classifier with a BatchNorm1d sized for both directions."""
import torch
import torch.nn as nn


class GRUClassifier(nn.Module):
    def __init__(self, n_features, hidden, n_classes):
        super().__init__()
        self.gru = nn.GRU(n_features, hidden, batch_first=True, bidirectional=True)
        self.bn = nn.BatchNorm1d(2 * hidden)
        self.head = nn.Linear(2 * hidden, n_classes)

    def forward(self, x):
        _, h_n = self.gru(x)
        summary = torch.cat((h_n[-2], h_n[-1]), dim=1)
        summary = self.bn(summary)
        return self.head(summary)


EXPECT_ERROR = None


def demonstrate():
    model = GRUClassifier(n_features=11, hidden=13, n_classes=5)
    logits = model(torch.randn(3, 7, 11))
    assert logits.shape == (3, 5)
