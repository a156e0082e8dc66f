"""Script: spam filter whose head runs per token but whose labels are per message."""
import torch
import torch.nn as nn

VOCAB, EMBED, HIDDEN, CLASSES = 200, 12, 18, 2


class SpamNet(nn.Module):
    def __init__(self, vocab, embed, hidden, classes):
        super().__init__()
        self.emb = nn.Embedding(vocab, embed)
        self.gru = nn.GRU(embed, hidden, batch_first=True)
        self.out = nn.Linear(hidden, classes)

    def forward(self, tokens):
        seq, _ = self.gru(self.emb(tokens))
        return self.out(seq)  # expect: LST401


model = SpamNet(VOCAB, EMBED, HIDDEN, CLASSES)
criterion = nn.CrossEntropyLoss()
tokens = torch.randint(0, VOCAB, (8, 15))
labels = torch.randint(0, CLASSES, (8,))
for step in range(2):
    logits = model(tokens)
    loss = criterion(logits, labels)
    loss.backward()
