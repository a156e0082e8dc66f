import torch
import torch.nn as nn


class Captioner(nn.Module):
    def __init__(self, n_in=8, hidden=16, num_layers=1, rnn_type="gru"):
        super().__init__()
        self.rnn_type, self.num_layers, self.hidden = rnn_type, num_layers, hidden
        self.core = getattr(nn, rnn_type.upper())(n_in, hidden, num_layers)
        self.out = nn.Linear(hidden, 5)

    def init_hidden(self, bsz):
        if self.rnn_type == "lstm":
            return (torch.zeros(bsz, self.num_layers, self.hidden),
                    torch.zeros(self.num_layers, bsz, self.hidden))
        return torch.zeros(self.num_layers, bsz, self.hidden)

    def forward(self, x):
        # x: (T, B, n_in)
        state = self.init_hidden(x.size(1))
        outputs = []
        for t in range(x.size(0)):
            out, state = self.core(x[t, :, :4].unsqueeze(0), state)
            outputs.append(self.out(out.squeeze(0)))
        return torch.stack(outputs)
