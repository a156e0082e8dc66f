"""A model built only inside an estimator's fit(): its probability and flag are the ones the
estimator passes (its defaults), as the analysis knows them."""
import torch.nn as nn


class Module(nn.Module):
    def __init__(self, n_features, hidden, dropout, bidirectional, seed):
        super().__init__()
        self.encoder = nn.LSTM(n_features, hidden, batch_first=True, num_layers=2,
                               dropout=dropout, bidirectional=bidirectional)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        out = self.encoder(x)[0]
        return self.drop(out[-1])  # expect: LST201


class Estimator:
    def __init__(self, hidden=8, dropout=0.25, bidirectional=False):
        self.hidden, self.dropout, self.bidirectional = hidden, dropout, bidirectional

    def fit(self, X, seed):
        self.model = Module(X.shape[1], self.hidden, self.dropout, self.bidirectional, seed)
        return self.model
