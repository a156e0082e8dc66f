"""The seed article's second model: every time step goes through the head."""

import torch
import torch.nn as nn


class MyLSTM(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(MyLSTM, self).__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        out, _ = self.lstm(x)
        out = self.fc(out)
        return out


if __name__ == "__main__":
    input_size, hidden_size, output_size = 10, 20, 5
    model = MyLSTM(input_size, hidden_size, output_size)
    input_tensor = torch.randn(32, 50, input_size)
    output = model(input_tensor)
    print(output.shape)  # Output: torch.Size([32, 50, 5])
