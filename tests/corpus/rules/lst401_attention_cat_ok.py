"""Stock-return ALSTM: the last step of the GRU output joined with its attention-pooled summary."""
import torch
from torch import nn


class ALSTMModel(nn.Module):
    def __init__(self, d_feat=6, hidden_size=16, num_layers=2, dropout=0.0):
        super().__init__()
        self.hid_size = hidden_size
        self.input_size = d_feat
        self.net = nn.Sequential()
        self.net.add_module("fc_in", nn.Linear(in_features=self.input_size, out_features=self.hid_size))
        self.net.add_module("act", nn.Tanh())
        self.rnn = nn.GRU(input_size=self.hid_size, hidden_size=self.hid_size,
                          num_layers=num_layers, batch_first=True, dropout=dropout)
        self.fc_out = nn.Linear(in_features=self.hid_size * 2, out_features=1)
        self.att_net = nn.Sequential()
        self.att_net.add_module("att_fc_in", nn.Linear(self.hid_size, self.hid_size // 2))
        self.att_net.add_module("att_act", nn.Tanh())
        self.att_net.add_module("att_fc_out", nn.Linear(self.hid_size // 2, 1, bias=False))
        self.att_net.add_module("att_softmax", nn.Softmax(dim=1))

    def forward(self, inputs):
        # inputs: [batch_size, input_day, input_size], days already unfolded by the loader
        rnn_out, _ = self.rnn(self.net(inputs))  # [batch, seq_len, hidden_size]
        attention_score = self.att_net(rnn_out)  # [batch, seq_len, 1]
        out_att = torch.mul(rnn_out, attention_score)
        out_att = torch.sum(out_att, dim=1)
        out = self.fc_out(
            torch.cat((rnn_out[:, -1, :], out_att), dim=1)
        )
        return out[..., 0]


model = ALSTMModel()
features = torch.randn(5, 20, 6)

EXPECT_ERROR = None


def demonstrate():
    out = model(features)
    assert tuple(out.shape) == (5,)
    return out
