"""CNN-LSTM text classifier (dict config) that puts the embedding channels on axis 1."""
import torch
import torch.nn as nn

PARAMS = {"vocab_size": 100, "embed_dim": 16, "channels": 24, "hidden": 10, "classes": 3}


class ConvRecurrentClassifier(nn.Module):
    def __init__(self, params):
        super().__init__()
        self.embedding = nn.Embedding(params["vocab_size"], params["embed_dim"])
        self.conv = nn.Conv1d(params["embed_dim"], params["channels"], kernel_size=3, padding=1)
        self.lstm = nn.LSTM(params["channels"], params["hidden"], batch_first=True)
        self.fc = nn.Linear(params["hidden"], params["classes"])

    def forward(self, tokens):
        x = self.embedding(tokens)  # (batch, seq_len, embed_dim)
        x = torch.relu(self.conv(x.transpose(1, 2)))
        out, _ = self.lstm(x.transpose(1, 2))
        return self.fc(out[:, -1])


EXPECT_ERROR = None


def demonstrate():
    model = ConvRecurrentClassifier(PARAMS)
    assert model(torch.randint(0, 100, (4, 20))).shape == (4, 3)
