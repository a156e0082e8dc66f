"""Speaker classifier whose head is sized for the directions its LSTM has by default."""
import torch
import torch.nn as nn


class SpeakerClassifier(nn.Module):
    def __init__(self, n_mels, hidden_size, n_speakers, bidirectional=True):
        super().__init__()
        self.lstm = nn.LSTM(n_mels, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), n_speakers)

    def forward(self, mels):
        out, _ = self.lstm(mels)
        return self.head(out.mean(dim=1))


EXPECT_ERROR = None


def demonstrate():
    model = SpeakerClassifier(n_mels=20, hidden_size=16, n_speakers=4)
    assert model(torch.randn(3, 11, 20)).shape == (3, 4)
    model = SpeakerClassifier(n_mels=20, hidden_size=16, n_speakers=4, bidirectional=False)
    assert model(torch.randn(3, 11, 20)).shape == (3, 4)
