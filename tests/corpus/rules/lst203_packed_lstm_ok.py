"""Variable-length review classifier: packs the batch, then uses the final state."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class ReviewClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, batch_first=True)
        self.fc = nn.Linear(hidden_dim, num_classes)

    def encode(self, tokens, lengths):
        emb = self.embedding(tokens)
        packed = pack_padded_sequence(emb, lengths, batch_first=True, enforce_sorted=False)
        packed_out, (h_n, _) = self.lstm(packed)
        out, _ = pad_packed_sequence(packed_out, batch_first=True)
        return out, h_n[-1]

    def forward(self, tokens, lengths):
        _, summary = self.encode(tokens, lengths)
        return self.fc(summary)


EXPECT_ERROR = None


def demonstrate():
    lengths = torch.tensor([7, 4, 2])
    tokens = torch.randint(1, 50, (3, 7))
    for i, n in enumerate(lengths.tolist()):
        tokens[i, n:] = 0
    model = ReviewClassifier(vocab_size=50, embed_dim=11, hidden_dim=13, num_classes=5)
    out, summary = model.encode(tokens, lengths)
    assert summary.shape == (3, 13)
    # h_n holds each sequence's own last real step (in the original batch order).
    for i, n in enumerate(lengths.tolist()):
        assert torch.allclose(summary[i], out[i, n - 1])
        assert torch.count_nonzero(summary[i]) > 0
    assert model(tokens, lengths).shape == (3, 5)
