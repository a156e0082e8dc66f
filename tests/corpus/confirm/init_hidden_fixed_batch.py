import torch.nn as nn


class Stored(nn.Module):
    def __init__(self, ntoken=50, ninp=8, nhid=16, nlayers=2):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers)
        self.decoder = nn.Linear(nhid, ntoken)
        self.nlayers, self.nhid = nlayers, nhid
        self.hidden = None

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        self.hidden = (weight.new_zeros(self.nlayers, 32, self.nhid),
                       weight.new_zeros(self.nlayers, 32, self.nhid))

    def forward(self, tokens):
        output, self.hidden = self.rnn(self.encoder(tokens), self.hidden)
        return self.decoder(output)


class Returned(nn.Module):
    def __init__(self, ntoken=50, ninp=8, nhid=16, nlayers=2):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers)
        self.decoder = nn.Linear(nhid, ntoken)
        self.nlayers, self.nhid = nlayers, nhid

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(self.nlayers, 32, self.nhid),
                weight.new_zeros(self.nlayers, 32, self.nhid))

    def forward(self, tokens, hidden):
        output, hidden = self.rnn(self.encoder(tokens), hidden)
        return self.decoder(output), hidden
