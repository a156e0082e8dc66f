"""Notebook turned script: a stock-price LSTM whose initial state is built batch-first."""
import torch
import torch.nn as nn

N_FEATURES = 5
HIDDEN = 24
NUM_LAYERS = 2

data = torch.randn(64, 30, N_FEATURES)
target = torch.randn(64, 1)


class PriceLSTM(nn.Module):
    def __init__(self, n_features, hidden, num_layers):
        super().__init__()
        self.hidden = hidden
        self.num_layers = num_layers
        self.lstm = nn.LSTM(n_features, hidden, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, x):
        h0 = torch.zeros(x.size(0), self.num_layers, self.hidden)  # expect: LST301
        c0 = torch.zeros(x.size(0), self.num_layers, self.hidden)
        out, _ = self.lstm(x, (h0, c0))
        return self.fc(out[:, -1, :])


model = PriceLSTM(N_FEATURES, HIDDEN, NUM_LAYERS)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for i in range(0, 64, 16):
    pred = model(data[i:i + 16])
    loss = nn.functional.mse_loss(pred, target[i:i + 16])
    opt.zero_grad()
    loss.backward()
    opt.step()
