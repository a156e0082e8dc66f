"""What an op proves about a tensor whose shape the engine does not know: ``x.permute(0, 2, 1)``
takes exactly one axis per dimension, so its result has that rank (its sizes stay unknown);
each case checked against real torch."""

from __future__ import annotations

from test_engine_facts import run_both


def test_permute_of_an_unknown_tensor_has_one_axis_per_index(tmp_path):
    # cumsum is not modelled: its result is a tensor of unknown shape (torch raises when the
    # count of indices is not the tensor's rank)
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def forward(self, x, y):
        return x.cumsum(1).permute(0, 2, 1), torch.permute(y.cumsum(1), (2, 0, -1, 1))
''', {}, ["float32[3,7,5]", "float32[3,7,5,2]"])
    assert static == [(None, None, None), (None, None, None, None)]
    assert real == [(3, 5, 7), (5, 3, 2, 7)]


def test_permute_of_a_value_the_engine_does_not_know(tmp_path):
    # a layer made by a call the engine does not follow (what it gives: a value of no known
    # kind): only a tensor has permute
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.proj = nn.utils.spectral_norm(nn.Linear(5, hidden))
        self.rnn = nn.GRU(hidden, hidden, batch_first=True)

    def forward(self, x):
        feats = self.proj(x.permute(0, 2, 1)).permute(0, 2, 1)
        out, h = self.rnn(feats.permute(0, 2, 1))
        return feats, out
''', {"hidden": 6}, ["float32[3,5,7]"])
    assert real == [(3, 6, 7), (3, 7, 6)]
    assert static == [(None, None, None), (None, None, 6)]  # the batch: not known


def test_permute_keeps_the_known_trailing_sizes(tmp_path):
    # a Linear fed a tensor of unknown rank gives (*, k): permute tells the rank, k moves
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(5, 6)

    def forward(self, x):
        return self.proj(x.cumsum(1)).permute(0, 2, 1)
''', {}, ["float32[3,7,5]"])
    assert static == (None, 6, None) and real == (3, 6, 7)


def test_permute_with_a_wrong_count_stays_unknown(tmp_path):
    # (*, 6) permuted with two indices: the rank torch would need is not the count given
    # when the known part is longer; a single index of a 1-d tensor is fine
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def forward(self, x):
        return x.cumsum(0).permute(0)
''', {}, ["float32[4]"])
    assert static == (None,) and real == (4,)


# ---- a lone size argument the engine does not know: any number of axes ----------------------


def test_a_size_tuple_of_unknown_length_gives_an_unknown_rank(tmp_path):
    # ``s`` is the size of a tensor of unknown shape: torch reads it as one size per axis, so
    # the factories, views and expands given it alone have as many axes as it holds (not one,
    # not none); a number of sizes given one by one still tells the rank
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def forward(self, x):
        s = x.cumsum(1).shape
        return (x.new_zeros(s), x.new_ones(s), x.new_full(s, 1.0), x.new_empty(s),
                torch.zeros(s), torch.full(s, 0.5), torch.randint(0, 5, s),
                x.view(s), x.reshape(s), x.expand(s), torch.ones(s + (4,)),
                x.new_zeros(s[0], 2))
''', {}, ["float32[3,7,5]"])
    assert real[:10] == [(3, 7, 5)] * 10 and real[10] == (3, 7, 5, 4)
    assert static[:11] == [None] * 11
    assert static[11] == (None, 2) and real[11] == (3, 2)


def test_a_lone_size_the_engine_does_not_know_gives_an_unknown_rank(tmp_path):
    # the size is read off a value the engine does not model (a numpy array's shape: a
    # tuple here, it could be a number elsewhere): what it builds may have any number of axes
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def forward(self, x):
        g = x.detach().numpy().shape
        return x.new_zeros(g), torch.zeros(g), x.view(g), torch.empty(g, dtype=torch.long)
''', {}, ["float32[2,3,4]"])
    assert real == [(2, 3, 4)] * 4
    assert static == [None] * 4


def test_known_sizes_still_give_their_shape(tmp_path):
    # the sizes of a known tensor, a tuple literal and numbers one by one: exact as before
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def forward(self, x):
        s = x.shape
        return (x.new_zeros(s), torch.zeros(s[0], s[2]), torch.full((s[1], 2), 0.5),
                x.view(s[0], -1), x.new_full(s, 2.0), x.expand(s), torch.zeros(s[1]))
''', {}, ["float32[3,7,5]"])
    assert static == real == [(3, 7, 5), (3, 5), (7, 2), (3, 35), (3, 7, 5), (3, 7, 5), (7,)]


def test_a_parameter_named_for_a_shape_alone_as_a_size_gives_an_unknown_rank(tmp_path):
    # ``init_shape`` / ``dims`` are given as tuples as often as numbers: analysed for any
    # caller (no arguments), what they build alone has any number of axes; a size named for
    # one axis (``hidden``) still builds one axis
    import pytest

    pytest.importorskip("torch")
    from test_engine_facts import HEADER, _static_tree

    from lstm_lint.analyze import analyze_module
    from lstm_lint.lint import load
    from lstm_lint.project import Project

    src = HEADER + '''
class Net(nn.Module):
    def __init__(self, hidden, init_shape, dims):
        super().__init__()
        self.hidden, self.init_shape, self.dims = hidden, init_shape, dims

    def forward(self, x):
        return torch.zeros(self.init_shape), x.new_zeros(self.dims), x.new_zeros(self.hidden)
'''
    path = tmp_path / "model.py"
    path.write_text(src)
    ns: dict = {}
    exec(compile(src, str(path), "exec"), ns)
    real = [tuple(t.shape) for t in ns["Net"](6, (1, 2, 6), (3, 4))(ns["torch"].zeros(2))]
    assert real == [(1, 2, 6), (3, 4), (6,)]
    fm = load(str(path), prefilter=False)
    [c] = fm.module_classes()
    static = _static_tree(analyze_module(fm, c, Project([str(path)])).output)
    assert static == [None, None, (None,)]  # (the last: one axis, of size hidden)
