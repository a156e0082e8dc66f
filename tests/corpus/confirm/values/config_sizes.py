"""A configuration object nobody builds in the file: its size attributes get primes."""
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, opt):
        super().__init__()
        self.lstm = nn.LSTM(opt.n_in, opt.hidden, batch_first=True)
        self.fc = nn.Linear(opt.hidden, opt.n_out)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[-1])  # expect: LST201


class Flagged(nn.Module):
    def __init__(self, opt):
        super().__init__()
        self.lstm = nn.LSTM(opt.n_in, opt.hidden, batch_first=True,
                            bidirectional=opt.bidirectional)
        self.fc = nn.Linear(opt.hidden, opt.n_out)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[-1])  # expect: LST201


class Keyed(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.lstm = nn.LSTM(config["n_in"], config["hidden"], batch_first=True,
                            dropout=config["dropout"], num_layers=2)

    def forward(self, x):
        out, _ = self.lstm(x)
        return out[-1]  # expect: LST201


class KeyedSizes(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.lstm = nn.LSTM(config["n_in"], config["hidden"], batch_first=True)

    def forward(self, x):
        out, _ = self.lstm(x)
        return out[-1]  # expect: LST201
