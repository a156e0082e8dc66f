import torch.nn as nn


class GRUModel(nn.Module):
    def __init__(self, d_feat=6, hidden_size=16, num_layers=2):
        super().__init__()
        self.rnn = nn.GRU(input_size=d_feat, hidden_size=hidden_size,
                          num_layers=num_layers, batch_first=True)
        self.fc_out = nn.Linear(hidden_size, 1)
        self.d_feat = d_feat

    def forward(self, x):
        # x: [N, F*T]
        x = x.reshape(len(x), self.d_feat, -1)  # [N, F, T]
        x = x.permute(0, 2, 1)  # [N, T, F]
        out, _ = self.rnn(x)
        return self.fc_out(out[-1]).squeeze()
