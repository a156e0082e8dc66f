"""The house rule: never turn an unknown into a known wrong shape.

``B``, ``T`` and every size the caller picks are free: a mismatch that holds only for some of
their values is a constraint (shown by ``shapes``), never a finding.  Each model here is also
run with real torch where it matters, so the claims are checked against PyTorch.
"""

from __future__ import annotations

import textwrap
from types import SimpleNamespace

import pytest

from lstm_lint.analyze import analyze_module
from lstm_lint.lint import Options, check_file, load
from lstm_lint.project import Project

FLATTENED = '''
import torch
import torch.nn as nn

class Flat(nn.Module):
    def __init__(self, n_in, hidden, seq_len, n_out, batch_size):
        super().__init__()
        self.hidden, self.batch_size = hidden, batch_size
        self.lstm = nn.LSTM(n_in, hidden, batch_first=True)
        self.fc = nn.Linear(seq_len * hidden, n_out)

    def forward(self, x):
        h0 = torch.zeros(1, self.batch_size, self.hidden)
        c0 = torch.zeros(1, self.batch_size, self.hidden)
        out, _ = self.lstm(x, (h0, c0))
        return self.fc(out.reshape(out.size(0), -1))
'''


def _write(tmp_path, text, name="model.py"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return str(p)


def _analyse(path, cls_name):
    fm = load(path, prefilter=False)
    project = Project([path])
    cls = next(c for c in fm.module_classes() if c.name == cls_name)
    return fm, analyze_module(fm, cls, project)


def test_flattened_seq_len_model_is_silent_with_constraints(tmp_path):
    path = _write(tmp_path, FLATTENED)
    fm = load(path)
    res = check_file(fm, Project([path]), Options())
    # no error: at most the fixed-batch state warning (LST305) for h0 sized by batch_size
    assert [f.code for f in res.findings if f.code != "LST305"] == []
    _fm, ms = _analyse(path, "Flat")
    assert any(c.startswith("T == seq_len") for c in ms.constraints), ms.constraints
    assert any(c.startswith("B == batch_size") for c in ms.constraints), ms.constraints


def test_flattened_seq_len_model_runs_in_torch_when_constraints_hold(tmp_path):
    torch = pytest.importorskip("torch")
    ns: dict = {}
    exec(FLATTENED, ns)
    m = ns["Flat"](5, 11, 7, 3, 4)
    assert tuple(m(torch.randn(4, 7, 5)).shape) == (4, 3)
    with pytest.raises(RuntimeError):
        m(torch.randn(4, 6, 5))  # T != seq_len: the constraint, not a bug of the model


def test_batch_first_state_is_still_proven_by_roles(tmp_path):
    path = _write(tmp_path, '''
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self, n_in, hidden, layers):
            super().__init__()
            self.hidden, self.layers = hidden, layers
            self.lstm = nn.LSTM(n_in, hidden, layers, batch_first=True)

        def forward(self, x):
            h0 = torch.zeros(x.size(0), self.layers, self.hidden)
            c0 = torch.zeros(self.layers, x.size(0), self.hidden)
            return self.lstm(x, (h0, c0))[0]
    ''')
    res = check_file(load(path), Project([path]), Options())
    assert "LST301" in [f.code for f in res.findings]


# ---- op handlers never guess ------------------------------------------------------------------

MODEL = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
import mystery

class M(nn.Module):
    def __init__(self, seq_len):
        super().__init__()
        self.seq_len = seq_len
        self.w = nn.Parameter(torch.zeros(16))
        self.lstm = nn.LSTM(8, 16, batch_first=True)

    def forward(self, x):
        out, _ = self.lstm(x)
        y = {expr}
        return y
'''


def _output(tmp_path, expr, dims=(3, 7, 8)):
    from lstm_lint.symbolic import const
    from lstm_lint.values import Shape, Tensor

    path = _write(tmp_path, MODEL.replace("{expr}", expr))
    fm = load(path, prefilter=False)
    cls = next(c for c in fm.module_classes() if c.name == "M")
    x = Tensor(Shape(tuple(const(d) for d in dims)), "float")
    return analyze_module(fm, cls, Project([path]), inputs=[x]).output


def _shape(v):
    from lstm_lint.values import Tensor

    if not isinstance(v, Tensor) or v.shape is None:
        return None
    return ("*",) * v.shape.star + tuple(d.as_int() if d is not None else None
                                          for d in v.shape.dims)


UNKNOWN_CASES = [
    "out + torch.einsum('btd,de->bte', out, mystery.w)",  # a non-tensor operand in arithmetic
    "out * mystery.scale(out)",  # an unknown operand
    "self.w[None, :] * mystery.value",  # an indexed parameter times an unknown
    "out.mul(mystery.value)",
    "out.add(other=mystery.value)",
    "out.mean(keep_dim=True)",  # an unknown keyword: not modelled
    "torch.sum(out, 1, weird=True)",
    "out[:, :self.seq_len]",  # a symbolic stop is clamped to the axis at run time
    "out.view(self.seq_len / 1, -1)",  # a true quotient is a float: torch refuses it as a size
]


@pytest.mark.parametrize("expr", UNKNOWN_CASES)
def test_unmodelled_operands_and_keywords_give_unknown(tmp_path, expr):
    v = _output(tmp_path, expr)
    s = _shape(v)
    assert s is None or None in s or "*" in s, f"{expr} gave {s}"


KNOWN_CASES = [
    ("torch.mean(out, axis=1)", (3, 16)),  # numpy-style alias that torch accepts
    ("out.sum(dim=1, keepdims=True)", (3, 1, 16)),
    ("out[:, -1:, :]", (3, 1, 16)),
    ("out[:, 2:5]", (3, 3, 16)),
    ("out * 2.0 + 1", (3, 7, 16)),
    ("out * (self.seq_len / 2)", (3, 7, 16)),  # a float of a size: a scalar all the same
    ("torch.zeros(size=(2, 5))", (2, 5)),
]


@pytest.mark.parametrize("expr,expected", KNOWN_CASES)
def test_modelled_ops_agree_with_torch(tmp_path, expr, expected):
    torch = pytest.importorskip("torch")
    assert _shape(_output(tmp_path, expr)) == expected
    out = torch.randn(3, 7, 16)
    real = eval(expr, {"torch": torch, "out": out, "self": SimpleNamespace(seq_len=5)})
    assert tuple(real.shape) == expected


def test_squeeze_without_dim_on_symbolic_axes_is_unknown(tmp_path):
    path = _write(tmp_path, MODEL.replace("{expr}", "out.squeeze()"))
    _fm, ms = _analyse(path, "M")  # symbolic B, T: either might be 1 at run time
    s = _shape(ms.output)
    assert s is None or None in s
    assert _shape(_output(tmp_path, "out[:, -1:].squeeze()")) == (3, 16)


STACK = '''
import torch
import torch.nn as nn

class Stack(nn.Module):
    def __init__(self, input_size, hidden_size, n_layers):
        super().__init__()
        self.n_layers = n_layers
        self.layers = nn.ModuleList()
        self.layers.append(nn.LSTM(input_size, hidden_size, 1, batch_first=True))
        for i in range(n_layers - 1):
            self.layers.append(nn.LSTM(input_size + hidden_size, hidden_size, 1, batch_first=True))

    def forward(self, inputs):
        output, _ = self.layers[0](inputs)
        for i in range(1, self.n_layers):
            output, _ = self.layers[i](torch.cat((inputs, output), dim=2))
        return output
'''


def test_stack_of_layers_built_differently_is_not_a_finding(tmp_path):
    """Found on real code (Handwriting-synthesis): the first layer and the rest of a ModuleList
    take different input sizes; joining them must not keep the first one's size."""
    torch = pytest.importorskip("torch")
    path = _write(tmp_path, STACK)
    res = check_file(load(path), Project([path]), Options())
    assert [f.code for f in res.findings] == []
    ns: dict = {}
    exec(STACK, ns)
    assert tuple(ns["Stack"](5, 11, 3)(torch.randn(3, 7, 5)).shape) == (3, 7, 11)
    _fm, ms = _analyse(path, "Stack")
    assert _shape(ms.output) is not None and _shape(ms.output)[-1] is None or \
        str(ms.output.shape.dims[-1]) == "hidden_size"


def test_in_place_layout_ops_rebind_and_functional_pooling(tmp_path):
    """``out.transpose_(1, 2)`` changes ``out`` for later reads; F.max_pool1d over time."""
    torch = pytest.importorskip("torch")
    code = '''
import torch
import torch.nn as nn
import torch.nn.functional as F

class M(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.rnn = nn.LSTM(5, hidden, batch_first=True)
        self.init_h = nn.Parameter(torch.Tensor(1, hidden))

    def forward(self, x):
        out, _ = self.rnn(x)
        y = F.max_pool1d(out.transpose_(1, 2), out.shape[2]).squeeze(2)
        z = self.init_h.unsqueeze(1).expand(1, x.size(0), self.init_h.size(1))
        return y, z, torch.autograd.Variable(y)
'''
    from lstm_lint.shapes import from_json, parse_spec

    path = _write(tmp_path, code)
    fm = load(path, prefilter=False)
    cls = next(c for c in fm.module_classes() if c.name == "M")
    out = analyze_module(fm, cls, Project([path]), [from_json(11)], {},
                         [parse_spec("float32[3,7,5]")]).output
    ns: dict = {}
    exec(code, ns)
    real = ns["M"](11)(torch.randn(3, 7, 5))
    assert [_shape(v) for v in out.items] == [tuple(t.shape) for t in real]


def test_sequential_filled_by_add_module(tmp_path):
    """Found on real code (qlib ALSTM): ``nn.Sequential()`` filled with add_module later."""
    torch = pytest.importorskip("torch")
    code = '''
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, d_feat=6, hidden_size=64):
        super().__init__()
        self.net = nn.Sequential()
        self.net.add_module("fc_in", nn.Linear(d_feat, hidden_size))
        self.net.add_module("act", nn.Tanh())
        self.rnn = nn.GRU(hidden_size, hidden_size, batch_first=True)

    def forward(self, inputs):
        rnn_out, _ = self.rnn(self.net(inputs))
        return rnn_out[:, -1, :]
'''
    path = _write(tmp_path, code)
    assert check_file(load(path), Project([path]), Options()).findings == []
    _fm, ms = _analyse(path, "Net")
    assert str(ms.output.shape.render()) == "(B, hidden_size)"
    ns: dict = {}
    exec(code, ns)
    assert tuple(ns["Net"]()(torch.randn(3, 7, 6)).shape) == (3, 64)


def test_shapes_shows_constraints_in_text_and_json(tmp_path, capsys):
    import json

    from lstm_lint.cli import main

    path = _write(tmp_path, FLATTENED)
    assert main(["shapes", path]) == 0
    text = capsys.readouterr().out
    assert "requires T == seq_len (self.fc in_features)" in text
    assert main(["shapes", path, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert any(c.startswith("B == batch_size") for c in doc[0]["constraints"])


def test_finding_in_a_child_names_the_parent_call(tmp_path):
    """A bidirectional encoder's state into a one-direction decoder, both built by a parent:
    the finding is at the decoder's line and says how the parent reached it (torch agrees)."""
    torch = pytest.importorskip("torch")
    code = '''
import torch.nn as nn

class Encoder(nn.Module):
    def __init__(self, vocab, emb, hidden):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.rnn = nn.GRU(emb, hidden, bidirectional=True)

    def forward(self, src):
        return self.rnn(self.emb(src))

class Decoder(nn.Module):
    def __init__(self, vocab, emb, hidden):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.rnn = nn.GRU(emb, hidden)

    def forward(self, tok, h):
        return self.rnn(self.emb(tok), h)

class Seq2Seq(nn.Module):
    def __init__(self, vocab=50, emb=16, hidden=32):
        super().__init__()
        self.encoder = Encoder(vocab, emb, hidden)
        self.decoder = Decoder(vocab, emb, hidden)

    def forward(self, src, tgt):
        _, h = self.encoder(src)
        return self.decoder(tgt, h)[0]
'''
    path = _write(tmp_path, code)
    found = check_file(load(path), Project([path]), Options()).findings
    hits = [f for f in found if f.line == 20]
    assert hits and "self.decoder (Decoder)" in hits[0].message, [f.message for f in found]
    ns: dict = {}
    exec(code, ns)
    with pytest.raises(RuntimeError, match="Expected hidden size"):
        ns["Seq2Seq"]()(torch.randint(0, 50, (7, 3)), torch.randint(0, 50, (5, 3)))


def test_shapes_says_when_the_answer_crosses_a_conflict(capsys):
    """A bidirectional LSTM into Linear(hidden): torch raises, so (4, 3) is not an answer."""
    from pathlib import Path

    from lstm_lint.cli import main

    example = str(Path(__file__).resolve().parents[1] / "examples" / "bidirectional_classifier.py")
    assert main(["shapes", example, "--args", "[50, 8, 16, 3]", "--input", "int64[4,9]"]) == 0
    text = capsys.readouterr().out
    assert "-> (4, 3)" in text
    assert "but line 19 raises: self.head expects 16 features but receives 32" in text
