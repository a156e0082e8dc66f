"""Speech-style RNN wrapper (speechbrain nnet.RNN shape): forward takes the batch's lengths,
runs the GRU over the padded batch and hands its final state back to the caller whole."""
import torch
import torch.nn as nn


class RNNEncoder(nn.Module):
    def __init__(self, input_size=5, hidden_size=7, num_layers=1):
        super().__init__()
        self.rnn = nn.GRU(input_size=input_size, hidden_size=hidden_size,
                          num_layers=num_layers, batch_first=True)

    def forward(self, x, lengths=None):
        output, hn = self.rnn(x)  # expect: LST205
        return output, hn


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = RNNEncoder()
    x = torch.randn(2, 9, 5)
    x[1, 4:] = 0.0  # the second sequence has 4 steps, then padding
    lengths = torch.tensor([9, 4])
    _, batched = model(x, lengths)
    _, alone = model(x[1:, :4], lengths[1:])
    # Silent: the state handed back for the second sequence is the one after 5 pad steps.
    assert not torch.allclose(batched[:, 1], alone[:, 0], atol=1e-5)
