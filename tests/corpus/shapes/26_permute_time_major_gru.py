"""Batch-first input permuted for a time-major GRU; logits permuted to (N, C, L) for the loss."""

import torch.nn as nn


class PermutedGRUTagger(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__()
        self.gru = nn.GRU(input_size, hidden_size)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        x = x.permute(1, 0, 2)
        out, _ = self.gru(x)
        out = out.permute(1, 0, 2)
        logits = self.fc(out)
        return logits.permute(0, 2, 1)


CASE = {
    "class": "PermutedGRUTagger",
    "args": [10, 18, 5],
    "inputs": ["float32[4,9,10]"],
    "unknown_reason": None,
}
