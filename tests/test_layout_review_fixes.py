"""A review of the cross-RNN join (LST204) and LST201 on final states: models torch runs that
were findings (one grid read by two RNNs along different axes; packed batches the engine did
not model), and the words of two messages.  Each model runs in torch first."""

from __future__ import annotations

import textwrap

import pytest
from test_engine_facts import run_both

from lstm_lint.lint import Options, check_file, load

HEADER = ("import torch\nimport torch.nn as nn\n"
          "from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, "
          "pack_sequence, pad_packed_sequence\n")


def _lint(tmp_path, code: str):
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(code).lstrip("\n"))
    fm = load(str(path))
    assert fm is not None
    return check_file(fm, None, Options()).findings


def _run(code: str, build: str, *inputs: str):
    torch = pytest.importorskip("torch")
    ns: dict = {}
    exec(HEADER + textwrap.dedent(code), ns)
    torch.manual_seed(0)
    with torch.no_grad():
        return eval(build, ns)(*(eval(i, ns) for i in inputs))


TABLE = '''
class Table(nn.Module):
    """A (L, L) table of word pairs read along rows (batch-first: rows are the batch) and down
    columns (time-major): both outputs are (L, L, H), indexed by cell."""
    def __init__(self, vocab=50, emb=8, h=6):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.row_rnn = nn.GRU(2 * emb, h, batch_first=True)
        self.col_rnn = nn.GRU(2 * emb, h)

    def forward(self, words):
        e = self.emb(words)
        n = e.size(0)
        table = torch.cat([e.unsqueeze(1).expand(-1, n, -1),
                           e.unsqueeze(0).expand(n, -1, -1)], dim=-1)
        rows, _ = self.row_rnn(table)
        cols, _ = self.col_rnn(table)
        return torch.cat([rows, cols], dim=-1)
'''

GRID = '''
class Grid(nn.Module):
    """ReNet: a CNN's map (C, N, M) as a grid (N, M, C) swept along rows and down columns."""
    def __init__(self, c=3, h=5):
        super().__init__()
        self.h = h
        self.rows = nn.GRU(c, h, batch_first=True)
        self.cols = nn.GRU(c, h)
        self.h_row = nn.Parameter(torch.zeros(1, 1, h))
        self.h_col = nn.Parameter(torch.zeros(1, 1, h))

    def forward(self, fmap):
        grid = torch.einsum("cnm->nmc", fmap)
        n, m = grid.size(0), grid.size(1)
        r, _ = self.rows(grid, self.h_row.expand(1, n, self.h).contiguous())
        c, _ = self.cols(grid, self.h_col.expand(1, m, self.h).contiguous())
        return torch.cat([r, c], dim=-1)
'''

PACKED = '''
class TwoPacked(nn.Module):
    """Two recurrent views of one packed batch joined on the packed data (steps, H)."""
    def __init__(self, n_in=3, hidden=5, layers=2):
        super().__init__()
        self.layers, self.hidden = layers, hidden
        self.fwd = nn.LSTM(n_in, hidden, num_layers=layers, batch_first=True)
        self.aux = nn.GRU(n_in, hidden, num_layers=layers)

    def forward(self, seqs):
        packed = pack_sequence(seqs, enforce_sorted=False)
        h0 = torch.zeros(self.layers, len(seqs), self.hidden)
        a, _ = self.fwd(packed, (h0, torch.zeros_like(h0)))
        b, _ = self.aux(packed, h0)
        joined = torch.cat([a.data, b.data], dim=-1)
        out = PackedSequence(joined, a.batch_sizes, a.sorted_indices, a.unsorted_indices)
        return pad_packed_sequence(out, batch_first=True)[0]
'''




@pytest.mark.parametrize("code, build, inputs", [
    (TABLE, "Table()", ["torch.randint(0, 50, (9,))"]),
    (GRID, "Grid()", ["torch.randn(3, 6, 9)"]),
    (PACKED, "TwoPacked()", ["[torch.randn(n, 3) for n in (4, 7, 2)]"]),
])
def test_runs_in_torch_and_lints_clean(tmp_path, code, build, inputs):
    _run(code, build, *inputs)
    found = _lint(tmp_path, code)
    assert not found, [f.message for f in found]


