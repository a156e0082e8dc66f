"""Recurrent layers whose calls the engine follows through the code around them: modules
iterated out of an ``nn.Sequential`` beside other lists, layers passed to helper methods,
comprehensions over short ranges, strided slices.  Each fact is checked against real torch on
a small model written in the style of the real-code benchmark's repositories (see
``test_engine_facts.run_both``)."""

from __future__ import annotations

from test_engine_facts import run_both, solved_run


def test_zip_of_a_sequential_and_a_list_unrolls_each_module_with_its_rate(tmp_path):
    """``for cell, rate in zip(self.cells, self.rates)``: an ``nn.Sequential`` built from a
    list of RNNs iterates over its modules, each paired with its rate; the module passed to a
    helper method is called there; ``x[j::rate]`` for each ``j`` of ``range(rate)`` and the
    zero padding to a multiple of the rate are followed to the exact sizes."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, n_layers, rates):
        super().__init__()
        self.rates = rates
        kind = nn.GRU
        cells = []
        for i in range(n_layers):
            cells.append(kind(n_in if i == 0 else hidden, hidden))
        self.cells = nn.Sequential(*cells)

    def forward(self, x):
        x = x.transpose(0, 1)
        tails = []
        for cell, rate in zip(self.cells, self.rates):
            x = self.run_cell(cell, x, rate)
            tails.append(x[-rate:])
        return x.transpose(0, 1), tails

    def run_cell(self, cell, x, rate):
        steps = x.size(0)
        if steps % rate != 0:
            pad = torch.zeros(rate - steps % rate, x.size(1), x.size(2))
            x = torch.cat((x, pad))
        parts = torch.cat([x[j::rate, :, :] for j in range(rate)], 1)
        h0 = torch.zeros(1, parts.size(1), cell.hidden_size)
        out, _ = cell(parts, h0)
        width = out.size(1) // rate
        blocks = [out[:, i * width:(i + 1) * width, :] for i in range(rate)]
        woven = torch.stack(blocks).transpose(1, 0)
        woven = woven.reshape(out.size(0) * rate, width, out.size(2))
        return woven[:steps]
'''
    static, real = run_both(tmp_path, src, {"n_in": 2, "hidden": 6, "n_layers": 3,
                                            "rates": [1, 2, 3]}, ["float32[3,7,2]"])
    assert static == real == [(3, 7, 6), [(1, 3, 6), (2, 3, 6), (3, 3, 6)]]


def test_a_comprehension_over_a_short_range_builds_each_layer_with_its_index(tmp_path):
    """``nn.ModuleList([nn.LSTM(n_in if l == 0 else hidden, ...) for l in range(n)])`` with
    ``n`` known: each layer is built with its own index, so the stack's first layer reads
    ``n_in`` and the others ``hidden``, and the last one's width is the output's."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, last, n_layers):
        super().__init__()
        self.rnns = nn.ModuleList([
            nn.LSTM(n_in if l == 0 else hidden, hidden if l != n_layers - 1 else last)
            for l in range(n_layers)])

    def forward(self, x):
        states = []
        for l, rnn in enumerate(self.rnns):
            x, st = rnn(x)
            states.append(st)
        return x, states[-1]
'''
    static, real = run_both(tmp_path, src, {"n_in": 4, "hidden": 9, "last": 5, "n_layers": 3},
                            ["float32[7,3,4]"])
    assert static == real == [(7, 3, 5), [(1, 3, 5), (1, 3, 5)]]


def test_a_strided_slice_of_a_known_axis(tmp_path):
    """``x[1::3]``, ``x[::2]`` and ``x[2:6:3]`` on an axis of known length: Python's slice
    arithmetic, as torch applies it."""
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)

    def forward(self, x):
        out, _ = self.rnn(x)
        return out[:, 1::3], out[:, ::2], out[:, 2:6:3]
''', {"n_in": 4, "hidden": 6}, ["float32[3,8,4]"])
    assert static == real == [(3, 3, 6), (3, 4, 6), (3, 2, 6)]


HELPER = '''
import torch.nn.functional as F


def dropped_embedding(embed, words, dropout=0.1):
    if dropout:
        keep = embed.weight.new_empty((embed.weight.size(0), 1)).bernoulli_(1 - dropout)
        weight = keep.expand_as(embed.weight) * embed.weight / (1 - dropout)
    else:
        weight = embed.weight
    return F.embedding(words, weight, embed.padding_idx)
'''

