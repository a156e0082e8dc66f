import torch
import torch.nn as nn


class Stateful(nn.Module):
    """A stateful LM: forward starts a fresh state whenever the batch it gets differs from the
    state's (the last, smaller batch of an epoch included)."""

    def __init__(self, ntoken=50, ninp=8, nhid=16, nlayers=2):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.GRU(ninp, nhid, nlayers)
        self.decoder = nn.Linear(nhid, ntoken)
        self.nlayers, self.nhid = nlayers, nhid
        self.hidden = None

    def init_hidden(self, bsz):
        self.hidden = torch.zeros(self.nlayers, 64, self.nhid)

    def forward(self, tokens):
        if self.hidden is None or self.hidden.size(1) != tokens.size(1):
            self.hidden = torch.zeros(self.nlayers, tokens.size(1), self.nhid)
        output, h = self.rnn(self.encoder(tokens), self.hidden)
        self.hidden = h.detach()
        return self.decoder(output)
