"""Seq2seq with a bidirectional GRU encoder whose h_n seeds a unidirectional decoder."""
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, src_vocab, emb_dim, hid_dim, n_layers):
        super().__init__()
        self.embedding = nn.Embedding(src_vocab, emb_dim)
        self.rnn = nn.GRU(emb_dim, hid_dim, n_layers, bidirectional=True)

    def forward(self, src):
        outputs, hidden = self.rnn(self.embedding(src))
        return outputs, hidden


class Decoder(nn.Module):
    def __init__(self, trg_vocab, emb_dim, hid_dim, n_layers):
        super().__init__()
        self.embedding = nn.Embedding(trg_vocab, emb_dim)
        self.rnn = nn.GRU(emb_dim, hid_dim, n_layers)
        self.fc_out = nn.Linear(hid_dim, trg_vocab)

    def forward(self, token, hidden):
        embedded = self.embedding(token).unsqueeze(0)
        output, hidden = self.rnn(embedded, hidden)  # expect: LST306
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


EXPECT_ERROR = "Expected hidden size"


def demonstrate():
    model = Seq2Seq(src_vocab=20, trg_vocab=25)
    src = torch.randint(0, 20, (6, 3))
    trg = torch.randint(0, 25, (5, 3))
    model(src, trg)