USER = '''
import torch
import torch.nn as nn

from regularize import dropped_embedding


class Net(nn.Module):
    def __init__(self, vocab, dim, hidden):
        super().__init__()
        self.enc = nn.Embedding(vocab, dim)
        self.drop_emb = 0.1
        self.rnn = nn.LSTM(dim, hidden)

    def forward(self, words):
        emb = dropped_embedding(self.enc, words, self.drop_emb if self.training else 0)
        return self.rnn(emb)[0]
'''


def test_a_helper_function_of_another_file_that_only_calls_functional_ops(tmp_path):
    """``from regularize import dropped_embedding``: a function of another project file whose
    only torch is ``F.embedding`` (no ``torch`` or ``nn`` in its text) is followed where it is
    called, and the embedding it returns is ``words.shape + (dim,)``."""
    import sys

    import pytest

    from lstm_lint.analyze import analyze_module
    from lstm_lint.lint import load
    from lstm_lint.project import Project
    from lstm_lint.shapes import from_json, parse_spec

    torch = pytest.importorskip("torch")
    (tmp_path / "setup.py").write_text("")
    (tmp_path / "regularize.py").write_text(HELPER)
    model_path = tmp_path / "model.py"
    model_path.write_text(USER)
    sys.path.insert(0, str(tmp_path))
    try:
        ns: dict = {}
        exec(compile(USER, str(model_path), "exec"), ns)
        model = ns["Net"](11, 4, 6).eval()
        with torch.no_grad():
            real = tuple(model(torch.randint(0, 11, (7, 3))).shape)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("regularize", None)
    fm = load(str(model_path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Net"], Project([str(model_path)]), [],
                        {k: from_json(v) for k, v in {"vocab": 11, "dim": 4, "hidden": 6}.items()},
                        [parse_spec("int64[7,3]")])
    static = tuple(d.as_int() for d in ms.output.shape.dims)
    assert static == real == (7, 3, 6)


def test_a_static_helper_called_through_self_gets_the_layer_as_an_argument(tmp_path):
    """``self._process(feats, states, self.rnn)`` of a ``@staticmethod``: its first parameter
    is ``feats``, not ``self``; the RNN handed over is called there, its ``input_size`` read,
    and the features reshaped to ``(n_seq, -1, input_size)`` from the state's batch."""
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.actor = nn.LSTM(n_in, hidden)
        self.head = nn.Linear(hidden, 2)

    @staticmethod
    def _process(feats, states, rnn):
        n_seq = states[0].shape[1]
        seq = feats.reshape((n_seq, -1, rnn.input_size)).swapaxes(0, 1)
        out, states = rnn(seq, states)
        out = torch.flatten(out.transpose(0, 1), start_dim=0, end_dim=1)
        return out, states

    def forward(self, x, states):
        out, st = self._process(x, states, self.actor)
        return self.head(out), st
''', {"n_in": 4, "hidden": 6}, ["float32[15,4]", "(float32[1,3,6],float32[1,3,6])"])
    assert static == real == [(15, 2), [(1, 3, 6), (1, 3, 6)]]


def test_a_view_shape_built_as_a_list_and_set_by_index(tmp_path):
    """``shape = [1] * len(mu.shape); shape[1] = -1; p.view(shape)``: the list of ones has as
    many items as ``mu`` has axes, the slot set by a known index holds the new value, and the
    view of an ``(n_out, 1)`` parameter broadcast against ``mu`` is ``mu``'s shape."""
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, n_out):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)
        self.mu = nn.Linear(hidden, n_out)
        self.sigma_param = nn.Parameter(torch.zeros(n_out, 1))

    def forward(self, obs):
        obs, (hidden, cell) = self.rnn(obs)
        mu = self.mu(obs[:, -1])
        shape = [1] * len(mu.shape)
        shape[1] = -1
        sigma = (self.sigma_param.view(shape) + torch.zeros_like(mu)).exp()
        return mu, sigma, hidden.transpose(0, 1)
''', {"n_in": 4, "hidden": 6, "n_out": 5}, ["float32[3,7,4]"])
    assert static == real == [(3, 5), (3, 5), (3, 1, 6)]


