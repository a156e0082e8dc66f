"""How real code builds recurrent models: each form analysed statically and run with torch.

Every case is a small model written the way real repositories write them (factories, class
attributes, base classes, configuration objects, layouts solved from the consumer); the
engine's concrete output must equal torch's, and its symbolic output must be fully known.
"""

from __future__ import annotations

import textwrap
import types

import pytest

from lstm_lint.analyze import analyze_module
from lstm_lint.lint import load
from lstm_lint.project import Project
from lstm_lint.shapes import from_json, parse_spec
from lstm_lint.values import Tensor

CASES = {
    "getattr_nn_by_name": ('''
class Net(nn.Module):
    def __init__(self, n_in, hidden, rnn_type="LSTM"):
        super().__init__()
        self.rnn = getattr(nn, rnn_type.upper())(n_in, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 3)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])
''', {"n_in": 5, "hidden": 11, "rnn_type": "gru"}, "float32[3,7,5]"),
    # the kind is a free parameter: RNN, GRU or LSTM, `bidirectional=` proves it is one of
    # them, and the output is the same for the three (the state is not)
    "getattr_nn_kind_chosen_by_the_caller": ('''
class Net(nn.Module):
    def __init__(self, n_in, module, dim, bidirection):
        super().__init__()
        self.layer = getattr(nn, module.upper())(
            n_in, dim, bidirectional=bidirection, num_layers=1, batch_first=True)
        self.fc = nn.Linear(2 * dim if bidirection else dim, 3)

    def forward(self, x):
        output, _ = self.layer(x)
        return self.fc(output)
''', {"n_in": 5, "module": "lstm", "dim": 11, "bidirection": True}, "float32[3,7,5]"),
    "class_attribute_table": ('''
class Net(nn.Module):
    supported_rnns = {"lstm": nn.LSTM, "gru": nn.GRU}

    def __init__(self, n_in, hidden, rnn_type="lstm", bidirectional=True):
        super().__init__()
        cell = self.supported_rnns[rnn_type.lower()]
        self.rnn = cell(n_in, hidden, batch_first=True, bidirectional=bidirectional)

    def forward(self, x):
        out, _ = self.rnn(x)
        return out
''', {"n_in": 5, "hidden": 11, "rnn_type": "GRU", "bidirectional": True}, "float32[3,7,5]"),
    "class_chosen_by_string": ('''
class Net(nn.Module):
    def __init__(self, n_in, hidden, rnn_cell="gru"):
        super().__init__()
        if rnn_cell.lower() == "lstm":
            self.rnn_cell = nn.LSTM
        elif rnn_cell.lower() == "gru":
            self.rnn_cell = nn.GRU
        self.rnn = self.rnn_cell(n_in, hidden, 2, batch_first=True)

    def forward(self, x):
        out, h = self.rnn(x)
        return h
''', {"n_in": 5, "hidden": 11, "rnn_cell": "GRU"}, "float32[3,7,5]"),
    "layer_class_default": ('''
class Net(nn.Module):
    def __init__(self, n_in, hidden, rnn_type=nn.LSTM):
        super().__init__()
        self.rnn = rnn_type(n_in, hidden)

    def forward(self, x):
        return self.rnn(x)[0]
''', {"n_in": 5, "hidden": 11}, "float32[7,3,5]"),
    "super_init_builds_layers": ('''
class Base(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)

class Net(Base):
    def __init__(self, n_in, hidden, n_out):
        super(Net, self).__init__(n_in, hidden)
        self.head = nn.Linear(hidden, n_out)

    def forward(self, x):
        out, h = self.rnn(x)
        return self.head(h[-1])
''', {"n_in": 5, "hidden": 11, "n_out": 4}, "float32[3,7,5]"),
    "explicit_base_init": ('''
class Base(nn.Module):
    def __init__(self, n_in, hidden):
        nn.Module.__init__(self)
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)

class Net(Base):
    def __init__(self, n_in, hidden):
        Base.__init__(self, n_in, hidden)
        self.head = nn.Linear(hidden, 2)

    def forward(self, x):
        out, (h, c) = self.rnn(x)
        return self.head(out[:, -1, :])
''', {"n_in": 5, "hidden": 11}, "float32[3,7,5]"),
    "config_object": ('''
class Net(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.emb = nn.Embedding(config.vocab, config["embed"])
        self.rnn = nn.LSTM(config.embed, config.hidden, num_layers=config.layers,
                           bidirectional=config.bidirectional)
        self.fc = nn.Linear(config.hidden * config.layers * (1 + config.bidirectional), 4)

    def forward(self, x):
        out, (h, c) = self.rnn(self.emb(x))
        feats = torch.cat([h[i, :, :] for i in range(h.shape[0])], dim=1)
        return self.fc(feats)
''', {"config": {"vocab": 50, "embed": 13, "hidden": 11, "layers": 2, "bidirectional": True}},
        {"spec": "int64[7,3]", "high": 50}),
    "dict_literal_config": ('''
class Net(nn.Module):
    def __init__(self, n_in):
        super().__init__()
        cfg = dict(hidden=11, layers=2)
        cfg["layers"] = 3
        self.rnn = nn.GRU(n_in, cfg["hidden"], cfg.get("layers", 1), batch_first=True)

    def forward(self, x):
        return self.rnn(x)[1]
''', {"n_in": 5}, "float32[3,7,5]"),
    "input_transposed_before_rnn": ('''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden)

    def forward(self, x):
        out, _ = self.rnn(x.transpose(0, 1))
        return out[-1]
''', {"n_in": 5, "hidden": 11}, "float32[3,7,5]"),
    "channels_first_normalised_then_permuted": ('''
class Net(nn.Module):
    def __init__(self, c, hidden):
        super().__init__()
        self.norm = nn.BatchNorm1d(c)
        self.rnn = nn.GRU(c, hidden, batch_first=True)

    def forward(self, x):
        x = self.norm(x).permute(0, 2, 1)
        out, h = self.rnn(x)
        return h[-1]
''', {"c": 5, "hidden": 11}, "float32[3,5,7]"),
}

