"""Frame classifier that flattens (batch*time, features) for the Linear and views it back."""

import torch.nn as nn


class FrameClassifier(nn.Module):
    def __init__(self, input_size, hidden_size, num_labels):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_labels)

    def forward(self, x):
        batch_size, seq_len = x.shape[0], x.shape[1]
        out, _ = self.lstm(x)
        flat = out.contiguous().reshape(-1, out.size(2))
        logits = self.fc(flat)
        return logits.view(batch_size, seq_len, -1)


CASE = {
    "class": "FrameClassifier",
    "args": [10, 30, 7],
    "inputs": ["float32[4,9,10]"],
    "unknown_reason": None,
}
