"""Review scorer that reads a bidirectional GRU's h_n as (batch, 2*hidden) by view."""
import torch
import torch.nn as nn


class ReviewScorer(nn.Module):
    def __init__(self, vocab_size, emb_dim, hidden_dim, rnn_type="GRU"):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_dim)
        self.rnn = getattr(nn, rnn_type)(emb_dim, hidden_dim, batch_first=True,
                                         bidirectional=True)
        self.fc = nn.Linear(2 * hidden_dim, 1)

    def forward(self, tokens):
        _, hidden = self.rnn(self.embedding(tokens))
        summary = hidden.view(tokens.size(0), -1)  # expect: LST304
        return self.fc(summary).squeeze(1), summary


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = ReviewScorer(vocab_size=40, emb_dim=8, hidden_dim=10)
    tokens = torch.randint(0, 40, (4, 7))
    scores, summary = model(tokens)
    assert scores.shape == (4,)
    _, hidden = model.rnn(model.embedding(tokens))
    # Silent: row 0 holds the forward states of samples 0 and 1, not sample 0's two
    # directions; sample 0's backward state sits in row 2.
    assert torch.equal(summary[0], torch.cat((hidden[0, 0], hidden[0, 1])))
    assert not torch.equal(summary[0], torch.cat((hidden[0, 0], hidden[1, 0])))
