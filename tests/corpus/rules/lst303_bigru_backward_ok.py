"""Two-layer bidirectional GRU document encoder using both top-layer directions."""
import torch
from torch import nn


class DocEncoder(nn.Module):
    def __init__(self, d_in, d_hidden, d_out):
        super(DocEncoder, self).__init__()
        self.d_hidden = d_hidden
        self.gru = nn.GRU(d_in, d_hidden, num_layers=2, bidirectional=True)
        self.proj = nn.Linear(2 * d_hidden, d_out)

    def forward(self, x):
        # x: (seq_len, batch, d_in)
        _, h_n = self.gru(x)
        top = h_n.view(2, 2, x.size(1), self.d_hidden)[-1]
        doc = torch.cat([top[0], top[1]], dim=-1)
        return self.proj(doc), doc


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = DocEncoder(d_in=11, d_hidden=13, d_out=5)
    x = torch.randn(7, 3, 11)
    vec, doc = model(x)
    assert vec.shape == (3, 5)
    assert doc.shape == (3, 26)
    _, h_n = model.gru(x)
    assert torch.equal(doc, torch.cat((h_n[-2], h_n[-1]), dim=1))
