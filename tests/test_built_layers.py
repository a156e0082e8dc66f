"""Recurrent layers built in ways the constructor's defaults alone do not decide, each checked
against real torch on a small model written the way framework wrappers write them.

- A constructor that refuses its own defaults (``if input_shape is None and input_size is
  None: raise``) is never built that way: each ``None`` default is then whatever the caller
  gives, and every branch that tests it runs; what the branches agree on is known.
- An input reshaped only when it has four axes (``if x.ndim == 4: x = x.reshape(...)``)
  reaches the layer unchanged on the other path: the layer is its consumer there.
- A layer class looked up by a name the code checks against literals
  (``assert cell in ["LSTM", "GRU"]``; ``getattr(nn, cell)``) is one of those: what they all
  agree on is known, nothing else is guessed.
- Sizes a subclass hands to its base through its own ``**kwargs`` are constructor parameters
  of the class like its own.
"""

from __future__ import annotations

from test_engine_facts import run_both, solved_run

WRAPPER = '''
class Net(nn.Module):
    def __init__(self, hidden_size, input_shape=None, input_size=None, num_layers=1,
                 bidirectional=False):
        super().__init__()
        self.flat = False
        if input_shape is None and input_size is None:
            raise ValueError("input_shape or input_size, one of them")
        if input_size is None:
            if len(input_shape) > 3:
                self.flat = True
            input_size = int(torch.tensor(input_shape[2:]).prod())
        self.rnn = nn.GRU(input_size=input_size, hidden_size=hidden_size,
                          num_layers=num_layers, bidirectional=bidirectional, batch_first=True)

    def forward(self, x):
        if self.flat:
            if x.ndim == 4:
                x = x.reshape(x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        out, h = self.rnn(x)
        return out, h
'''


def test_a_constructor_that_refuses_its_defaults_is_built_either_way(tmp_path):
    sizes = {"hidden_size": 4, "input_size": 6, "num_layers": 2, "bidirectional": True,
             "B": 3, "T": 5}
    ins, out = solved_run(tmp_path, WRAPPER, sizes, given={0: (3, 5, 6)})
    assert ins == ["(B, T, ?)"]
    assert out == ("((B, T, hidden_size*(2 if bidirectional else 1)), "
                   "(num_layers*(2 if bidirectional else 1), B, hidden_size))")
    # built from an example input's shape instead: a 4-d input is flattened to 3 axes
    sizes = {"hidden_size": 4, "input_shape": (3, 5, 2, 3), "num_layers": 1,
             "bidirectional": False, "B": 3, "T": 5}
    solved_run(tmp_path, WRAPPER, sizes, given={0: (3, 5, 2, 3)})


def test_the_refused_defaults_with_concrete_arguments(tmp_path):
    static, real = run_both(tmp_path, WRAPPER, {"hidden_size": 4, "input_size": 6},
                            ["float32[3,5,6]"])
    assert static == real == [(3, 5, 4), (1, 3, 4)]
    static, real = run_both(tmp_path, WRAPPER, {"hidden_size": 4, "input_shape": [3, 5, 2, 3],
                                                "bidirectional": True}, ["float32[3,5,2,3]"])
    assert static == real == [(3, 5, 8), (2, 3, 4)]


def test_defaults_the_constructor_accepts_are_still_taken_as_written(tmp_path):
    # no raise on the defaults' path: output_size=None means the hidden size, as written
    ins, out = solved_run(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, output_size=None):
        super().__init__()
        if output_size is None:
            output_size = hidden
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, output_size)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])
''', {"n_in": 5, "hidden": 7, "B": 3, "T": 4})
    assert ins == ["(B, T, n_in)"] and out == "(B, hidden)"


def test_a_refused_default_that_picks_the_layer_class_stays_unknown(tmp_path):
    # the caller's cell decides LSTM or GRU, and so the output's structure: not guessed
    ins, out = solved_run(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, cell=None):
        super().__init__()
        if cell is None:
            raise ValueError("cell")
        self.rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell](n_in, hidden, batch_first=True)

    def forward(self, x):
        return self.rnn(x)
''', {"n_in": 5, "hidden": 7, "cell": "gru", "B": 3, "T": 4},
                          given={0: (3, 4, 5)})
    assert out == "unknown"


