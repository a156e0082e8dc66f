"""Clinical-visit encoder, batch-first by a default, that reads the unpacked last step."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class VisitEncoder(nn.Module):
    def __init__(self, n_codes, hidden_size, batch_first=True):
        super().__init__()
        self.batch_first = batch_first
        self.lstm = nn.LSTM(n_codes, hidden_size, batch_first=batch_first)

    def forward(self, visits, lengths):
        packed = pack_padded_sequence(visits, lengths, batch_first=self.batch_first,
                                      enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=self.batch_first)
        return out[:, -1]  # expect: LST203


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = VisitEncoder(n_codes=5, hidden_size=7)
    summary = model(torch.randn(3, 6, 5), torch.tensor([6, 2, 4]))
    # Silent: the shorter patients' summaries are padding zeros.
    assert torch.equal(summary[1], torch.zeros(7))
    assert torch.equal(summary[2], torch.zeros(7))
