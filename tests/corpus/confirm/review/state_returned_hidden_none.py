import torch
import torch.nn as nn


class LM(nn.Module):
    def __init__(self, ntoken=50, ninp=8, nhid=16, nlayers=2):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers)
        self.decoder = nn.Linear(nhid, ntoken)
        self.nlayers, self.nhid = nlayers, nhid

    def init_hidden(self, bsz):
        return (torch.zeros(self.nlayers, 32, self.nhid),
                torch.zeros(self.nlayers, 32, self.nhid))

    def forward(self, tokens, hidden=None):
        output, hidden = self.rnn(self.encoder(tokens), hidden)
        return self.decoder(output), hidden