def test_enumerate_over_a_tensor_of_unknown_shape_gives_tensor_rows(tmp_path):
    """``for i, g in enumerate(x)`` where ``x``'s shape is not known (it comes out of an op
    the engine does not model): each ``g`` is still a tensor, so ``g.view(1, 1, -1)`` into an
    LSTM with a ``(1, 1, hidden)`` state gives ``(1, 1, hidden)``; how many rows there are
    stays unknown."""
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, feats, hidden):
        super().__init__()
        self.hidden = hidden
        self.lstm = nn.LSTM(feats, hidden)

    def forward(self, x):
        x = torch.nan_to_num(x).unflatten(0, (-1, 1))
        h = (torch.zeros(1, 1, self.hidden), torch.zeros(1, 1, self.hidden))
        outs = []
        for i, g in enumerate(x):
            out, h = self.lstm(g.view(1, 1, -1), h)
            outs.append(out)
        return torch.stack(outs)
''', {"feats": 5, "hidden": 7}, ["float32[4,5]"])
    assert real == (4, 1, 1, 7) and static == (None, 1, 1, 7)


STACK = '''
class Block(nn.Module):
    def __init__(self, n_in, hidden, p=0.0):
        super().__init__()
        self.drop = nn.Dropout(p)
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)

    def forward(self, x):
        return self.rnn(self.drop(x))


class Net(nn.Module):
    def __init__(self, n_in, hidden, depth):
        super().__init__()
        blocks = [Block(n_in, hidden)]
        for _ in range(depth - 1):
            blocks.append(Block(hidden, hidden, 0.1))
        self.blocks = nn.ModuleList(blocks)
        self.rnns = nn.ModuleList([nn.GRU(hidden, hidden)])
        for _ in range(depth - 1):
            self.rnns.append(nn.GRU(hidden, hidden))

    def forward(self, x):
        out = x
        finals = []
        for blk in self.blocks:
            out, (h, c) = blk(out)
            finals.append(h)
        for i, rnn in enumerate(self.rnns):
            out, h = rnn(out)
        return out, finals[0], finals[-1]
'''


def test_a_stack_built_as_a_first_module_then_the_rest_appended_in_a_loop(tmp_path):
    """``blocks = [Block(n_in, hidden)]`` then ``blocks.append(Block(hidden, hidden))`` in a
    loop of ``depth - 1`` passes: iterated, the first module runs first (it reads ``n_in``,
    which solves the input) and every later one reads ``hidden``, so the output is
    ``(B, T, hidden)`` whatever ``depth``; each appended state is ``(1, B, hidden)``."""
    for depth in (1, 2, 3):
        ins, out = solved_run(tmp_path, STACK, {"n_in": 4, "hidden": 6, "depth": depth,
                                                "B": 3, "T": 5})
        assert ins == ["(B, T, n_in)"]
        assert out == "((B, T, hidden), (1, B, hidden), (1, B, hidden))"


def test_a_list_changed_by_pop_is_forgotten(tmp_path):
    """``outs.pop()`` changes the list: what it holds afterwards, and what pop returns, are
    not followed (never the list as it was before)."""
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.a = nn.GRU(n_in, hidden, batch_first=True)
        self.b = nn.Linear(hidden, 2)

    def forward(self, x):
        out, _ = self.a(x)
        outs = [out, self.b(out)]
        last = outs.pop()
        return outs[-1], last
''', {"n_in": 4, "hidden": 6}, ["float32[3,7,4]"])
    assert real == [(3, 7, 6), (3, 7, 2)] and static in (None, [None, None])


def test_arange_with_a_step(tmp_path):
    """``torch.arange(T - 1, -1, -1)`` (the time axis reversed, then ``index_select``) has
    ``T`` values; ``arange(0, T, step=2)`` with ``T`` known counts its step given by keyword
    (it was taken for ``T``); ``arange(1, 8, 3)`` has 3."""
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)

    def forward(self, x):
        idx = torch.arange(x.size(1) - 1, -1, -1)
        back, _ = self.rnn(x.index_select(1, idx))
        every = torch.arange(0, x.size(1), step=2)
        return back, every, torch.arange(1, 8, 3), torch.arange(x.size(0))
''', {"n_in": 4, "hidden": 6}, ["float32[3,7,4]"])
    assert static == real == [(3, 7, 6), (4,), (3,), (3,)]


def test_a_loop_over_rows_of_an_unsolved_input_counts_its_first_axis(tmp_path):
    """``for i, g in enumerate(x)`` and ``for g in x`` over a forward input nothing solves
    (its rank is never told: ``g.view(1, 1, -1)`` takes any): one pass per row of ``x``, so a
    list appended once per pass and stacked is ``x_dim0`` long, the size of the caller's data
    (as ``len(x)`` is)."""
    src = '''
