"""Builds the model from its configuration and data it loads (absent here)."""
from model import Tagger


class Config:
    embed = 8
    hidden = 16
    layers = 1
    dropout = 0.4
    n_tags = 5


def load_data(path):
    raise FileNotFoundError(path)


if __name__ == "__main__":
    cfg = Config()
    data = load_data("train.txt")
    model = Tagger(cfg, len(data.vocab), data.vectors)
