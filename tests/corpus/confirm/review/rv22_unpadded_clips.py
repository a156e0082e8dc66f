import torch.nn as nn


class ClipEncoder(nn.Module):
    """clips: every clip is exactly 7 frames (fixed-length windows, never padded);
    lengths: the lengths of the clips' captions, handed through for the decoder's loss."""

    def __init__(self, n_in=4, hidden=6):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 5)

    def forward(self, clips, lengths):
        out, h_n = self.rnn(clips)
        return out, h_n  # lengths: the captions', for the decoder
