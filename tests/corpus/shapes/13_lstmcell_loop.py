"""LSTMCell unrolled by hand over the time axis, outputs stacked back into a sequence."""

import torch
import torch.nn as nn


class CellLSTM(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.cell = nn.LSTMCell(input_size, hidden_size)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        batch_size, seq_len, _ = x.size()
        h = torch.zeros(batch_size, self.hidden_size)
        c = torch.zeros(batch_size, self.hidden_size)
        outputs = []
        for t in range(seq_len):
            h, c = self.cell(x[:, t, :], (h, c))
            outputs.append(h)
        out = torch.stack(outputs, dim=1)
        return self.fc(out)


CASE = {
    "class": "CellLSTM",
    "args": [10, 20, 3],
    "inputs": ["float32[4,9,10]"],
    "unknown_reason": None,
}
