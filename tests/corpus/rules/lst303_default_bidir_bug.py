"""Intent detector whose GRU is bidirectional by default and keeps only h_n[-1]."""
import torch
import torch.nn as nn


class IntentDetector(nn.Module):
    def __init__(self, vocab_size, emb_dim, hidden_size, n_intents, bidirectional=True):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, emb_dim)
        self.gru = nn.GRU(emb_dim, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.classify = nn.Linear(hidden_size, n_intents)

    def forward(self, tokens):
        _, h_n = self.gru(self.embed(tokens))
        return self.classify(h_n[-1])  # expect: LST303


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = IntentDetector(vocab_size=40, emb_dim=8, hidden_size=10, n_intents=3)
    tokens = torch.randint(0, 40, (4, 9))
    logits = model(tokens)
    out, h_n = model.gru(model.embed(tokens))
    # Silent: h_n[-1] is the backward direction only (= the first step's second half).
    assert torch.allclose(h_n[-1], out[:, 0, 10:])
    assert torch.allclose(logits, model.classify(out[:, 0, 10:]), atol=1e-6)
