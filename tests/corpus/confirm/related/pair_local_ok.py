import torch
import torch.nn as nn


class Pooling(nn.Module):
    def __init__(self, channels=8, steps=3, num_layers=1):
        super().__init__()
        self.channels, self.steps = channels, steps
        self.lstm = nn.LSTM(2 * channels, channels, num_layers)

    def forward(self, x, dim_size: int = 4):
        # x: (dim_size, channels), one row per set
        h = (x.new_zeros((self.lstm.num_layers, dim_size, x.size(-1))),
             x.new_zeros((self.lstm.num_layers, dim_size, x.size(-1))))
        q_star = x.new_zeros(dim_size, 2 * self.channels)
        for _ in range(self.steps):
            q, h = self.lstm(q_star.unsqueeze(0), h)
            q = q.view(dim_size, self.channels)
            q_star = torch.cat([q, x], dim=-1)
        return q_star
