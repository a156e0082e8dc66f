"""Time-major GRU sentiment model (torchtext style) that ignores text_lengths."""
import torch
import torch.nn as nn


class SentimentGRU(nn.Module):
    def __init__(self, vocab_size, embedding_dim, hidden_dim, output_dim, pad_idx=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_idx)
        self.rnn = nn.GRU(embedding_dim, hidden_dim)
        self.fc = nn.Linear(hidden_dim, output_dim)

    def forward(self, text, text_lengths):
        # text: (sent_len, batch), padded with pad_idx
        embedded = self.embedding(text)
        output, hidden = self.rnn(embedded)
        return self.fc(hidden[-1])  # expect: LST205


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = SentimentGRU(vocab_size=30, embedding_dim=6, hidden_dim=9, output_dim=1)
    text = torch.randint(1, 30, (8, 2))
    text[4:, 1] = 0  # the second review has 4 tokens, then padding
    text_lengths = torch.tensor([8, 4])
    batched = model(text, text_lengths)
    alone = model(text[:4, 1:], text_lengths[1:])
    # Silent: the GRU ran over 4 pad tokens after the second review.
    assert not torch.allclose(batched[1], alone[0], atol=1e-5)
