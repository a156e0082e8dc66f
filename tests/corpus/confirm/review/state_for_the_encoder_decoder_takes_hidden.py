import torch
import torch.nn as nn


class Stateful(nn.Module):
    """Bidirectional encoder whose state is kept on self, rebuilt when the batch differs;
    the caller's `hidden` goes to a unidirectional decoder GRU."""

    def __init__(self, ninp=8, nhid=16, nlayers=1):
        super().__init__()
        self.enc = nn.GRU(ninp, nhid, nlayers, bidirectional=True)
        self.dec = nn.GRU(2 * nhid, nhid, 2)
        self.nlayers, self.nhid = nlayers, nhid
        self.h = None

    def init_hidden(self, bsz):
        self.h = torch.zeros(2 * self.nlayers, 64, self.nhid)
        return self.h

    def forward(self, x, hidden=None):
        if self.h is None or self.h.size(1) != x.size(1):
            self.h = torch.zeros(2 * self.nlayers, x.size(1), self.nhid)
        out, hn = self.enc(x, self.h)
        self.h = hn.detach()
        y, hidden = self.dec(out, hidden)
        return y, hidden
