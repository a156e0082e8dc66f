"""Character model whose base class builds the initial state for a fixed batch size."""
import torch
import torch.nn as nn


class RecurrentBase(nn.Module):
    def init_hidden(self):
        device = self.embedding.weight.device
        return torch.zeros(self.num_layers, self.batch_size, self.hidden_size,  # expect: LST305
                           device=device)


class CharRNN(RecurrentBase):
    def __init__(self, vocab_size, hidden_size, num_layers=1, batch_size=32):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.batch_size = batch_size
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, num_layers)
        self.decoder = nn.Linear(hidden_size, vocab_size)

    def forward(self, chars):
        # chars: (seq_len, batch)
        output, hidden = self.gru(self.embedding(chars), self.init_hidden())
        return self.decoder(output), hidden


EXPECT_ERROR = "Expected hidden size"


def demonstrate():
    model = CharRNN(vocab_size=30, hidden_size=12, num_layers=2, batch_size=4)
    logits, _ = model(torch.randint(0, 30, (10, 4)))
    assert logits.shape == (10, 4, 30)
    model(torch.randint(0, 30, (10, 3)))  # a sampling run with 3 prompts raises
