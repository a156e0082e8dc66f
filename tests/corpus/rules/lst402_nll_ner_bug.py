"""GRU NER model with log-softmax outputs fed to NLLLoss without flattening."""
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
    return loss_fn(log_probs, labels)  # expect: LST402


EXPECT_ERROR = "Expected target size [3, 5], got [3, 7]"


def demonstrate():
    train_step()
