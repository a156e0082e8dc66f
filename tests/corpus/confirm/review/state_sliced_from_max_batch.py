import torch
import torch.nn as nn

MAX_BATCH = 64


class LM(nn.Module):
    """The state is kept for the largest batch and sliced to the input's."""

    def __init__(self, ntoken=50, ninp=8, nhid=16, nlayers=2):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers)
        self.decoder = nn.Linear(nhid, ntoken)
        self.nlayers, self.nhid = nlayers, nhid

    def init_hidden(self, bsz):
        return (torch.zeros(self.nlayers, 64, self.nhid),
                torch.zeros(self.nlayers, 64, self.nhid))

    def forward(self, tokens, h0, c0):
        b = tokens.size(1)
        output, (h, c) = self.rnn(self.encoder(tokens), (h0[:, :b], c0[:, :b]))
        return self.decoder(output), h, c