def test_an_rnn_over_pack_sequence_reads_a_packed_batch(tmp_path):
    # pack_sequence is a PackedSequence: the output pads back as pad_packed_sequence says
    static, real = run_both(tmp_path, '''
from torch.nn.utils.rnn import pack_sequence, pad_packed_sequence

class Net(nn.Module):
    def __init__(self, n_in, hidden, layers):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, num_layers=layers, batch_first=True)

    def forward(self, x, h0):
        seqs = [x[i, : x.size(1) - i] for i in range(x.size(0))]
        out, (h, c) = self.rnn(pack_sequence(seqs), (h0, h0))
        padded, lengths = pad_packed_sequence(out, batch_first=True)
        return padded, h
''', {"n_in": 5, "hidden": 11, "layers": 2}, ["float32[3,7,5]", "float32[2,3,11]"])
    assert real == [(3, 7, 11), (2, 3, 11)]
    assert static[0][-1] == 11 and len(static[0]) == 3 and static[1] == (2, 3, 11)


def test_an_input_not_known_is_no_3d_output(tmp_path):
    # what a function of another library returns may be a PackedSequence: its RNN's output
    # is no (T, B, H) tensor, whatever the state
    found = _lint(tmp_path, '''
from mylib.batching import pack_batch


class B(nn.Module):
    def __init__(self, n_in=4, h=5, layers=2):
        super().__init__()
        self.layers, self.h = layers, h
        self.fwd = nn.LSTM(n_in, h, num_layers=layers, batch_first=True)
        self.aux = nn.GRU(n_in, h, num_layers=layers)

    def forward(self, batch):
        packed = pack_batch(batch)
        h0 = torch.zeros(self.layers, len(batch), self.h)
        a, _ = self.fwd(packed, (h0, h0))
        b, _ = self.aux(packed, h0)
        return torch.cat([a.data, b.data], -1)
''')
    assert not found, [f.message for f in found]


def test_cross_join_names_what_laid_each_output_out(tmp_path):
    found = _lint(tmp_path, '''
class Encoder(nn.Module):
    def __init__(self, n_in, h):
        super().__init__()
        self.rnn = nn.GRU(n_in, h)

    def forward(self, src):
        return self.rnn(src)


class Decoder(nn.Module):
    def __init__(self, n_in, h):
        super().__init__()
        self.rnn = nn.GRU(n_in, h, batch_first=True)

    def forward(self, tgt, h):
        return self.rnn(tgt, h)


class M1(nn.Module):
    def __init__(self, n_in=4, h=5):
        super().__init__()
        self.enc = Encoder(n_in, h)
        self.dec = Decoder(n_in, h)

    def forward(self, src, tgt):
        enc_out, h = self.enc(src)
        dec_out, _ = self.dec(tgt, h)
        return torch.cat([enc_out, dec_out], dim=1)


class M2(nn.Module):
    def __init__(self, n_in=4, h=5):
        super().__init__()
        self.a = nn.LSTM(n_in, h)
        self.b = nn.LSTM(n_in, h, batch_first=True)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        a, _ = self.a(packed)
        a, _ = pad_packed_sequence(a)
        b, _ = self.b(x)
        return torch.cat([a, b], dim=-1)
''')
    msgs = sorted(f.message for f in found if f.code == "LST204")
    assert len(msgs) == 2, msgs
    m2, m1 = sorted(msgs, key=lambda m: "self.enc" in m)
    assert "self.enc.rnn is built with batch_first=False" in m1
    assert "self.dec.rnn is built with batch_first=True" in m1
    assert "self.a's output is unpacked with pad_packed_sequence(..., batch_first=False)" in m2
    assert "self.b is built with batch_first=True" in m2


def test_lst201_on_a_bidirectional_state_joins_both_directions(tmp_path):
    found = _lint(tmp_path, '''
class Bi(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(4, 5, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(5, 2)

    def forward(self, x):
        _, h = self.gru(x)
        return self.fc(h[:, -1])
''')
    msgs = [f.message for f in found if f.code == "LST201"]
    assert len(msgs) == 1, [f.message for f in found]
    assert "torch.cat((h[-2], h[-1]), dim=-1)" in msgs[0]
    assert "h_n[-1]" not in msgs[0]


