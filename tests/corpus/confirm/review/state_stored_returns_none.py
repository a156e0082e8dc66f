import torch
import torch.nn as nn


class LM(nn.Module):
    def __init__(self, ntoken=50, ninp=8, nhid=16, nlayers=2):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.GRU(ninp, nhid, nlayers)
        self.decoder = nn.Linear(nhid, ntoken)
        self.nlayers, self.nhid = nlayers, nhid
        self.hidden = None

    def init_hidden(self, bsz):
        self.hidden = torch.zeros(self.nlayers, 32, self.nhid)

    def forward(self, tokens, hidden):
        output, h = self.rnn(self.encoder(tokens), hidden)
        out2, self.hidden = self.rnn(self.encoder(tokens), self.hidden)
        return self.decoder(output + out2), h
