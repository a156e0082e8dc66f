"""``F.pad``: each pair of amounts pads one of the last axes (the last axis first), which grows
by both; the rank is kept.  Each case checked against torch."""

from __future__ import annotations

from test_engine_facts import run_both


def test_pad_grows_the_last_axes_pair_by_pair(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)

    def forward(self, x):
        out, _ = self.rnn(x)
        time_padded = F.pad(out, [0, 0, 2, 1])
        both = F.pad(out, (1, 2, 0, 3), mode="constant", value=0.0)
        cropped = F.pad(out, (0, -4))
        return time_padded, both, cropped
''', {"n_in": 5, "hidden": 11}, ["float32[3,7,5]"])
    assert static == [(3, 10, 11), (3, 10, 14), (3, 7, 7)] == real


def test_pad_feeds_the_layer_after_it(tmp_path):
    # a causal left pad along time before a convolution, then back into an LSTM
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, k):
        super().__init__()
        self.k = k
        self.conv = nn.Conv1d(n_in, hidden, k)
        self.rnn = nn.LSTM(hidden, hidden, batch_first=True)

    def forward(self, x):
        y = self.conv(F.pad(x.transpose(1, 2), (self.k - 1, 0)))
        out, _ = self.rnn(y.transpose(1, 2))
        return out
''', {"n_in": 4, "hidden": 6, "k": 3}, ["float32[2,9,4]"])
    assert static == (2, 9, 6) == real


def test_pad_by_a_length_the_engine_does_not_know_leaves_that_axis_unknown(tmp_path):
    # the amount comes from the data (a length in a tensor): only that axis is unknown
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def forward(self, x, lengths):
        return F.pad(x, (0, 0, 0, int(lengths.max())))
''', {}, ["float32[3,7,5]", "int64[3]"])
    assert static in ((3, None, 5), None) and real[0] == 3 and real[2] == 5


def test_pad_of_a_sequence_of_unknown_length_stays_unknown(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, amounts):
        super().__init__()
        self.amounts = amounts

    def forward(self, x):
        return F.pad(x, self.amounts * 2)
''', {"amounts": [1, 1]}, ["float32[3,7,5]"])
    assert real == (3, 9, 7)
