"""Intent classifier that takes out[:, -1] of a padded batch and ignores its lengths."""
import torch
import torch.nn as nn


class IntentClassifier(nn.Module):
    def __init__(self, n_features, hidden_size, n_intents):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, n_intents)

    def forward(self, x, lengths):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])  # expect: LST205


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = IntentClassifier(n_features=5, hidden_size=8, n_intents=3)
    lengths = torch.tensor([7, 3])
    x = torch.randn(2, 7, 5)
    x[1, 3:] = 0.0  # padding after the second utterance's 3 real steps
    batched = model(x, lengths)
    alone = model(x[1:2, :3], lengths[1:])
    # Silent: the short utterance's prediction depends on its padding.
    assert not torch.allclose(batched[1], alone[0], atol=1e-5)
