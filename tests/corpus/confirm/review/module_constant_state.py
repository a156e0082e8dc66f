import torch
import torch.nn as nn

N_ENVS = 9  # the fixed number of parallel environments the state is kept for


class Recurrent(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.hidden = hidden
        self.nn = nn.LSTM(n_in, hidden, num_layers=2)
        self.fc = nn.Linear(hidden, 2)

    def forward(self, obs):
        h0 = torch.zeros(2, N_ENVS, self.hidden)
        obs, (h, c) = self.nn(obs, (h0, h0))
        return self.fc(obs[:, -1])