def test_a_refused_default_that_sets_the_width_leaves_only_that_axis_unknown(tmp_path):
    # the hidden size is the caller's hidden_size or a fraction of the example shape: the
    # branches disagree on the width only
    ins, out = solved_run(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, input_shape=None, hidden_size=None):
        super().__init__()
        if input_shape is None and hidden_size is None:
            raise ValueError("one of them")
        if hidden_size is None:
            hidden_size = input_shape[-1] // 2
        self.rnn = nn.LSTM(n_in, hidden_size)

    def forward(self, x):
        out, (h, c) = self.rnn(x)
        return out
''', {"n_in": 5, "hidden_size": 6, "B": 3, "T": 4})
    assert ins == ["(T, B, n_in)"] and out == "(T, B, ?)"


def test_an_input_flattened_only_when_it_has_four_axes(tmp_path):
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)

    def forward(self, x):
        if x.dim() == 4:
            x = x.flatten(2)
        out, (h, c) = self.rnn(x)
        return out, h
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 6, "hidden": 7, "B": 3, "T": 4})
    assert ins == ["(B, T, n_in)"] and out == "((B, T, hidden), (1, B, hidden))"
    static, real = run_both(tmp_path, src, {"n_in": 6, "hidden": 7}, ["float32[3,4,2,3]"])
    assert static == real == [(3, 4, 7), (1, 3, 7)]


def test_a_stack_of_cells_built_from_one_keyword_dict(tmp_path):
    # the first cell reads the input, the others the hidden size; the states of every layer
    # are stacked after the loop
    src = '''
class Net(nn.Module):
    def __init__(self, hidden_size, input_shape=None, input_size=None, num_layers=1):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        if input_shape is None and input_size is None:
            raise ValueError("input_shape or input_size")
        if input_size is None:
            input_size = int(torch.tensor(input_shape[1:]).prod())
        kw = {"input_size": input_size, "hidden_size": hidden_size}
        self.cells = nn.ModuleList([nn.LSTMCell(**kw)])
        kw["input_size"] = hidden_size
        for _ in range(num_layers - 1):
            self.cells.append(nn.LSTMCell(**kw))

    def forward(self, x, hx=None):
        if hx is None:
            zeros = x.new_zeros(self.num_layers, x.shape[0], self.hidden_size)
            hx = (zeros, zeros)
        h, c = self.cells[0](x, (hx[0][0], hx[1][0]))
        hs, cs = [h], [c]
        for i in range(1, self.num_layers):
            h, c = self.cells[i](h, (hx[0][i], hx[1][i]))
            hs.append(h)
            cs.append(c)
        return h, (torch.stack(hs), torch.stack(cs, dim=0))
'''
    sizes = {"hidden_size": 4, "input_size": 6, "num_layers": 3, "B": 2}
    ins, out = solved_run(tmp_path, src.replace(", hx=None):", "):\n        hx = None"), sizes,
                          given={0: (2, 6)})
    assert ins == ["(B, ?)"]
    assert out == "((B, hidden_size), ((num_layers, B, hidden_size), (num_layers, B, hidden_size)))"
    static, real = run_both(tmp_path, src, {"hidden_size": 4, "input_shape": [2, 6],
                                            "num_layers": 2}, ["float32[2,6]"])
    assert static == real == [(2, 4), [(2, 2, 4), (2, 2, 4)]]


# ---- a layer class chosen by name among a few the code allows -------------------------------

CHOSEN = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, cell, layers, n_out):
        super().__init__()
        assert cell in ["LSTM", "GRU"], "unsupported cell"
        self.has_c = cell == "LSTM"
        self.rnn = getattr(nn, cell)(n_in, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, n_out)
        self.state = None

    def forward(self, x):
        out, self.state = self.rnn(x.unsqueeze(1), self.state)
        out = out.squeeze(1)
        return self.head(out), out
'''