HEADER = "import torch\nimport torch.nn as nn\n"


def _torch_value(v):
    if isinstance(v, dict):
        ns = types.SimpleNamespace(**{k: _torch_value(x) for k, x in v.items()})
        ns.__getitem__ = None
        return _Cfg(**{k: _torch_value(x) for k, x in v.items()})
    return v


class _Cfg(types.SimpleNamespace):
    def __getitem__(self, k):
        return getattr(self, k)


def _torch_input(torch, spec):
    if isinstance(spec, dict):
        dims = [int(d) for d in spec["spec"].split("[")[1].rstrip("]").split(",")]
        return torch.randint(0, spec["high"], dims)
    dims = [int(d) for d in spec.split("[")[1].rstrip("]").split(",")]
    return torch.randn(*dims)


@pytest.mark.parametrize("name", sorted(CASES))
def test_form_matches_torch(tmp_path, name):
    torch = pytest.importorskip("torch")
    src, kwargs, spec = CASES[name]
    code = HEADER + textwrap.dedent(src)
    path = tmp_path / f"{name}.py"
    path.write_text(code)
    ns: dict = {}
    exec(compile(code, str(path), "exec"), ns)
    model = ns["Net"](**{k: _torch_value(v) for k, v in kwargs.items()}).eval()
    with torch.no_grad():
        real = model(_torch_input(torch, spec))
    fm = load(str(path), prefilter=False)
    cls = next(c for c in fm.module_classes() if c.name == "Net")
    project = Project([str(path)])
    ms = analyze_module(fm, cls, project, [], {k: from_json(v) for k, v in kwargs.items()},
                        [parse_spec(spec["spec"] if isinstance(spec, dict) else spec)])
    out = ms.output
    assert isinstance(out, Tensor) and out.shape is not None, f"{name}: {out}"
    static = tuple(d.as_int() if d is not None else None for d in out.shape.dims)
    assert not out.shape.star and static == tuple(real.shape), f"{name}: {static} vs {real.shape}"
    # with no arguments at all, the output is still fully known symbolically
    sym_out = analyze_module(fm, cls, project).output
    assert isinstance(sym_out, Tensor) and sym_out.shape is not None \
        and None not in sym_out.shape.dims, f"{name}: symbolic {sym_out}"


