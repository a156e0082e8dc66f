"""Script whose class body reads a vocabulary the module builds by calling a function: its
definitions cannot run alone, and the file's own run crashes through the faulty line."""
import torch
import torch.nn as nn


def build_vocab(texts):
    return {w: i for i, w in enumerate(sorted({w for t in texts for w in t.split()}))}


VOCAB = build_vocab(["a b c", "b c d"])


class Net(nn.Module):
    vocab_size = len(VOCAB)

    def __init__(self, hidden):
        super().__init__()
        self.emb = nn.Embedding(self.vocab_size, 8)
        self.lstm = nn.LSTM(8, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(hidden, 2)

    def forward(self, tokens):
        _, (h_n, _) = self.lstm(self.emb(tokens))
        return self.fc(torch.cat([h_n[-2], h_n[-1]], dim=1))  # expect: LST101


model = Net(12)
print(model(torch.randint(0, len(VOCAB), (3, 5))))
