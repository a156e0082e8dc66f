"""Packed GRU event encoder that reads output[:, -1, :] after unpacking."""
import torch
from torch import nn
from torch.nn.utils import rnn as rnn_utils


class EventEncoder(nn.Module):
    def __init__(self, n_features, hidden_size, n_labels):
        super(EventEncoder, self).__init__()
        self.gru = nn.GRU(n_features, hidden_size, num_layers=2, batch_first=True)
        self.out = nn.Linear(hidden_size, n_labels)

    def forward(self, events, lengths):
        packed = rnn_utils.pack_padded_sequence(events, lengths, batch_first=True)
        packed_out, _ = self.gru(packed)
        output, _ = rnn_utils.pad_packed_sequence(packed_out, batch_first=True)
        final = output[:, -1, :]  # expect: LST203
        return self.out(final), final


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    lengths = torch.tensor([7, 5, 3])  # sorted, enforce_sorted=True
    events = torch.randn(3, 7, 11)
    model = EventEncoder(n_features=11, hidden_size=13, n_labels=5)
    logits, final = model(events, lengths)
    assert logits.shape == (3, 5)
    # Silent: rows 1 and 2 are padding zeros, so their logits are just the bias.
    assert torch.equal(final[1:], torch.zeros(2, 13))
    assert torch.allclose(logits[1], model.out.bias)
    assert torch.allclose(logits[2], model.out.bias)
