"""Note decoder that fills a per-step buffer built steps-first, then filled one step per column."""
import torch
import torch.nn as nn


class DurationDecoder(nn.Module):
    def __init__(self, hid_size=16, dur_width=5, device="cpu"):
        super().__init__()
        self.dur_width = dur_width
        self.device = device
        self.dur_gru = nn.GRU(2, hid_size, batch_first=True)
        self.dur_out = nn.Linear(hid_size, 2)

    def decode(self, summary, batch_size):
        # summary: (1, B, hid_size)
        hid = summary
        token = torch.zeros(batch_size, 1, 2)
        est_durs = torch.zeros(self.dur_width, batch_size, 2)  # expect: LST301
        est_durs = est_durs.to(self.device)
        for t in range(self.dur_width):
            out, hid = self.dur_gru(token, hid)
            est_dur = self.dur_out(out).squeeze(1)
            est_durs[:, t] = est_dur
            token = est_dur.unsqueeze(1)
        return est_durs

    def forward(self, z):
        batch_size = z.size(0)
        return self.decode(z.unsqueeze(0), batch_size)


EXPECT_ERROR = "The expanded size of the tensor (5) must match the existing size (8)"


def demonstrate():
    model = DurationDecoder()
    model(torch.randn(8, 16))
