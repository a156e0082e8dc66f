"""Clinical-visit encoder, batch-first by a default, that reads each patient's h_n."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence


class VisitEncoder(nn.Module):
    def __init__(self, n_codes, hidden_size, batch_first=True):
        super().__init__()
        self.batch_first = batch_first
        self.lstm = nn.LSTM(n_codes, hidden_size, batch_first=batch_first)

    def forward(self, visits, lengths):
        packed = pack_padded_sequence(visits, lengths, batch_first=self.batch_first,
                                      enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)
        return h_n[-1]


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = VisitEncoder(n_codes=5, hidden_size=7)
    visits = torch.randn(3, 6, 5)
    summary = model(visits, torch.tensor([6, 2, 4]))
    alone, _ = model.lstm(visits[1:2, :2])
    assert torch.allclose(summary[1], alone[0, -1], atol=1e-6)
