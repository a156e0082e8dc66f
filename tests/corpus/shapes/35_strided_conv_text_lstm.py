"""Text model: strided Conv1d + BatchNorm1d over embeddings, then a BiLSTM with mean pooling."""

import torch.nn as nn
import torch.nn.functional as F


class ConvBiLSTM(nn.Module):
    def __init__(self, vocab_size, embed_dim, conv_channels, hidden_size, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.conv = nn.Conv1d(embed_dim, conv_channels, kernel_size=3, stride=2)
        self.bn = nn.BatchNorm1d(conv_channels)
        self.lstm = nn.LSTM(conv_channels, hidden_size, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, tokens):
        x = self.embedding(tokens).transpose(1, 2)
        x = F.relu(self.bn(self.conv(x)))
        out, _ = self.lstm(x.transpose(1, 2))
        return self.fc(out.mean(dim=1))


CASE = {
    "class": "ConvBiLSTM",
    "args": [400, 20, 32, 24, 7],
    "inputs": ["int64[4,15]"],
    "unknown_reason": None,
}