TWO_ENCODERS = '''
class Enc(nn.Module):
    """Two encoders over one embedded batch; the context GRU was built without batch_first."""
    def __init__(self, vocab=50, n_in=8, hidden=16):
        super().__init__()
        self.emb = nn.Embedding(vocab, n_in)
        self.word = nn.LSTM(n_in, hidden, batch_first=True)
        self.ctx = nn.GRU(n_in, hidden)
        self.fc = nn.Linear(2 * hidden, 3)

    def forward(self, tokens):
        e = self.emb(tokens)
        out, (h, _) = self.word(e)
        _, hc = self.ctx(e)
        return self.fc(torch.cat([h[-1], hc[-1]], dim=-1))
'''


def test_two_encoders_of_one_batch_read_the_other_way_round_is_lst204(tmp_path):
    """From review rv9: torch fails whenever batch and time differ; the second reader of the
    one input, built time-major, is the finding, because the join of the two final states
    needs the batch to equal the time (a ReNet-style sweep, which reads one grid both ways on
    purpose and joins cell by cell, needs nothing of the kind: clean, below)."""
    with pytest.raises(RuntimeError):
        _run(TWO_ENCODERS, "Enc()", "torch.randint(0, 50, (4, 7))")
    found = _lint(tmp_path, TWO_ENCODERS)
    assert [f.code for f in found] == ["LST204"]
    assert "self.ctx" in found[0].message


SWEEP = '''
class Sweep(nn.Module):
    """ReNet on the caller's grid itself: (N, M, C) swept along rows (batch-first) and down
    columns (time-major); both outputs are (N, M, H), joined cell by cell."""
    def __init__(self, c=3, h=5):
        super().__init__()
        self.rows = nn.GRU(c, h, batch_first=True)
        self.cols = nn.GRU(c, h)
        self.out = nn.Linear(2 * h, 4)

    def forward(self, grid):
        r, _ = self.rows(grid)
        c, _ = self.cols(grid)
        return self.out(torch.cat([r, c], dim=-1))
'''

PROJECTED_SWEEP = '''
class ProjectedSweep(nn.Module):
    """The same after a projection, bidirectional, the two sweeps added."""
    def __init__(self, c=3, h=5):
        super().__init__()
        self.proj = nn.Linear(c, c)
        self.rows = nn.LSTM(c, h, batch_first=True, bidirectional=True)
        self.cols = nn.LSTM(c, h, bidirectional=True)

    def forward(self, x):
        x = torch.relu(self.proj(x))
        r, _ = self.rows(x)
        c, _ = self.cols(x)
        return r + c
'''

STACKED = '''
class Stacked(nn.Module):
    """A time-major GRU on a batch-first GRU's output: its layout is the first layer's, not a
    guess of the caller's."""
    def __init__(self, c=3, h=5):
        super().__init__()
        self.first = nn.GRU(c, h, batch_first=True)
        self.second = nn.GRU(h, h)

    def forward(self, x):
        y, _ = self.first(x)
        z, _ = self.second(y)
        return z
'''


@pytest.mark.parametrize("code, build", [(SWEEP, "Sweep()"),
                                         (PROJECTED_SWEEP, "ProjectedSweep()")],
                         ids=["sweep", "projected-sweep"])
def test_a_sweep_of_the_callers_grid_both_ways_is_clean(tmp_path, code, build):
    """The second reader contradicts only the first reader's guess of the caller's layout, and
    nothing joins the two readings where batch and time must agree (torch runs it for any N, M;
    the finding was LST204 before)."""
    assert tuple(_run(code, build, "torch.randn(6, 9, 3)").shape)[:2] == (6, 9)
    found = _lint(tmp_path, code)
    assert not found, [f.message for f in found]


def test_a_stacked_rnn_read_the_other_way_round_is_still_lst204(tmp_path):
    """Its input's layout comes from the first layer's output: no guess, the finding stands
    (torch runs it silently, across the batch)."""
    assert tuple(_run(STACKED, "Stacked()", "torch.randn(6, 9, 3)").shape) == (6, 9, 5)
    found = _lint(tmp_path, STACKED)
    assert [f.code for f in found] == ["LST204"]
    assert "self.second" in found[0].message


