"""Character-level LSTM whose forward takes any token tensor; its sampling method feeds one
step at a time as (batch, 1) tokens with a state of that batch, and the LSTM is
batch-first, so it reads them so."""
import torch
import torch.nn as nn


class CharSampler(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, tokens, state):
        out, state = self.lstm(self.embed(tokens), state)
        return self.head(out), state

    def init_state(self, batch_size):
        return (torch.zeros(1, batch_size, self.hidden_size),
                torch.zeros(1, batch_size, self.hidden_size))

    def sample(self, batch_size, steps):
        state = self.init_state(batch_size)
        tokens = torch.zeros(batch_size, 1, dtype=torch.long)
        picked = []
        for _ in range(steps):
            logits, state = self(tokens, state)
            tokens = logits[:, -1].argmax(-1, keepdim=True)
            picked.append(tokens)
        return torch.cat(picked, dim=1)


EXPECT_ERROR = None


def demonstrate():
    model = CharSampler(30, 8, 16)
    assert model.sample(4, 5).shape == (4, 5)
