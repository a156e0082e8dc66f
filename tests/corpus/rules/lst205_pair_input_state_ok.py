"""Context encoder handed (embeddings, lengths) as one pair: it packs the sorted batch, so
every layer's final state is each sequence's own."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class ContextLSTM(nn.Module):
    def __init__(self, input_size=6, hidden_size=8, num_layers=1, bidirectional=False):
        super().__init__()
        self.rnn = nn.LSTM(input_size=input_size, hidden_size=hidden_size,
                           num_layers=num_layers, bidirectional=bidirectional,
                           batch_first=True)

    def forward(self, x):
        x, x_len = x
        x_len_sorted, x_idx = torch.sort(x_len, descending=True)
        x_sorted = x.index_select(dim=0, index=x_idx)
        _, x_ori_idx = torch.sort(x_idx)

        x_packed = pack_padded_sequence(x_sorted, x_len_sorted, batch_first=True)
        x_packed, (h, c) = self.rnn(x_packed)
        out = pad_packed_sequence(x_packed, batch_first=True)[0]
        out = out.index_select(dim=0, index=x_ori_idx)
        h = h.permute(1, 0, 2).contiguous().view(-1, h.size(0) * h.size(2)).squeeze()
        h = h.index_select(dim=0, index=x_ori_idx)
        return out, h


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = ContextLSTM()
    x = torch.randn(2, 9, 6)
    x[1, 5:] = 0.0
    lengths = torch.tensor([9, 5])
    _, batched = model((x, lengths))
    _, alone = model((x[1:, :5].repeat(2, 1, 1), lengths[1:].repeat(2)))  # a pair: squeeze() keeps the batch
    assert torch.allclose(batched[1], alone[0], atol=1e-5)
