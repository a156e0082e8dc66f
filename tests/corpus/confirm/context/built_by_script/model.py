"""The model reads its configuration from an object that only the training script builds."""
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, cfg, vocab_size, embeddings):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, cfg.embed)
        self.lstm = nn.LSTM(cfg.embed, cfg.hidden, num_layers=cfg.layers,  # expect: LST501
                            dropout=cfg.dropout, batch_first=True)
        self.vectors = embeddings
        self.fc = nn.Linear(cfg.hidden, cfg.n_tags)

    def forward(self, tokens):
        out, _ = self.lstm(self.emb(tokens))
        return self.fc(out)
