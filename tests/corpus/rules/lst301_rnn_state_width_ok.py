"""Character-level Elman RNN whose initial hidden state has hidden_size width."""
import torch
import torch.nn as nn


class CharRNN(nn.Module):
    def __init__(self, n_chars, hidden_size, num_layers=1):
        super(CharRNN, self).__init__()
        self.n_chars = n_chars
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.rnn = nn.RNN(n_chars, hidden_size, num_layers, nonlinearity="tanh")
        self.decoder = nn.Linear(hidden_size, n_chars)

    def forward(self, one_hot):
        # one_hot: (seq_len, batch, n_chars)
        hidden = torch.zeros(self.num_layers, one_hot.size(1), self.hidden_size)
        out, hidden = self.rnn(one_hot, hidden)
        return self.decoder(out), hidden


EXPECT_ERROR = None


def demonstrate():
    model = CharRNN(n_chars=11, hidden_size=13)
    logits, hidden = model(torch.randn(7, 3, 11))
    assert logits.shape == (7, 3, 11)
    assert hidden.shape == (1, 3, 13)
