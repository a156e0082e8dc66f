"""Input-feeding decoder: each step feeds the token embedding plus the previous h."""
import torch
import torch.nn as nn


class InputFeedingDecoder(nn.Module):
    def __init__(self, vocab_size, emb_size, hidden_size):
        super(InputFeedingDecoder, self).__init__()
        self.hidden_size = hidden_size
        self.emb = nn.Embedding(vocab_size, emb_size)
        self.cell = nn.LSTMCell(emb_size, hidden_size)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, prev_tokens):
        # prev_tokens: (B, T) token ids
        batch, steps = prev_tokens.shape
        h = torch.zeros(batch, self.hidden_size)
        c = torch.zeros(batch, self.hidden_size)
        logits = []
        for t in range(steps):
            step_in = torch.cat([self.emb(prev_tokens[:, t]), h], dim=1)
            h, c = self.cell(step_in, (h, c))  # expect: LST101
            logits.append(self.out(h))
        return torch.stack(logits, dim=1)


EXPECT_ERROR = "input has inconsistent input_size"


def demonstrate():
    dec = InputFeedingDecoder(vocab_size=17, emb_size=5, hidden_size=13)
    dec(torch.randint(0, 17, (3, 7)))
