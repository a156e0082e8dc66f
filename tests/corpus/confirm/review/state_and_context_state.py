import torch
import torch.nn as nn


class Stateful(nn.Module):
    """A stateful LM with a context GRU whose state the caller passes; the LM's own state is
    kept on self and rebuilt whenever its batch differs from the input's."""

    def __init__(self, ntoken=50, ninp=8, nhid=16, nlayers=2):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.ctx = nn.GRU(ninp, 8)
        self.rnn = nn.GRU(ninp + 8, nhid, nlayers)
        self.decoder = nn.Linear(nhid, ntoken)
        self.nlayers, self.nhid = nlayers, nhid
        self.hidden = None

    def init_hidden(self, bsz):
        self.hidden = torch.zeros(self.nlayers, 64, self.nhid)
        return self.hidden

    def forward(self, tokens, ctx_h):
        if self.hidden is None or self.hidden.size(1) != tokens.size(1):
            self.hidden = torch.zeros(self.nlayers, tokens.size(1), self.nhid)
        emb = self.encoder(tokens)
        c, ctx_h = self.ctx(emb, ctx_h)
        output, h = self.rnn(torch.cat([emb, c], -1), self.hidden)
        self.hidden = h.detach()
        return self.decoder(output), ctx_h