def test_a_class_named_by_a_checked_parameter_gives_what_its_candidates_agree_on(tmp_path):
    sizes = {"n_in": 5, "hidden": 7, "layers": 2, "n_out": 3, "B": 4}
    for cell in ("LSTM", "GRU"):
        ins, out = solved_run(tmp_path, CHOSEN, {**sizes, "cell": cell})
        assert ins == ["(B, n_in)"] and out == "((B, n_out), (B, hidden))"
        ctor = {k: v for k, v in sizes.items() if k != "B"}
        static, real = run_both(tmp_path, CHOSEN, {**ctor, "cell": cell}, ["float32[4,5]"])
        assert static == real == [(4, 3), (4, 7)]


def test_a_class_name_refused_by_a_raise_is_narrowed_alike(tmp_path):
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, rnn_type):
        super().__init__()
        if rnn_type not in ("RNN", "GRU", "LSTM"):
            raise ValueError(rnn_type)
        self.rnn = getattr(nn, rnn_type)(n_in, hidden, 2, dropout=0.1)

    def forward(self, x):
        out, state = self.rnn(x)
        return out[-1], state
'''
    for kind in ("RNN", "GRU", "LSTM"):
        ins, out = solved_run(tmp_path, src, {"n_in": 5, "hidden": 7, "rnn_type": kind,
                                              "B": 3, "T": 6})
        # the state is h_n for two of them and (h_n, c_n) for the LSTM: not known
        assert ins == ["(T, B, n_in)"] and out == "((B, hidden), unknown)"


def test_a_name_that_may_be_another_kind_of_layer_stays_unknown(tmp_path):
    # a TransformerEncoderLayer takes these arguments too: nothing is claimed
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, kind):
        super().__init__()
        assert kind in ["GRU", "TransformerEncoderLayer"]
        self.body = getattr(nn, kind)(n_in, 1, hidden, dropout=0.0)

    def forward(self, x):
        return self.body(x)
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 4, "hidden": 8, "kind": "GRU", "B": 3,
                                          "T": 6}, given={0: (6, 3, 4)})
    assert out == "unknown"


def test_a_checked_name_upper_cased_before_the_lookup(tmp_path):
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, cell, bidirectional):
        super().__init__()
        if cell not in ["gru", "lstm"]:
            raise ValueError(cell)
        self.rnn = getattr(nn, cell.upper())(n_in, hidden, bidirectional=bidirectional)
        self.fc = nn.Linear(2 * hidden if bidirectional else hidden, 2)

    def forward(self, x):
        out = self.rnn(x)[0]
        return self.fc(out)
'''
    for cell in ("gru", "lstm"):
        ins, out = solved_run(tmp_path, src, {"n_in": 5, "hidden": 7, "cell": cell,
                                              "bidirectional": True, "B": 3, "T": 6})
        assert ins == ["(T, B, n_in)"] and out == "(T, B, 2)"


def test_narrowing_keeps_what_each_branch_allows(tmp_path):
    # after the elif chain only "GRU" is left for the else branch: a GRU is built there, and
    # the state it returns is h_n alone
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, cell):
        super().__init__()
        assert cell in ("LSTM", "GRU")
        if cell in ["LSTM"]:
            self.proj = nn.Linear(hidden, hidden)
        else:
            self.rnn = getattr(nn, cell)(n_in, hidden)

    def forward(self, x):
        out, h = self.rnn(x)
        return h
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 5, "hidden": 7, "cell": "GRU", "B": 3,
                                          "T": 6})
    assert ins == ["(T, B, n_in)"] and out == "(1, B, hidden)"


