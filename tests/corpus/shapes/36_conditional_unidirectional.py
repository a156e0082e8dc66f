"""Same conditional width pattern with bidirectional=False: out[:, -1] head plus h_n."""

import torch.nn as nn


class FlexibleLSTM(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes, bidirectional=False):
        super().__init__()
        num_directions = 2 if bidirectional else 1
        self.lstm = nn.LSTM(
            input_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
        )
        self.fc = nn.Linear(hidden_size * num_directions, num_classes)

    def forward(self, x):
        out, (h_n, _) = self.lstm(x)
        return self.fc(out[:, -1, :]), h_n


CASE = {
    "class": "FlexibleLSTM",
    "args": {
        "input_size": 10,
        "hidden_size": 22,
        "num_layers": 3,
        "num_classes": 5,
        "bidirectional": False,
    },
    "inputs": ["float32[4,9,10]"],
    "unknown_reason": None,
}
