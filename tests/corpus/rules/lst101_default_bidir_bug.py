"""Speaker classifier whose LSTM is bidirectional by a constructor default."""
import torch
import torch.nn as nn


class SpeakerClassifier(nn.Module):
    def __init__(self, n_mels, hidden_size, n_speakers, bidirectional=True):
        super().__init__()
        self.lstm = nn.LSTM(n_mels, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear(hidden_size, n_speakers)

    def forward(self, mels):
        out, _ = self.lstm(mels)
        return self.head(out.mean(dim=1))  # expect: LST101


EXPECT_ERROR = "mat1 and mat2 shapes cannot be multiplied"


def demonstrate():
    model = SpeakerClassifier(n_mels=20, hidden_size=16, n_speakers=4)
    model(torch.randn(3, 11, 20))
