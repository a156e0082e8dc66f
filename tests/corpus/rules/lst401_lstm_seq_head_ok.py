"""Spam classifier trained with one label per message; the head reads the last step."""
import torch
import torch.nn as nn


class SpamClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, num_classes):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, batch_first=True)
        self.fc = nn.Linear(hidden_dim, num_classes)

    def forward(self, x):
        out, _ = self.lstm(self.emb(x))
        return self.fc(out[:, -1, :])


N, L, C = 3, 7, 5
model = SpamClassifier(50, 11, 13, C)
criterion = nn.CrossEntropyLoss()
x = torch.randint(0, 50, (N, L))
y = torch.randint(0, C, (N,))


def train_step():
    loss = criterion(model(x), y)
    loss.backward()
    return loss


EXPECT_ERROR = None


def demonstrate():
    assert model(x).shape == (N, C)
    loss = train_step()
    assert loss.dim() == 0
