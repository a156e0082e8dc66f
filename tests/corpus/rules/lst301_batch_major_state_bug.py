"""Stock-price LSTM whose initial state is built batch-major like its input."""
import torch
import torch.nn as nn


class PriceLSTM(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, output_size):
        super(PriceLSTM, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        h0 = torch.zeros(x.size(0), self.num_layers, self.hidden_size)  # expect: LST301
        c0 = torch.zeros(x.size(0), self.num_layers, self.hidden_size)
        out, _ = self.lstm(x, (h0, c0))
        return self.fc(out[:, -1, :])


EXPECT_ERROR = "Expected hidden[0] size (2, 3, 13), got [3, 2, 13]"


def demonstrate():
    model = PriceLSTM(input_size=5, hidden_size=13, num_layers=2, output_size=1)
    model(torch.randn(3, 7, 5))
