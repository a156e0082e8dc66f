"""GRU speaker-ID model with log-softmax output trained against one id per clip."""
import torch
import torch.nn.functional as F
from torch import nn, optim


class SpeakerID(nn.Module):
    def __init__(self, n_mels, hidden, n_speakers):
        super(SpeakerID, self).__init__()
        self.gru = nn.GRU(n_mels, hidden, num_layers=2, batch_first=True)
        self.classifier = nn.Linear(hidden, n_speakers)

    def forward(self, mels):
        seq, _ = self.gru(mels)
        scores = self.classifier(seq)  # expect: LST401
        return F.log_softmax(scores, dim=-1)


model = SpeakerID(n_mels=11, hidden=13, n_speakers=5)
optimizer = optim.SGD(model.parameters(), lr=0.1)
criterion = nn.NLLLoss()
clips = torch.randn(3, 7, 11)
speaker = torch.randint(0, 5, (3,))


def train_step():
    optimizer.zero_grad()
    log_probs = model(clips)
    loss = criterion(log_probs, speaker)
    loss.backward()
    optimizer.step()
    return loss.item()


EXPECT_ERROR = "Expected target size [3, 5], got [3]"


def demonstrate():
    train_step()