def test_dict_batch_keys_are_inputs_of_their_own(tmp_path):
    """``batch["tokens"]`` into an embedding: the key is solved as an input (B, T)."""
    torch = pytest.importorskip("torch")
    code = HEADER + textwrap.dedent('''
    class Tagger(nn.Module):
        def __init__(self, vocab, emb, hidden):
            super().__init__()
            self.emb = nn.Embedding(vocab, emb)
            self.rnn = nn.GRU(emb, hidden, batch_first=True)

        def forward(self, batch):
            out, h = self.rnn(self.emb(batch["tokens"]))
            return out
    ''')
    path = tmp_path / "tagger.py"
    path.write_text(code)
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Tagger"], Project([str(path)]))
    assert ms.output.shape.render() == "(B, T, hidden)"
    batch = ms.inputs[0]
    from lstm_lint.values import Record

    assert isinstance(batch, Record) and batch.get("tokens").shape.render() == "(B, T)"
    ns: dict = {}
    exec(code, ns)
    real = ns["Tagger"](50, 13, 11)({"tokens": torch.randint(0, 50, (3, 7))})
    assert tuple(real.shape) == (3, 7, 11)


KWARGS_FACTORY = HEADER + '''
def make_rnn(input_size, hidden_size, **kwargs):
    return nn.LSTM(input_size, hidden_size, **kwargs)

class Open(nn.Module):
    def __init__(self, n_in, hidden, **kwargs):
        super().__init__()
        self.rnn = make_rnn(n_in, hidden, **kwargs)

    def forward(self, x):
        return self.rnn(x)[1][0]

class Closed(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = make_rnn(n_in, hidden, batch_first=True, num_layers=2)

    def forward(self, x):
        return self.rnn(x)[1][0]
'''


def test_kwargs_forwarding(tmp_path):
    """Keywords forwarded through **kwargs reach the layer; unknown ones make its defaults
    untrustworthy (Open may be built with batch_first=True), so nothing is guessed."""
    torch = pytest.importorskip("torch")
    path = tmp_path / "kw.py"
    path.write_text(KWARGS_FACTORY)
    fm = load(str(path), prefilter=False)
    project = Project([str(path)])
    closed = analyze_module(fm, fm.classes["Closed"], project).output
    assert closed.shape.render() == "(2, B, hidden)"
    opened = analyze_module(fm, fm.classes["Open"], project).output
    assert not isinstance(opened, Tensor) or opened.shape is None
    ns: dict = {}
    exec(KWARGS_FACTORY, ns)
    assert tuple(ns["Closed"](5, 11)(torch.randn(3, 7, 5)).shape) == (2, 3, 11)
    # the same Open class gives another layout with batch_first=True: no single answer
    assert tuple(ns["Open"](5, 11, batch_first=True)(torch.randn(3, 7, 5)).shape) == (1, 3, 11)
    assert tuple(ns["Open"](5, 11)(torch.randn(3, 7, 5)).shape) == (1, 7, 11)


ARGPARSE_SCRIPT = HEADER + '''import argparse

class Net(nn.Module):
    def __init__(self, n_in, hidden, layers, dropout):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, layers, dropout=dropout, batch_first=True)
        self.fc = nn.Linear(hidden, 3)

    def forward(self, x):
        out, h = self.rnn(x)
        return self.fc(h[0])

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-in", type=int, default=10)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--dropout", type=float, default=0.2)
    args = parser.parse_args([])
    model = Net(args.n_in, args.hidden, args.layers, args.dropout)
    return model(torch.randn(4, 7, args.n_in))
'''


