"""Language model whose embedding width drifted away from the LSTM input size."""
import torch
from torch import nn


class WordLM(nn.Module):
    def __init__(self, vocab_size, hidden_size):
        super(WordLM, self).__init__()
        self.embed = nn.Embedding(vocab_size, 64)
        self.rnn = nn.LSTM(input_size=32, hidden_size=hidden_size, batch_first=True)
        self.decoder = nn.Linear(hidden_size, vocab_size)

    def forward(self, x):
        x = self.embed(x)
        x, _ = self.rnn(x)  # expect: LST101
        return self.decoder(x)


EXPECT_ERROR = "input.size(-1) must be equal to input_size"


def demonstrate():
    model = WordLM(vocab_size=11, hidden_size=13)
    model(torch.randint(0, 11, (3, 7)))
