"""A branch of ``if flag:`` (a constructor's bool) runs with the flag decided: the sizes there
are the ones that value gives.  ``h_n[-2:]`` of a bidirectional LSTM has 2 rows (D*num_layers
>= 2 when D == 2), which a slice of ``num_layers*(2 if bidirectional else 1)`` rows tells only
once the flag is known.  Each case checked against torch under every flag and layer count."""

from __future__ import annotations

from test_engine_facts import solved_run

# pytorch/examples' snli Encoder style: both directions' last layer as one row per sample
IFEXP = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, n_layers, birnn=False):
        super().__init__()
        self.birnn = birnn
        self.rnn = nn.LSTM(n_in, hidden, n_layers, bidirectional=birnn)

    def forward(self, inputs):
        batch_size = inputs.size(1)
        outputs, (ht, ct) = self.rnn(inputs)
        return ht[-1] if not self.birnn else \\
            ht[-2:].transpose(0, 1).contiguous().view(batch_size, -1)
'''

STATEMENT = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, n_layers, bidirectional=True):
        super().__init__()
        self.bidirectional = bidirectional
        self.rnn = nn.GRU(n_in, hidden, n_layers, batch_first=True,
                          bidirectional=bidirectional)

    def forward(self, x):
        out, h = self.rnn(x)
        if self.bidirectional:
            last = h[-2:]
            last = torch.cat([last[0], last[1]], dim=1)
        else:
            last = h[-1]
        return last
'''

# no branch on the flag: two rows only when D*num_layers >= 2, which the sizes do not decide
UNDECIDED = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, n_layers, birnn=False):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, n_layers, bidirectional=birnn)

    def forward(self, inputs):
        outputs, (ht, ct) = self.rnn(inputs)
        return ht[-2:]
'''


def _sizes(flag: str, on: bool, layers: int) -> dict:
    return {"n_in": 5, "hidden": 7, "n_layers": layers, flag: on, "B": 3, "T": 4}


def test_a_conditional_expression_on_the_flag_decides_the_rows_of_h_n(tmp_path):
    for on in (True, False):
        for layers in (1, 2):
            ins, out = solved_run(tmp_path, IFEXP, _sizes("birnn", on, layers))
            assert ins == ["(T, B, n_in)"]
            assert out == "(B, hidden*(2 if birnn else 1))"


def test_an_if_statement_on_the_flag_decides_the_rows_of_h_n(tmp_path):
    for on in (True, False):
        for layers in (1, 3):
            ins, out = solved_run(tmp_path, STATEMENT, _sizes("bidirectional", on, layers))
            assert ins == ["(B, T, n_in)"]
            assert out == "(B, hidden*(2 if bidirectional else 1))"


def test_without_a_branch_on_the_flag_the_rows_stay_unknown(tmp_path):
    for on in (True, False):
        for layers in (1, 2):
            _ins, out = solved_run(tmp_path, UNDECIDED, _sizes("birnn", on, layers))
            assert out == "(?, B, hidden)"


def test_the_flag_is_decided_only_on_its_branch(tmp_path):
    # after the if, both values are possible again: the slice outside the branch is open
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, n_layers, birnn=False):
        super().__init__()
        self.birnn = birnn
        self.rnn = nn.LSTM(n_in, hidden, n_layers, bidirectional=birnn)

    def forward(self, inputs):
        outputs, (ht, ct) = self.rnn(inputs)
        if self.birnn:
            outputs = outputs * 2
        return ht[-2:]
'''
    for on in (True, False):
        _ins, out = solved_run(tmp_path, src, _sizes("birnn", on, 1))
        assert out == "(?, B, hidden)"
