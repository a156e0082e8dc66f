"""Intent classifier that packs the padded batch with its lengths and reads h_n."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence


class IntentClassifier(nn.Module):
    def __init__(self, n_features, hidden_size, n_intents):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, n_intents)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)
        return self.fc(h_n[-1])


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = IntentClassifier(n_features=5, hidden_size=8, n_intents=3)
    lengths = torch.tensor([7, 3])
    x = torch.randn(2, 7, 5)
    x[1, 3:] = 0.0
    batched = model(x, lengths)
    alone = model(x[1:2, :3], lengths[1:])
    assert torch.allclose(batched[1], alone[0], atol=1e-5)
