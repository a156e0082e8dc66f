"""Recurrent policy that accepts one step or a whole window of observations, and keeps the
last step of each sequence."""
import torch
import torch.nn as nn


class RecurrentPolicy(nn.Module):
    def __init__(self, obs_dim, n_actions, layer_num=1, hidden_layer_size=64):
        super().__init__()
        self.fc1 = nn.Linear(obs_dim, hidden_layer_size)
        self.nn = nn.LSTM(
            input_size=hidden_layer_size,
            hidden_size=hidden_layer_size,
            num_layers=layer_num,
            batch_first=True,
        )
        self.fc2 = nn.Linear(hidden_layer_size, n_actions)

    def forward(self, obs):
        obs = torch.as_tensor(obs, dtype=torch.float32)
        # obs is [bsz, len, dim] while training, [bsz, dim] when acting
        if len(obs.shape) == 2:
            obs = obs.unsqueeze(-2)
        obs = self.fc1(obs)
        obs, (hidden, cell) = self.nn(obs)
        return self.fc2(obs[:, -1])


EXPECT_ERROR = None


def demonstrate():
    batch, steps = 3, 7
    model = RecurrentPolicy(obs_dim=5, n_actions=4)
    assert model(torch.randn(batch, steps, 5)).shape == (batch, 4)
    assert model(torch.randn(batch, 5)).shape == (batch, 4)
