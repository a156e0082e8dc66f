"""Genre classifier configured by a dict: the per-step scores of a GRU go to a loss that
has one genre per clip."""
import torch
import torch.nn as nn

CONFIG = {"n_mels": 8, "hidden": 12, "n_genres": 5, "layers": 1}


class GenreGRU(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.gru = nn.GRU(config["n_mels"], config["hidden"], num_layers=config["layers"],
                          batch_first=True)
        self.head = nn.Linear(config["hidden"], config["n_genres"])

    def forward(self, mels):
        frames, _ = self.gru(mels)
        return self.head(frames)  # expect: LST401


model = GenreGRU(CONFIG)
criterion = nn.CrossEntropyLoss()
clips = torch.randn(3, 7, CONFIG["n_mels"])
genres = torch.randint(0, CONFIG["n_genres"], (3,))


def batch_loss():
    return criterion(model(clips), genres)


EXPECT_ERROR = "Expected target size [3, 5], got [3]"


def demonstrate():
    batch_loss()
