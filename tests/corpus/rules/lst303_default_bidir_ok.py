"""Intent detector whose GRU is bidirectional by default and joins both directions."""
import torch
import torch.nn as nn


class IntentDetector(nn.Module):
    def __init__(self, vocab_size, emb_dim, hidden_size, n_intents, bidirectional=True):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, emb_dim)
        self.gru = nn.GRU(emb_dim, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.classify = nn.Linear(hidden_size * (2 if bidirectional else 1), n_intents)

    def forward(self, tokens):
        _, h_n = self.gru(self.embed(tokens))
        if self.gru.bidirectional:
            return self.classify(torch.cat((h_n[-2], h_n[-1]), dim=1))
        return self.classify(h_n[-1])


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = IntentDetector(vocab_size=40, emb_dim=8, hidden_size=10, n_intents=3)
    tokens = torch.randint(0, 40, (4, 9))
    out, _ = model.gru(model.embed(tokens))
    both = torch.cat((out[:, -1, :10], out[:, 0, 10:]), dim=1)
    assert torch.allclose(model(tokens), model.classify(both), atol=1e-6)
