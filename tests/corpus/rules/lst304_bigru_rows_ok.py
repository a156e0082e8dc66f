"""Review scorer that moves the batch axis first before flattening a BiGRU's h_n."""
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
        summary = hidden.transpose(0, 1).reshape(tokens.size(0), -1)
        return self.fc(summary).squeeze(1), summary


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = ReviewScorer(vocab_size=40, emb_dim=8, hidden_dim=10)
    tokens = torch.randint(0, 40, (4, 7))
    scores, summary = model(tokens)
    assert scores.shape == (4,)
    _, hidden = model.rnn(model.embedding(tokens))
    assert torch.equal(summary[0], torch.cat((hidden[0, 0], hidden[1, 0])))
