"""The seed article's first model: the last time step feeds the head."""

import torch
import torch.nn as nn


class MyLSTM(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(MyLSTM, self).__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        # x shape: (batch_size, sequence_length, input_size)
        out, _ = self.lstm(x)
        # out shape: (batch_size, sequence_length, hidden_size)
        out = out[:, -1, :]  # Get output from last timestep
        # out shape: (batch_size, hidden_size)
        out = self.fc(out)
        # out shape: (batch_size, output_size)
        return out


if __name__ == "__main__":
    input_size = 10
    hidden_size = 20
    output_size = 5
    batch_size = 32
    sequence_length = 50

    model = MyLSTM(input_size, hidden_size, output_size)
    input_tensor = torch.randn(batch_size, sequence_length, input_size)
    output = model(input_tensor)
    print(output.shape)  # Output: torch.Size([32, 5])
