"""FastSpeech-style length regulator: each phoneme is repeated by a predicted duration."""

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence


class LengthRegulatedTTS(nn.Module):
    def __init__(self, n_phonemes, embed_dim, hidden_size, n_mels):
        super().__init__()
        self.embedding = nn.Embedding(n_phonemes, embed_dim)
        self.encoder = nn.LSTM(embed_dim, hidden_size, batch_first=True, bidirectional=True)
        self.duration = nn.Linear(2 * hidden_size, 1)
        self.decoder = nn.LSTM(2 * hidden_size, hidden_size, batch_first=True)
        self.mel = nn.Linear(hidden_size, n_mels)

    def forward(self, phonemes):
        enc, _ = self.encoder(self.embedding(phonemes))
        log_durations = self.duration(enc).squeeze(-1)
        durations = torch.clamp(torch.round(torch.exp(log_durations)), min=1).long()
        expanded = [
            torch.repeat_interleave(seq, dur, dim=0)
            for seq, dur in zip(enc, durations, strict=True)
        ]
        frames = pad_sequence(expanded, batch_first=True)
        out, _ = self.decoder(frames)
        return self.mel(out)


CASE = {
    "class": "LengthRegulatedTTS",
    "args": [40, 16, 24, 20],
    "inputs": ["int64[4,9]"],
    "unknown_reason": (
        "the number of output frames is the sum of durations predicted from the data, "
        "so the time axis is only known at run time"
    ),
}
