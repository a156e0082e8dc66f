"""Tutorial-style script: a bidirectional LSTM classifier whose head was sized for one
direction.  The model is built and trained at module level."""
import torch
import torch.nn as nn

VOCAB_SIZE = 100
EMBED_DIM = 16
HIDDEN = 32
N_CLASSES = 3
BATCH, SEQ_LEN = 4, 10


class Classifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden, n_classes):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(hidden, n_classes)

    def forward(self, x):
        _, (h_n, _) = self.lstm(self.emb(x))
        summary = torch.cat((h_n[-2], h_n[-1]), dim=1)
        return self.fc(summary)  # expect: LST101


model = Classifier(VOCAB_SIZE, EMBED_DIM, HIDDEN, N_CLASSES)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()
x = torch.randint(0, VOCAB_SIZE, (BATCH, SEQ_LEN))
y = torch.randint(0, N_CLASSES, (BATCH,))
for epoch in range(3):
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    print(epoch, loss.item())
