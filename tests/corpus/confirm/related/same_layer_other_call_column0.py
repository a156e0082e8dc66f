import torch.nn as nn


class Recurrent(nn.Module):
    def __init__(self, state_dim=6, hidden_layer_size=16, layer_num=1, action_dim=3):
        super().__init__()
        self.state_dim = state_dim
        self.fc1 = nn.Linear(state_dim, hidden_layer_size)
        self.nn = nn.LSTM(input_size=hidden_layer_size + 1, hidden_size=hidden_layer_size,
                          num_layers=layer_num, batch_first=True)
        self.fc2 = nn.Linear(hidden_layer_size, action_dim)

    def forward(self, flat, state=None):
        # flat [bsz, len * dim]
        obs = flat.view(flat.size(0), -1, self.state_dim)
        obs = self.fc1(obs)
        if state is None:
            obs, (hidden, cell) = self.nn(obs)
        else:
            layout = """
the stored state is [bsz, layers, hidden]; the LSTM wants [layers, bsz, hidden]
"""
            obs, (hidden, cell) = self.nn(obs, (state["hidden"].transpose(0, 1).contiguous(),
                                                state["cell"].transpose(0, 1).contiguous()))
        return self.fc2(obs[:, -1]), {"hidden": hidden.transpose(0, 1),
                                      "cell": cell.transpose(0, 1)}
