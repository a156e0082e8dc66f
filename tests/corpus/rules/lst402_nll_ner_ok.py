"""GRU NER model with log-softmax outputs flattened to (N*L, C) for NLLLoss."""
import torch
import torch.nn.functional as F
from torch import nn


class NERModel(nn.Module):
    def __init__(self, vocab_size, emb_dim, hid_dim, n_labels):
        super(NERModel, self).__init__()
        self.emb = nn.Embedding(vocab_size, emb_dim)
        self.gru = nn.GRU(emb_dim, hid_dim, batch_first=True)
        self.out = nn.Linear(hid_dim, n_labels)

    def forward(self, tokens):
        h, _ = self.gru(self.emb(tokens))
        return F.log_softmax(self.out(h), dim=2)


N_LABELS = 5
model = NERModel(vocab_size=40, emb_dim=11, hid_dim=13, n_labels=N_LABELS)
loss_fn = nn.NLLLoss()


def train_step():
    tokens = torch.randint(0, 40, (3, 7))
    labels = torch.randint(0, N_LABELS, (3, 7))
    log_probs = model(tokens)
    return loss_fn(log_probs.view(-1, N_LABELS), labels.view(-1))


EXPECT_ERROR = None


def demonstrate():
    loss = train_step()
    assert loss.dim() == 0
    assert loss.item() > 0.0
