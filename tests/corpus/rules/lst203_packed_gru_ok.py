"""Packed GRU event encoder that gathers each sequence's last real step."""
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
        output, out_lengths = rnn_utils.pad_packed_sequence(packed_out, batch_first=True)
        idx = (out_lengths - 1).view(-1, 1, 1).expand(-1, 1, output.size(2))
        final = output.gather(1, idx).squeeze(1)
        return self.out(final), final


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    lengths = torch.tensor([7, 5, 3])
    events = torch.randn(3, 7, 11)
    model = EventEncoder(n_features=11, hidden_size=13, n_labels=5)
    logits, final = model(events, lengths)
    assert logits.shape == (3, 5)
    _, h_n = model.gru(rnn_utils.pack_padded_sequence(events, lengths, batch_first=True))
    assert torch.allclose(final, h_n[-1], atol=1e-6)
    assert torch.count_nonzero(final[2]) > 0