# ---- sizes a subclass hands to its base through **kwargs -----------------------------------

KWARGS_BASE = '''
class Base(nn.Module):
    def __init__(self, n_in, hidden, n_out, layers=1, scale=None):
        super().__init__()
        self.n_in, self.hidden, self.n_out, self.layers = n_in, hidden, n_out, layers
        self.scale = scale


class Net(Base):
    def __init__(self, bidirectional=False, **kwargs):
        super().__init__(**kwargs)
        self.rnn = nn.GRU(self.n_in, self.hidden, self.layers, batch_first=True,
                          bidirectional=bidirectional)
        self.fc = nn.Linear(self.hidden * (2 if bidirectional else 1), self.n_out)

    def forward(self, x):
        out, h = self.rnn(x)
        return self.fc(out[:, -1]), h
'''


def test_base_parameters_reached_through_kwargs_are_the_class_parameters(tmp_path):
    import textwrap

    import pytest
    from test_engine_facts import (
        HEADER,
        _agrees,
        _evaluated,
        _torch_tree,
        _torch_value,
    )

    from lstm_lint.analyze import analyze_module
    from lstm_lint.lint import load
    from lstm_lint.project import Project
    from lstm_lint.shapes import value_text

    torch = pytest.importorskip("torch")
    code = HEADER + textwrap.dedent(KWARGS_BASE)
    path = tmp_path / "model.py"
    path.write_text(code)
    fm = load(str(path), prefilter=False)
    c = next(c for c in fm.module_classes() if c.name == "Net")
    ms = analyze_module(fm, c, Project([str(path)]))
    assert [value_text(v) for v in ms.inputs] == ["(B, T, n_in)"]
    assert value_text(ms.output) == \
        "((B, n_out), (layers*(2 if bidirectional else 1), B, hidden))"
    ns: dict = {}
    exec(compile(code, str(path), "exec"), ns)
    for bidirectional, layers in ((False, 1), (True, 3)):
        sizes = {"n_in": 5, "hidden": 7, "n_out": 2, "layers": layers, "B": 4, "T": 6,
                 "bidirectional": bidirectional}
        model = ns["Net"](bidirectional=bidirectional, n_in=5, hidden=7, n_out=2,
                          layers=layers).eval()
        with torch.no_grad():
            real = _torch_tree(torch, model(*[_torch_value(torch, _evaluated(v, sizes))
                                               for v in ms.inputs]))
        static = _evaluated(ms.output, sizes)
        assert static == real and _agrees(static, real)


def test_a_layer_configured_from_base_parameters_is_checked(tmp_path):
    from test_branch_states import _codes

    bad = KWARGS_BASE.replace("bidirectional=bidirectional)",
                              "bidirectional=bidirectional, dropout=0.0)").replace(
        "nn.GRU(self.n_in, self.hidden, self.layers, batch_first=True,",
        "nn.LSTM(self.n_in, self.hidden, self.layers, batch_first=True, proj_size=self.hidden,")
    assert _codes(tmp_path, bad) == [("LST502", 14)]
    assert _codes(tmp_path, KWARGS_BASE) == []


def test_the_defaults_configuration_of_a_constructor_that_refuses_its_none_defaults(tmp_path):
    # built with its literal defaults (num_layers=1), the None defaults still open: the layer
    # is built and its dropout with one layer is reported under that configuration
    import warnings

    import pytest
    from test_branch_states import _codes

    torch = pytest.importorskip("torch")
    src = WRAPPER.replace("num_layers=num_layers, bidirectional", "num_layers=num_layers, "
                          "dropout=0.3, bidirectional")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ns: dict = {"torch": torch, "nn": torch.nn}
        exec(src, ns)
        ns["Net"](hidden_size=4, input_size=6)
    assert any("num_layers greater than 1" in str(w.message) for w in seen)
    assert _codes(tmp_path, src) == [("LST501", 15)]
    assert _codes(tmp_path, WRAPPER) == []
