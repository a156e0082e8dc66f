"""Two-layer bidirectional GRU document encoder that keeps only h_n[-1]."""
import torch
from torch import nn


class DocEncoder(nn.Module):
    def __init__(self, d_in, d_hidden, d_out):
        super(DocEncoder, self).__init__()
        self.gru = nn.GRU(d_in, d_hidden, num_layers=2, bidirectional=True)
        self.proj = nn.Linear(d_hidden, d_out)

    def forward(self, x):
        # x: (seq_len, batch, d_in)
        _, h_n = self.gru(x)
        doc = h_n[-1]  # expect: LST303
        return self.proj(doc), doc


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    d_hidden = 13
    model = DocEncoder(d_in=11, d_hidden=d_hidden, d_out=5)
    x = torch.randn(7, 3, 11)
    vec, doc = model(x)
    assert vec.shape == (3, 5)
    output, h_n = model.gru(x)
    view = h_n.view(2, 2, 3, d_hidden)  # (layers, directions, batch, hidden)
    # Silent: "doc" is the top layer's backward direction only.
    assert torch.equal(doc, view[1, 1])
    assert torch.allclose(doc, output[0, :, d_hidden:])
    assert not torch.allclose(doc, output[-1, :, :d_hidden])
