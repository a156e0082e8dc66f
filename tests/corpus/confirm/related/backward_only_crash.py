import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, input_dim=50, embedding_dim=8, encoder_hidden_dim=16,
                 decoder_hidden_dim=12, dropout=0.5):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, embedding_dim)
        self.rnn = nn.GRU(embedding_dim, encoder_hidden_dim, bidirectional=True)
        self.fc = nn.Linear(encoder_hidden_dim * 2, decoder_hidden_dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, src):
        # src = [src length, batch size]
        embedded = self.dropout(self.embedding(src))
        outputs, hidden = self.rnn(embedded)
        # the decoder's first state from the last forward and backward states
        hidden = torch.tanh(self.fc(hidden[-1]))
        return outputs, hidden