TWO_ADDED = '''
class TwoAdded(nn.Module):
    """Two encoders of one batch, one time-major, their final states added."""
    def __init__(self, c=3, h=5):
        super().__init__()
        self.a = nn.LSTM(c, h, batch_first=True)
        self.b = nn.GRU(c, h)
        self.out = nn.Linear(h, 4)

    def forward(self, x):
        _, (ha, _) = self.a(x)
        _, hb = self.b(x)
        return self.out(ha[-1] + hb[-1])
'''


def test_two_encoders_whose_states_are_added_is_lst204(tmp_path):
    """An elementwise join broadcasts the batch against the time: it runs only when they are
    equal (or one is 1), so the second reader is the finding, as with torch.cat."""
    with pytest.raises(RuntimeError):
        _run(TWO_ADDED, "TwoAdded()", "torch.randn(6, 9, 3)")
    found = _lint(tmp_path, TWO_ADDED)
    assert [f.code for f in found] == ["LST204"]
    assert "self.b" in found[0].message


SUB_STACKED = '''
class Enc(nn.Module):
    def __init__(self, c, h):
        super().__init__()
        self.rnn = nn.LSTM(c, h, batch_first=True)

    def forward(self, x):
        return self.rnn(x)[0]


class SubStacked(nn.Module):
    """A time-major LSTM on the output of a submodule's batch-first LSTM (review rv10)."""
    def __init__(self, c=3, h=5):
        super().__init__()
        self.enc = Enc(c, h)
        self.second = nn.LSTM(h, h)

    def forward(self, x):
        z, _ = self.second(self.enc(x))
        return z
'''

ATTENDED = '''
class Attended(nn.Module):
    """Two encoders of one batch, one time-major: attention of one's outputs on the other's
    final state (bmm), which no rule of joins models (review rv10)."""
    def __init__(self, c=3, h=5):
        super().__init__()
        self.a = nn.LSTM(c, h, batch_first=True)
        self.b = nn.LSTM(c, h)

    def forward(self, x):
        ya, _ = self.a(x)
        _, (hb, _) = self.b(x)
        scores = torch.bmm(ya, hb[-1].unsqueeze(2))
        return (torch.softmax(scores, 1) * ya).sum(1)
'''

BOARD = '''
class Board(nn.Module):
    """A ReNet on a rectangular board of a fixed size, flattened into a head: the head ties
    the board's cells (B*T) to n*m, not B to T (review rv10)."""
    def __init__(self, c=3, h=5, n=6, m=9):
        super().__init__()
        self.rows = nn.GRU(c, h, batch_first=True)
        self.cols = nn.GRU(c, h)
        self.head = nn.Linear(n * m * 2 * h, 1)

    def forward(self, board):
        r, _ = self.rows(board)
        c, _ = self.cols(board)
        return self.head(torch.cat([r, c], -1).flatten())
'''


@pytest.mark.parametrize("code, build, crashes", [(SUB_STACKED, "SubStacked()", False),
                                                  (ATTENDED, "Attended()", True)],
                         ids=["submodule-stacked", "attention-join"])
def test_a_second_reader_without_a_sweep_is_lst204(tmp_path, code, build, crashes):
    """No cell-by-cell join of the two readings: the second reader is reported whatever joins
    them (a layer inside a submodule fixes its output's layout too)."""
    if crashes:
        with pytest.raises(RuntimeError):
            _run(code, build, "torch.randn(4, 7, 3)")
    else:
        assert tuple(_run(code, build, "torch.randn(4, 7, 3)").shape) == (4, 7, 5)
    found = _lint(tmp_path, code)
    assert [f.code for f in found] == ["LST204"]


def test_a_sweep_of_a_fixed_board_into_a_flat_head_is_clean(tmp_path):
    assert tuple(_run(BOARD, "Board()", "torch.randn(6, 9, 3)").shape) == (1,)
    found = _lint(tmp_path, BOARD)
    assert not found, [f.message for f in found]
