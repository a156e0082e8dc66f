"""Language model whose embedding width matches the LSTM input size."""
import torch
from torch import nn


class WordLM(nn.Module):
    def __init__(self, vocab_size, hidden_size):
        super(WordLM, self).__init__()
        self.embed = nn.Embedding(vocab_size, 64)
        self.rnn = nn.LSTM(input_size=64, hidden_size=hidden_size, batch_first=True)
        self.decoder = nn.Linear(hidden_size, vocab_size)

    def forward(self, x):
        x = self.embed(x)
        x, _ = self.rnn(x)
        return self.decoder(x)


EXPECT_ERROR = None


def demonstrate():
    model = WordLM(vocab_size=11, hidden_size=13)
    logits = model(torch.randint(0, 11, (3, 7)))
    assert logits.shape == (3, 7, 11)
