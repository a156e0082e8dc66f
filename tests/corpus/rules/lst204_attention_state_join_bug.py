"""Stock-return encoder in a quant-library style: the final state averaged over layers is
joined with an attention summary that the code pools over axis 1 of the output, as for a
batch-first RNN; the GRU was left time-major, so axis 1 is the batch and the join fails
unless batch and time happen to be equal."""
import torch
import torch.nn as nn


class AttnEncoder(nn.Module):
    def __init__(self, input_size=6, hidden_size=16, num_layers=2):
        super().__init__()
        self.rnn = nn.GRU(input_size=input_size, hidden_size=hidden_size,
                          num_layers=num_layers)
        self.W = nn.Linear(hidden_size, hidden_size)
        self.u = nn.Linear(hidden_size, 1, bias=False)

    def forward(self, x):
        rnn_out, last_out = self.rnn(x)  # expect: LST204
        last_out = last_out.mean(dim=0)
        scores = self.u(self.W(rnn_out).tanh()).softmax(dim=1)
        att_out = (rnn_out * scores).sum(dim=1)
        return torch.cat([last_out, att_out], dim=1)


EXPECT_ERROR = "Sizes of tensors must match"


def demonstrate():
    model = AttnEncoder()
    model(torch.randn(8, 5, 6))  # (batch, steps, features)
