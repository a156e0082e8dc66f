"""One decoding step with dot-product (Luong "general") attention over encoder outputs."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class AttnDecoder(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim + hidden_size, hidden_size, batch_first=True)
        self.attn = nn.Linear(hidden_size, hidden_size, bias=False)
        self.out = nn.Linear(hidden_size * 2, vocab_size)

    def forward(self, token, hidden, encoder_outputs):
        # token: (B,), hidden: (h, c) each (1, B, H), encoder_outputs: (B, T, H)
        embedded = self.embedding(token).unsqueeze(1)
        query = self.attn(hidden[0][-1]).unsqueeze(2)
        scores = torch.bmm(encoder_outputs, query).squeeze(2)
        weights = F.softmax(scores, dim=1)
        context = torch.bmm(weights.unsqueeze(1), encoder_outputs)
        rnn_input = torch.cat((embedded, context), dim=2)
        output, hidden = self.lstm(rnn_input, hidden)
        output = output.squeeze(1)
        logits = self.out(torch.cat((output, context.squeeze(1)), dim=1))
        return logits, hidden, weights


CASE = {
    "class": "AttnDecoder",
    "args": [50, 16, 32],
    "inputs": ["int64[4]", "(float32[1,4,32],float32[1,4,32])", "float32[4,9,32]"],
    "unknown_reason": None,
}
