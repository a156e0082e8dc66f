"""The seed article's third model: a multi-layer LSTM, last time step into the head."""

import torch
import torch.nn as nn


class MyLSTM(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, output_size):
        super(MyLSTM, self).__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers=num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        out, _ = self.lstm(x)
        out = out[:, -1, :]
        out = self.fc(out)
        return out


if __name__ == "__main__":
    input_size, hidden_size, num_layers, output_size = 10, 20, 2, 5
    model = MyLSTM(input_size, hidden_size, num_layers, output_size)
    input_tensor = torch.randn(32, 50, input_size)
    output = model(input_tensor)
    print(output.shape)  # Output: torch.Size([32, 5])
