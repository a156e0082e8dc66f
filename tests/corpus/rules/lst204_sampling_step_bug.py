"""Character-level LSTM whose forward takes any token tensor; its sampling method feeds one
step at a time as (batch, 1) tokens with a state of that batch, while the LSTM is left
time-major by default: it reads the batch as time. forward alone shows nothing; the bug
lives in the context sample() gives it."""
import torch
import torch.nn as nn


class CharSampler(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_size)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, tokens, state):
        out, state = self.lstm(self.embed(tokens), state)  # expect: LST204
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


EXPECT_ERROR = "Expected hidden[0] size (1, 1, 16), got [1, 4, 16]"


def demonstrate():
    model = CharSampler(30, 8, 16)
    model.sample(4, 5)