def test_argparse_defaults_build_the_model(tmp_path):
    """The script's argparse defaults give num_layers=2: h[0] is the first layer's state."""
    torch = pytest.importorskip("torch")
    from lstm_lint.lint import Options, check_file

    path = tmp_path / "train.py"
    path.write_text(ARGPARSE_SCRIPT)
    found = check_file(load(str(path)), Project([str(path)]), Options()).findings
    assert [f.code for f in found] == ["LST302"], [f.message for f in found]
    ns: dict = {}
    exec(ARGPARSE_SCRIPT, ns)
    torch.manual_seed(0)
    model = ns["Net"](10, 32, 2, 0.2).eval()
    x = torch.randn(4, 7, 10)
    out, h = model.rnn(x)
    assert torch.allclose(out[:, -1], h[-1]) and not torch.allclose(out[:, -1], h[0])


SUBCLASS = HEADER + '''
class MyLSTM(nn.LSTM):
    def __init__(self, n_in, hidden):
        super().__init__(n_in, hidden, batch_first=True, bidirectional=True)

class Wrapped(nn.GRU):
    def __init__(self, n_in, hidden):
        super(Wrapped, self).__init__(n_in, hidden, num_layers=2)

    def forward(self, x):
        out, h = super().forward(x)
        return h[-1]

class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = MyLSTM(n_in, hidden)
        self.fc = nn.Linear(2 * hidden, 3)

    def forward(self, x):
        out, (h, c) = self.rnn(x)
        return self.fc(torch.cat((h[-2], h[-1]), dim=1))
'''


def test_subclasses_of_torch_layers(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "sub.py"
    path.write_text(SUBCLASS)
    fm = load(str(path), prefilter=False)
    project = Project([str(path)])
    ns: dict = {}
    exec(SUBCLASS, ns)
    x = torch.randn(3, 7, 5)
    for name, real in (("MyLSTM", ns["MyLSTM"](5, 11)(x)[0]), ("Wrapped", ns["Wrapped"](5, 11)(x)),
                       ("Net", ns["Net"](5, 11)(x))):
        out = analyze_module(fm, fm.classes[name], project, [], {"n_in": from_json(5),
                                                                 "hidden": from_json(11)},
                             [parse_spec("float32[3,7,5]")]).output
        if name == "MyLSTM":
            out = out.items[0]
        assert tuple(d.as_int() for d in out.shape.dims) == tuple(real.shape), name


CHOSEN_KIND = HEADER + '''
class Chosen(nn.Module):
    def __init__(self, n_in, hidden, cell):
        super().__init__()
        self.rnn = getattr(nn, cell)(n_in, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, 3)

    def forward(self, x):
        out, state = self.rnn(x)
        return self.fc(out[:, 0]), state

class Unproven(nn.Module):
    def __init__(self, n_in, hidden, cell):
        super().__init__()
        self.rnn = getattr(nn, cell)(n_in, hidden, 2, batch_first=True)

    def forward(self, x):
        return self.rnn(x)[0]
'''


def test_a_kind_chosen_at_run_time_is_any_of_three_rnns(tmp_path):
    """``getattr(nn, cell)(..., bidirectional=True)``: only nn.RNN, nn.GRU and nn.LSTM take
    ``bidirectional``, and their output agrees; their states do not (an LSTM's is a pair), so
    the state stays unknown.  Without such a keyword the class is not guessed."""
    torch = pytest.importorskip("torch")
    path = tmp_path / "chosen.py"
    path.write_text(CHOSEN_KIND)
    fm = load(str(path), prefilter=False)
    project = Project([str(path)])
    head, state = analyze_module(fm, fm.classes["Chosen"], project).output.items
    assert head.shape.render() == "(B, 3)" and not isinstance(state, Tensor)
    out = analyze_module(fm, fm.classes["Unproven"], project).output
    assert not isinstance(out, Tensor) or out.shape is None
    ns: dict = {}
    exec(CHOSEN_KIND, ns)
    x = torch.randn(3, 7, 5)
    for cell in ("RNN", "GRU", "LSTM"):
        y, st = ns["Chosen"](5, 11, cell)(x)
        assert tuple(y.shape) == (3, 3)
        assert isinstance(st, tuple) == (cell == "LSTM")
    # the same call is a TransformerEncoderLayer's: three positional sizes and batch_first
    assert tuple(ns["Unproven"](5, 1, "TransformerEncoderLayer")(x).shape) == (7, 5)
