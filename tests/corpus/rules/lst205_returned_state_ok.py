"""Speech-style RNN wrapper that packs with the lengths it takes: the final state it hands
back is each sequence's own."""
import torch
import torch.nn as nn


class RNNEncoder(nn.Module):
    def __init__(self, input_size=5, hidden_size=7, num_layers=1):
        super().__init__()
        self.rnn = nn.GRU(input_size=input_size, hidden_size=hidden_size,
                          num_layers=num_layers, batch_first=True)

    def forward(self, x, lengths=None):
        if lengths is not None:
            x = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                                  enforce_sorted=False)
        output, hn = self.rnn(x)
        if lengths is not None:
            output, _ = nn.utils.rnn.pad_packed_sequence(output, batch_first=True)
        return output, hn


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = RNNEncoder()
    x = torch.randn(2, 9, 5)
    x[1, 4:] = 0.0
    lengths = torch.tensor([9, 4])
    _, batched = model(x, lengths)
    _, alone = model(x[1:, :4], lengths[1:])
    assert torch.allclose(batched[:, 1], alone[:, 0], atol=1e-5)
