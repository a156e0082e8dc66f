"""A cell wrapper that must be given one of two sizes (speechbrain's RNNCell): the
constructor raises with both left at None, and the initial state is made for a fixed batch."""
import torch
import torch.nn as nn


class RNNCell(nn.Module):
    def __init__(self, hidden_size, input_shape=None, input_size=None, num_layers=1):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        if input_shape is None and input_size is None:
            raise ValueError("Expected one of input_shape or input_size.")
        if input_size is None:
            input_size = torch.prod(torch.tensor(input_shape[1:]))
        kwargs = {"input_size": input_size, "hidden_size": self.hidden_size}
        self.rnn_cells = nn.ModuleList([torch.nn.RNNCell(**kwargs)])
        kwargs["input_size"] = self.hidden_size
        for _ in range(self.num_layers - 1):
            self.rnn_cells.append(torch.nn.RNNCell(**kwargs))

    def forward(self, x, hx=None):
        if hx is None:
            hx = x.new_zeros(self.num_layers, 32, self.hidden_size)  # the bug: a fixed batch
        return self.rnn_cells[0](x, hx[0])
