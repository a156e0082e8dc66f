"""GRU features smoothed by a Conv1d that was handed the (B, T, H) layout."""
import torch
from torch import nn


class GRUConvTagger(nn.Module):
    def __init__(self, n_features, hidden_size, n_tags):
        super(GRUConvTagger, self).__init__()
        self.gru = nn.GRU(n_features, hidden_size, batch_first=True)
        self.conv = nn.Conv1d(hidden_size, n_tags, kernel_size=3, padding=1)

    def forward(self, x):
        feats, _ = self.gru(x)
        scores = self.conv(feats)  # expect: LST204
        return scores.transpose(1, 2)


EXPECT_ERROR = "to have 13 channels, but got 7 channels instead"


def demonstrate():
    model = GRUConvTagger(n_features=11, hidden_size=13, n_tags=5)
    model(torch.randn(3, 7, 11))