class Net(nn.Module):
    def __init__(self, feats, hidden):
        super().__init__()
        self.hidden = hidden
        self.lstm = nn.LSTM(feats, hidden)
        self.fc = nn.Linear(hidden, feats)

    def forward(self, x):
        h = (torch.zeros(1, 1, self.hidden), torch.zeros(1, 1, self.hidden))
        outs, lasts = [], []
        for i, g in enumerate(x):
            out, h = self.lstm(g.view(1, 1, -1), h)
            outs.append(self.fc(out.view(-1)))
        for g in x:
            lasts.append(g.view(-1).sum())
        return torch.stack(outs), torch.stack(lasts)
'''
    ins, out = solved_run(tmp_path, src, {"feats": 5, "hidden": 7, "x_dim0": 4},
                          given={0: (4, 1, 5)})
    assert ins == ["unknown"] and out == "((x_dim0, feats), (x_dim0,))"


def test_a_tuple_grown_by_one_item_a_pass_over_a_stack(tmp_path):
    """``pooled = pooled + (h_n,)`` once per layer of a stack built as a first layer then the
    rest appended: the tuple has ``depth`` items, and ``torch.stack(pooled, 3).squeeze(0)``
    is ``(B, hidden, depth)``."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, depth):
        super().__init__()
        fw = [nn.LSTM(n_in, hidden, batch_first=True)]
        for _ in range(depth - 1):
            fw.append(nn.LSTM(hidden, hidden, batch_first=True))
        self.fw = nn.ModuleList(fw)

    def forward(self, x):
        pooled = ()
        out = x
        for layer in self.fw:
            out, st = layer(out)
            pooled = pooled + (st[0],)
        return out, torch.stack(pooled, 3).squeeze(0)
'''
    for depth in (1, 2, 4):
        ins, out = solved_run(tmp_path, src, {"n_in": 4, "hidden": 6, "depth": depth,
                                              "B": 3, "T": 5})
        assert ins == ["(B, T, n_in)"] and out == "((B, T, hidden), (B, hidden, depth))"


def test_a_locked_dropout_submodule_passes_the_input_on_to_be_solved(tmp_path):
    """A user module that returns its input, or a mask ``expand_as`` it times it (a locked
    dropout), hands on a value shaped exactly like the input: the LSTM after it solves the
    input, ``(T, B, n_in)``, through the submodule's call."""
    src = '''
class LockDrop(nn.Module):
    def forward(self, x, dropout=0.5):
        if not self.training or not dropout:
            return x
        m = x.data.new(1, x.size(1), x.size(2)).bernoulli_(1 - dropout)
        mask = (m / (1 - dropout)).expand_as(x)
        return mask * x


class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.lockdrop = LockDrop()
        self.rnn = nn.LSTM(n_in, hidden)

    def forward(self, x):
        out, _ = self.rnn(self.lockdrop(x, 0.3))
        return self.lockdrop(out, 0.2)
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 4, "hidden": 6, "B": 3, "T": 5})
    assert ins == ["(T, B, n_in)"] and out == "(T, B, hidden)"


def test_functional_embedding_of_an_unsolved_input(tmp_path):
    """``F.embedding(words, self.enc.weight)`` (an embedding dropout helper's way) solves its
    indices as an ``nn.Embedding`` call does: the LSTM after it wants ``(T, B, dim)``, so the
    words are ``(T, B)``."""
    src = '''
class Net(nn.Module):
    def __init__(self, vocab, dim, hidden):
        super().__init__()
        self.enc = nn.Embedding(vocab, dim)
        self.rnn = nn.LSTM(dim, hidden)

    def forward(self, words):
        emb = F.embedding(words, self.enc.weight, self.enc.padding_idx)
        out, _ = self.rnn(emb)
        return out
'''
    from lstm_lint.analyze import analyze_module
    from lstm_lint.lint import load
    from lstm_lint.project import Project
    from lstm_lint.shapes import value_text

    static, real = run_both(tmp_path, src, {"vocab": 11, "dim": 4, "hidden": 6},
                            ["int64[5,3]"])  # the solved (T, B), run by torch
    assert static == real == (5, 3, 6)
    fm = load(str(tmp_path / "model.py"), prefilter=False)
    ms = analyze_module(fm, fm.classes["Net"], Project([str(tmp_path / "model.py")]))
    assert [value_text(v) for v in ms.inputs] == ["(T, B)"]
    assert value_text(ms.output) == "(T, B, hidden)"
