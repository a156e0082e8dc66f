"""Engine facts of recurrent layers called the ways real encoder/decoder code calls them: by
keyword (``self.lstm(input=x, hx=(h, c))``), and with a 3-d initial state whose batch is not
known (a context vector expanded over the layers): PyTorch takes a 3-d state only with a
batched, 3-d input, so the output is 3-d in the layer's layout; each checked against torch."""

from __future__ import annotations

from test_engine_facts import run_both


def test_rnn_called_by_keyword_reads_its_input_and_state(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.lstm = nn.LSTM(input_size=n_in, hidden_size=hidden, num_layers=2)

    def forward(self, x, h0, c0):
        out, (h, c) = self.lstm(input=x, hx=(h0, c0))
        return out, h, c
''', {"n_in": 5, "hidden": 11}, ["float32[7,3,5]", "float32[2,3,11]", "float32[2,3,11]"])
    assert static == real == [(7, 3, 11), (2, 3, 11), (2, 3, 11)]


def test_a_3d_state_of_unknown_batch_makes_the_output_3d(tmp_path):
    # the inputs and the context come out of ops the engine does not follow (rows picked at run
    # time, pad_sequence: tensors of no known shape; an input not known at all may be a
    # PackedSequence and makes no 3-d output):
    # expanded over the layers it is a batched state, so the input is batched too
    static, real = run_both(tmp_path, '''
from torch.nn.utils.rnn import pad_sequence

class Net(nn.Module):
    def __init__(self, n_in, hidden, layers):
        super().__init__()
        self.layers = layers
        self.ctx = nn.Linear(n_in, hidden)
        self.encoder = nn.LSTM(n_in, hidden, num_layers=layers)
        self.decoder = nn.LSTM(n_in, hidden, num_layers=layers, batch_first=True)

    def forward(self, past, future, static, keep):
        rows = (keep >= 0).nonzero().squeeze(1)
        past = pad_sequence(list(past.unbind(1)))
        future = pad_sequence(list(future), batch_first=True)
        c = self.ctx(static.index_select(0, rows)).expand(self.layers, -1, -1).contiguous()
        enc, (h, cell) = self.encoder(past, (c, c))
        dec, _ = self.decoder(future, (h, cell))
        return enc, h, dec
''', {"n_in": 5, "hidden": 11, "layers": 2},
        ["float32[7,3,5]", "float32[3,4,5]", "float32[3,5]", "int64[3]"])
    assert real == [(7, 3, 11), (2, 3, 11), (3, 4, 11)]
    assert static == [(None, None, 11), (2, None, 11), (None, None, 11)]
