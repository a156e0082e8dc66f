"""BiLSTM followed by batch-first multi-head self-attention and a residual LayerNorm."""

import torch.nn as nn


class AttentiveBiLSTM(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_heads, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True, bidirectional=True)
        self.attention = nn.MultiheadAttention(2 * hidden_size, num_heads, batch_first=True)
        self.norm = nn.LayerNorm(2 * hidden_size)
        self.fc = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, tokens):
        out, _ = self.lstm(self.embedding(tokens))
        attn_out, attn_weights = self.attention(out, out, out)
        out = self.norm(out + attn_out)
        logits = self.fc(out.mean(dim=1))
        return logits, attn_weights


CASE = {
    "class": "AttentiveBiLSTM",
    "args": [200, 16, 32, 4, 3],
    "inputs": ["int64[4,9]"],
    "unknown_reason": None,
}
