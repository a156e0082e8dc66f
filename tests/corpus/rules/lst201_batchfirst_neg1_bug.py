"""Sequence classifier on a batch_first LSTM that indexes the wrong axis."""
import torch
import torch.nn as nn


class SeqClassifier(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super(SeqClassifier, self).__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def summarize(self, x):
        out, _ = self.lstm(x)
        return out[-1]  # expect: LST201

    def forward(self, x):
        return self.fc(self.summarize(x))


EXPECT_ERROR = None


def demonstrate():
    batch, steps = 3, 7
    model = SeqClassifier(input_size=11, hidden_size=13, num_classes=5)
    x = torch.randn(batch, steps, 11)
    picked = model.summarize(x)
    # Silent: one row per time step of the LAST SAMPLE, not one row per sample.
    assert picked.shape == (steps, 13)
    out, _ = model.lstm(x)
    assert torch.equal(picked, out[batch - 1])
    logits = model(x)
    assert logits.shape[0] == steps != batch
