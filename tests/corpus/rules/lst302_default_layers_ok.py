"""Session encoder whose GRU has two layers by default and passes on the top layer."""
import torch
import torch.nn as nn


class SessionEncoder(nn.Module):
    def __init__(self, n_items, emb_dim, hidden_size, num_layers=2):
        super().__init__()
        self.items = nn.Embedding(n_items, emb_dim)
        self.gru = nn.GRU(emb_dim, hidden_size, num_layers=num_layers, batch_first=True)
        self.score = nn.Linear(hidden_size, n_items)

    def forward(self, session):
        _, h_n = self.gru(self.items(session))
        return self.score(h_n[-1])


EXPECT_ERROR = None


def demonstrate():
    torch.manual_seed(0)
    model = SessionEncoder(n_items=50, emb_dim=8, hidden_size=12)
    session = torch.randint(0, 50, (4, 6))
    out, _ = model.gru(model.items(session))
    assert torch.allclose(model(session), model.score(out[:, -1]), atol=1e-6)
