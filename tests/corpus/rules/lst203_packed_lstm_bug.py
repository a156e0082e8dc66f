"""Variable-length review classifier: packs the batch, then reads the padded last step."""
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
        packed_out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(packed_out, batch_first=True)
        return out[:, -1]  # expect: LST203

    def forward(self, tokens, lengths):
        return self.fc(self.encode(tokens, lengths))


EXPECT_ERROR = None


def demonstrate():
    lengths = torch.tensor([7, 4, 2])
    tokens = torch.randint(1, 50, (3, 7))
    for i, n in enumerate(lengths.tolist()):
        tokens[i, n:] = 0
    model = ReviewClassifier(vocab_size=50, embed_dim=11, hidden_dim=13, num_classes=5)
    summary = model.encode(tokens, lengths)
    # Silent: the two shorter reviews are summarised by padding (exact zeros).
    assert summary.shape == (3, 13)
    assert torch.count_nonzero(summary[1:]) == 0
    assert torch.count_nonzero(summary[0]) > 0
    assert model(tokens, lengths).shape == (3, 5)
