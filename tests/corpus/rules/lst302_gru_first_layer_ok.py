"""Two-layer time-major GRU encoder for seq2seq that passes on the top layer."""
import torch
from torch import nn


class Encoder(nn.Module):
    def __init__(self, vocab_size, emb_dim, hid_dim):
        super(Encoder, self).__init__()
        self.embedding = nn.Embedding(vocab_size, emb_dim)
        self.rnn = nn.GRU(emb_dim, hid_dim, 2)
        self.fc = nn.Linear(hid_dim, hid_dim)

    def forward(self, src):
        # src: (src_len, batch)
        embedded = self.embedding(src)
        outputs, hidden = self.rnn(embedded)
        context = torch.tanh(self.fc(hidden[-1]))
        return outputs, context


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    enc = Encoder(vocab_size=50, emb_dim=11, hid_dim=13)
    src = torch.randint(0, 50, (7, 3))
    outputs, context = enc(src)
    assert context.shape == (3, 13)
    assert torch.allclose(context, torch.tanh(enc.fc(outputs[-1])))
