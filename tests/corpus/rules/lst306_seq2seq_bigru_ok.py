"""Seq2seq with a bidirectional GRU encoder whose directions are summed for the decoder."""
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, src_vocab, emb_dim, hid_dim, n_layers):
        super().__init__()
        self.n_layers = n_layers
        self.hid_dim = hid_dim
        self.embedding = nn.Embedding(src_vocab, emb_dim)
        self.rnn = nn.GRU(emb_dim, hid_dim, n_layers, bidirectional=True)

    def forward(self, src):
        outputs, hidden = self.rnn(self.embedding(src))
        hidden = hidden.view(self.n_layers, 2, src.size(1), self.hid_dim).sum(1)
        return outputs, hidden


class Decoder(nn.Module):
    def __init__(self, trg_vocab, emb_dim, hid_dim, n_layers):
        super().__init__()
        self.embedding = nn.Embedding(trg_vocab, emb_dim)
        self.rnn = nn.GRU(emb_dim, hid_dim, n_layers)
        self.fc_out = nn.Linear(hid_dim, trg_vocab)

    def forward(self, token, hidden):
        embedded = self.embedding(token).unsqueeze(0)
        output, hidden = self.rnn(embedded, hidden)
        return self.fc_out(output.squeeze(0)), hidden


class Seq2Seq(nn.Module):
    def __init__(self, src_vocab, trg_vocab, emb_dim=8, hid_dim=16, n_layers=1):
        super().__init__()
        self.encoder = Encoder(src_vocab, emb_dim, hid_dim, n_layers)
        self.decoder = Decoder(trg_vocab, emb_dim, hid_dim, n_layers)

    def forward(self, src, trg):
        _, hidden = self.encoder(src)
        token = trg[0]
        outputs = []
        for _ in range(1, trg.shape[0]):
            logits, hidden = self.decoder(token, hidden)
            outputs.append(logits)
            token = logits.argmax(1)
        return torch.stack(outputs)


EXPECT_ERROR = None


def demonstrate():
    model = Seq2Seq(src_vocab=20, trg_vocab=25)
    src = torch.randint(0, 20, (6, 3))
    trg = torch.randint(0, 25, (5, 3))
    assert model(src, trg).shape == (4, 3, 25)
