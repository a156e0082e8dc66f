"""Two-stage tagger: both LSTMs batch-first, the decoder by its default."""
import torch
import torch.nn as nn


class StackedTagger(nn.Module):
    def __init__(self, n_features, hidden_size, n_tags, decoder_batch_first=True):
        super().__init__()
        self.encoder = nn.LSTM(n_features, hidden_size, batch_first=True)
        self.decoder = nn.LSTM(hidden_size, hidden_size, batch_first=decoder_batch_first)
        self.tags = nn.Linear(hidden_size, n_tags)

    def forward(self, x):
        enc, _ = self.encoder(x)
        dec, _ = self.decoder(enc)
        return self.tags(dec)


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = StackedTagger(n_features=3, hidden_size=6, n_tags=2)
    x = torch.randn(4, 5, 3)
    tags = model(x)
    x2 = x.clone()
    x2[0] += 1.0
    assert torch.allclose(model(x2)[1], tags[1])
