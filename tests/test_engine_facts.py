"""Engine facts met on real code, each checked against real torch.

Each case is a small model written the way the real-code benchmark's repositories write it.
The engine's output under the given constructor arguments and inputs must agree with torch's
on every axis it claims (never a wrong size), and be exactly torch's where the fact makes it
known.
"""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from lstm_lint.analyze import analyze_module
from lstm_lint.lint import load
from lstm_lint.project import Project
from lstm_lint.shapes import from_json, parse_spec
from lstm_lint.values import Packed, Seq, Tensor
from lstm_lint.walk import descendants

HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def _split(spec: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in spec:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch in "[("
        depth -= ch in "])"
        cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def _torch_input(torch, spec: str):
    spec = spec.strip()
    if spec.startswith("("):
        return tuple(_torch_input(torch, s) for s in _split(spec[1:-1]))
    dtype, dims_s = spec.split("[")
    dims = [int(d) for d in dims_s.rstrip("]").split(",") if d.strip()]
    if dtype.startswith("int"):
        return torch.randint(0, 5, dims)
    return torch.randn(*dims)


def _torch_tree(torch, v):
    if isinstance(v, torch.Tensor):
        return tuple(v.shape)
    if isinstance(v, tuple | list):
        return [_torch_tree(torch, x) for x in v]
    return v


def _static_tree(v):
    if isinstance(v, Packed):
        v = v.data
    if isinstance(v, Tensor):
        if v.shape is None:
            return None
        dims = tuple(d.as_int() if d is not None else None for d in v.shape.dims)
        return ("*",) + dims if v.shape.star else dims
    if isinstance(v, Seq) and v.repeated is None:
        return [_static_tree(x) for x in v.items]
    return None


def _agrees(static, real) -> bool:
    """No axis the engine claims differs from torch's."""
    if static is None:
        return True
    if isinstance(real, list):
        return isinstance(static, list) and len(static) == len(real) and all(
            _agrees(s, r) for s, r in zip(static, real, strict=True))
    if not isinstance(real, tuple) or not isinstance(static, tuple):
        return False
    if static and static[0] == "*":
        tail = static[1:]
        return len(tail) <= len(real) and all(
            s is None or s == r for s, r in zip(tail, real[len(real) - len(tail):], strict=True))
    return len(static) == len(real) and all(s is None or s == r
                                            for s, r in zip(static, real, strict=True))


def run_both(tmp_path, src: str, kwargs: dict, specs: list[str], cls: str = "Net"):
    """(engine's output tree, torch's output tree) of ``cls`` built with ``kwargs``."""
    torch = pytest.importorskip("torch")
    code = HEADER + textwrap.dedent(src)
    path = tmp_path / "model.py"
    path.write_text(code)
    ns: dict = {}
    exec(compile(code, str(path), "exec"), ns)
    torch.manual_seed(0)
    model = ns[cls](**kwargs).eval()
    with torch.no_grad():
        real = _torch_tree(torch, model(*[_torch_input(torch, s) for s in specs]))
    fm = load(str(path), prefilter=False)
    c = next(c for c in fm.module_classes() if c.name == cls)
    ms = analyze_module(fm, c, Project([str(path)]), [],
                        {k: from_json(v) for k, v in kwargs.items()},
                        [parse_spec(s) for s in specs])
    static = _static_tree(ms.output)
    assert _agrees(static, real), f"engine {static} but torch {real}"
    return static, real


# ---- cat and stack: the parts agree on every axis but the joined one -------------------------


def test_cat_takes_the_other_axes_from_the_part_that_knows_them(tmp_path):
    # one part comes out of an op the engine does not model (its shape unknown): the batch is
    # the other part's, the joined axis unknown, and the head after it is exact
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, n_extra):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)
        self.fc = nn.Linear(hidden + n_extra, 2)

    def forward(self, x, extra):
        out, _ = self.rnn(x)
        feats = torch.cat([out[:, -1], extra.cumsum(1)], dim=1)
        return feats, self.fc(feats)
''', {"n_in": 5, "hidden": 11, "n_extra": 4}, ["float32[3,7,5]", "float32[3,4]"])
    assert static == [(3, None), (3, 2)] and real == [(3, 15), (3, 2)]


def test_cat_of_a_part_with_unknown_leading_axes(tmp_path):
    # a Linear fed an unknown-rank tensor gives (*, k); the other part tells the rank
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.proj = nn.Linear(n_in, 6)
        self.rnn = nn.GRU(n_in + 6, hidden, batch_first=True)

    def forward(self, x):
        z = self.proj(x.cumsum(1))
        out, h = self.rnn(torch.cat([x, z], dim=-1))
        return out
''', {"n_in": 5, "hidden": 11}, ["float32[3,7,5]"])
    assert static == (3, 7, 11) == real


def test_stack_takes_its_shape_from_any_known_part(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.cell1 = nn.LSTMCell(n_in, hidden)
        self.cell2 = nn.GRUCell(n_in, hidden)

    def forward(self, x):
        h1, c1 = self.cell1(x)
        h2 = self.cell2(x).cumsum(1)
        return torch.stack([h1, h2])
''', {"n_in": 5, "hidden": 11}, ["float32[3,5]"])
    assert static == (2, 3, 11) == real


def test_cat_of_a_list_grown_in_a_loop_of_unknown_count(tmp_path):
    # the loop may stop early (break): the joined axis is unknown, the others are each step's
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.cell = nn.GRUCell(n_in, hidden)
        self.hidden = hidden

    def forward(self, x):
        h = x.new_zeros(x.size(0), self.hidden)
        outs = []
        for step in x.unbind(1):
            h = self.cell(step, h)
            outs.append(h.unsqueeze(1))
            if h.abs().sum() > 1e9:
                break
        seq = torch.cat(outs, dim=1)
        return seq, seq.sum(1), torch.stack(outs, dim=-1).mean(-1)
''', {"n_in": 5, "hidden": 11}, ["float32[3,7,5]"])
    assert static == [(3, None, 11), (3, 11), (3, 1, 11)]
    assert real == [(3, 7, 11), (3, 11), (3, 1, 11)]


# ---- recurrent layers: a batched state tells the batch the input does not ------------------


def test_rnn_batch_from_its_initial_state(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, num_layers=2)

    def forward(self, x, h0, c0):
        out, (h, c) = self.rnn(x.cumsum(0), (h0, c0))
        return out, h, c
''', {"n_in": 5, "hidden": 11}, ["float32[7,3,5]", "float32[2,3,11]", "float32[2,3,11]"])
    assert static == [(None, 3, 11), (2, 3, 11), (2, 3, 11)]
    assert real == [(7, 3, 11), (2, 3, 11), (2, 3, 11)]


def test_rnn_batch_from_state_when_the_input_batch_axis_is_unknown(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True, bidirectional=True)

    def forward(self, x, keep, h0):
        # the rows kept are known only at run time (here all of them)
        x = x.index_select(0, (keep >= 0).nonzero().squeeze(1))
        out, h = self.rnn(x, h0)
        return out
''', {"n_in": 5, "hidden": 11}, ["float32[3,7,5]", "int64[3]", "float32[2,3,11]"])
    assert static == (3, 7, 22) == real


def test_cell_batch_from_its_state(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.cell = nn.LSTMCell(n_in, hidden)

    def forward(self, x, h0, c0):
        h, c = self.cell(x.cumsum(1), (h0, c0))
        return h, c
''', {"n_in": 5, "hidden": 11}, ["float32[3,5]", "float32[3,11]", "float32[3,11]"])
    assert static == [(3, 11), (3, 11)] == real


# ---- torch functions and tensor methods -----------------------------------------------------


def test_as_tensor_of_a_tensor_keeps_its_shape(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, n_act):
        super().__init__()
        self.nn = nn.LSTM(n_in, hidden, batch_first=True)
        self.fc2 = nn.Linear(hidden + n_act, 1)

    def forward(self, obs, act):
        obs = torch.as_tensor(obs, device="cpu", dtype=torch.float32)
        obs, (hidden, cell) = self.nn(obs)
        act = torch.tensor(act, dtype=torch.float32)
        return self.fc2(torch.cat([obs[:, -1], act], dim=1)), hidden
''', {"n_in": 5, "hidden": 11, "n_act": 2}, ["float32[3,7,5]", "float32[3,2]"])
    assert static == [(3, 1), (1, 3, 11)] == real


def test_eye(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, layers):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, layers)
        self.layers = layers

    def forward(self, x):
        out, h = self.rnn(x)
        mask = torch.cat(2 * [torch.eye(self.layers).bool()])
        return out @ torch.eye(out.size(-1)), torch.eye(self.layers, 4), mask
''', {"n_in": 5, "hidden": 11, "layers": 3}, ["float32[7,2,5]"])
    assert real == [(7, 2, 11), (3, 4), (6, 3)]
    assert static[:2] == [(7, 2, 11), (3, 4)]


def test_numel_is_the_product_of_the_axes(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_feat, hidden):
        super().__init__()
        self.cell = nn.LSTMCell(n_feat, hidden)

    def forward(self, att_feats, h, c):
        att_size = att_feats.numel() // att_feats.size(0) // att_feats.size(-1)
        pooled = att_feats.view(-1, att_size, att_feats.size(-1)).mean(1)
        h, c = self.cell(pooled, (h, c))
        return att_feats.view(-1, att_size * att_feats.size(-1)), h
''', {"n_feat": 6, "hidden": 11}, ["float32[3,4,6]", "float32[3,11]", "float32[3,11]"])
    assert static == [(3, 24), (3, 11)] == real


def test_glu_halves_its_axis(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)
        self.lin = nn.Linear(hidden, 2 * hidden)

    def forward(self, x):
        out, _ = self.rnn(x)
        return F.glu(self.lin(out)), F.glu(out, dim=1), F.glu(self.lin(out), -1)
''', {"n_in": 5, "hidden": 11}, ["float32[3,8,5]"])
    assert static == [(3, 8, 11), (3, 4, 11), (3, 8, 11)] == real


def test_glu_of_an_odd_axis_is_not_guessed(tmp_path):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.nn.functional.glu(torch.randn(3, 7), dim=1)
    from lstm_lint.ops import glu
    from lstm_lint.symbolic import const
    from lstm_lint.values import Shape

    out = glu(Tensor(Shape((const(3), const(7)))), const(1))
    assert out.shape is not None and out.shape.dims[1] is None


# ---- Python the models are written in -------------------------------------------------------


def test_a_loop_over_a_tensor_runs_once_per_row(tmp_path):
    # for g in x / enumerate(x): as many passes as axis 0 is long, so the list stacks exactly
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, feats, hidden):
        super().__init__()
        self.lstm = nn.LSTM(feats, hidden)
        self.fcn = nn.Linear(hidden, feats)

    def forward(self, x):
        hidden = (torch.zeros(1, 1, self.lstm.hidden_size), torch.zeros(1, 1, self.lstm.hidden_size))
        outputs, firsts = [], []
        for i, g in enumerate(x):
            out, hidden = self.lstm(g.view(1, 1, -1), hidden)
            outputs.append(2 * self.fcn(out.view(-1)))
        for g in x:
            firsts.append(g[:2])
        return torch.stack(outputs), torch.stack(firsts, dim=1)
''', {"feats": 5, "hidden": 11}, ["float32[7,5]"])
    assert static == [(7, 5), (2, 7)] == real


def test_a_comprehension_over_a_tensor(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden, batch_first=True, bidirectional=True)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        merged = torch.cat([s for s in h], 1)
        return merged, torch.stack([row.sum(0) for row in out])
''', {"n_in": 5, "hidden": 11}, ["float32[3,7,5]"])
    assert static == [(3, 22), (3, 22)] == real


def test_isinstance_of_a_tensor_and_of_a_state_tuple(tmp_path):
    # an encoder written for both GRU (h_n a tensor) and LSTM (a tuple (h_n, c_n))
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, cell):
        super().__init__()
        rnn = nn.GRU if cell == "gru" else nn.LSTM
        self.rnn = rnn(n_in, hidden, batch_first=True, bidirectional=True)

    def forward(self, x):
        output, hidden = self.rnn(x)
        if isinstance(hidden, tuple):
            hidden, memory_cell = hidden
        assert isinstance(hidden, torch.Tensor)
        layers = hidden.view(1, 2, x.size(0), self.rnn.hidden_size)
        return torch.cat([layers[-1:, 0], layers[-1:, 1]], dim=2).squeeze(0)
'''
    for cell in ("gru", "lstm"):
        static, real = run_both(tmp_path, src, {"n_in": 5, "hidden": 11, "cell": cell},
                                ["float32[3,7,5]"])
        assert static == (3, 22) == real, cell


def test_sizes_from_filtered_comprehensions_and_sum(tmp_path):
    # exogenous-feature lists left at None: every derived size is 0, so the optional
    # branches that would cat them are not taken
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, hist_exog_list=None, cat_exog_list=None):
        super().__init__()
        self.hist_exog_list = list(hist_exog_list) if hist_exog_list is not None else []
        self.cat_exog_list = list(cat_exog_list) if cat_exog_list is not None else []
        self.hist_cat = [c for c in self.cat_exog_list if c in self.hist_exog_list]
        self.hist_exog_size = (len(self.hist_exog_list) - len(self.hist_cat)
                               + sum(4 for c in self.hist_cat))
        self.rnn = nn.GRU(n_in + self.hist_exog_size, hidden, batch_first=True)

    def forward(self, y, hist_exog):
        if self.hist_exog_size > 0:
            y = torch.cat([y, hist_exog], dim=2)
        out, _ = self.rnn(y)
        return out
''', {"n_in": 1, "hidden": 11}, ["float32[3,7,1]", "float32[3,7,2]"])
    assert static == (3, 7, 11) == real


def test_isinstance_answers_only_what_the_value_decides():
    torch = pytest.importorskip("torch")
    from lstm_lint.interp.builtins import isinstance_of
    from lstm_lint.interp.objects import Builtin, Ref
    from lstm_lint.values import UNKNOWN, Const, Int

    packed = torch.nn.utils.rnn.pack_padded_sequence(torch.randn(3, 2, 4), [3, 2])
    assert isinstance(packed, tuple) and not isinstance(packed, torch.Tensor)
    t, p = Tensor(None), Packed(Tensor(None), False)
    tup, lst = Builtin("tuple"), Builtin("list")
    tensor_t, packed_t = Ref("torch.Tensor"), Ref("torch.nn.utils.rnn.PackedSequence")
    assert isinstance_of(t, tup) == Const(False) and isinstance_of(t, tensor_t) == Const(True)
    assert isinstance_of(p, tup) == Const(True) and isinstance_of(p, tensor_t) == Const(False)
    assert isinstance_of(p, packed_t) == Const(True)
    assert isinstance_of(Const(None), tensor_t) == Const(False)
    assert isinstance_of(Seq((t, t)), tup) == Const(True)
    assert isinstance_of(Seq((t,), True), tup) == Const(False)
    assert isinstance_of(t, Seq((tup, lst))) == Const(False)
    assert isinstance(True, int) and isinstance_of(Const(True), Builtin("int")) == Const(True)
    assert isinstance_of(Const(False), Ref("torch.nn.parameter.Parameter")) == Const(False)
    assert isinstance_of(Const(0.5), Builtin("int")) == Const(False)
    # torch layers: a class's instances are itself and its lazy variant; a layer whose class
    # is one of RNN/GRU/LSTM is decided only where all three agree
    from lstm_lint import layers as L

    nn = torch.nn
    assert issubclass(nn.LazyConv2d, nn.Conv2d) and not issubclass(nn.Hardtanh, nn.Conv2d)
    conv2d = Ref("torch.nn.Conv2d")
    assert isinstance_of(L.Layer("LazyConv2d", {}, None), conv2d) == Const(True)
    assert isinstance_of(L.Layer("Hardtanh", {}, None), conv2d) == Const(False)
    assert isinstance_of(L.Layer("Conv2d", {}, None), Ref("torch.nn.Module")) == Const(True)
    any_rnn = L.Layer(L.ANY_RNN, {}, None)
    assert isinstance_of(any_rnn, conv2d) == Const(False)
    assert isinstance_of(any_rnn, Ref("torch.nn.LSTM")) is UNKNOWN
    assert isinstance_of(L.Layer("ReLU6", {}, None), Ref("torch.nn.Hardtanh")) is UNKNOWN
    # what the engine cannot tell stays unknown
    assert isinstance_of(UNKNOWN, tup) is UNKNOWN
    assert isinstance_of(Int(None), Builtin("int")) is UNKNOWN
    assert isinstance_of(t, Ref("torch.nn.Module")) is UNKNOWN
    assert isinstance_of(t, Ref("torch.nn.parameter.Parameter")) is UNKNOWN


def test_a_short_loop_of_known_count_runs_pass_by_pass(tmp_path):
    # stacked cells: the first takes the input size, the others the hidden size; each pass
    # sees its own index, and the list of states stacks exactly
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, num_layers, n_in, hidden):
        super().__init__()
        self.num_layers = num_layers
        self.layers = nn.ModuleList()
        for _ in range(num_layers):
            self.layers.append(nn.LSTMCell(n_in, hidden))
            n_in = hidden
        self.dropout = nn.Dropout(0.1)

    def forward(self, input_feed, hidden):
        h_0, c_0 = hidden
        h_1, c_1 = [], []
        for i in range(self.num_layers):
            layer = self.layers[i]
            h_1_i, c_1_i = layer(input_feed, (h_0[i], c_0[i]))
            input_feed = h_1_i
            if i + 1 != self.num_layers:
                input_feed = self.dropout(input_feed)
            h_1 += [h_1_i]
            c_1 += [c_1_i]
        return input_feed, (torch.stack(h_1), torch.stack(c_1))
''', {"num_layers": 3, "n_in": 5, "hidden": 11},
        ["float32[4,5]", "(float32[3,4,11],float32[3,4,11])"])
    assert static == [(4, 11), [(3, 4, 11), (3, 4, 11)]] == real


def test_a_loop_over_range_zero_never_runs(tmp_path):
    # an MLP whose hidden-layer loop has no pass: the list is the input and output layers
    static, real = run_both(tmp_path, '''
class MLP(nn.Module):
    def __init__(self, in_features, out_features, hidden_size, num_layers):
        super().__init__()
        layers = [nn.Linear(in_features, hidden_size), nn.ReLU()]
        for i in range(num_layers - 2):
            layers += [nn.Linear(hidden_size, hidden_size), nn.ReLU()]
        layers += [nn.Linear(hidden_size, out_features)]
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


class Net(nn.Module):
    def __init__(self, n_in, hidden, layers):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)
        self.mlp = MLP(hidden, 1, 16, layers)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.mlp(out)
''', {"n_in": 5, "hidden": 11, "layers": 2}, ["float32[3,7,5]"])
    assert static == (3, 7, 1) == real


def test_functional_embedding_with_a_layers_weight(tmp_path):
    # embedding dropout: the weight (maybe masked) of an nn.Embedding through F.embedding
    static, real = run_both(tmp_path, '''
def embedded_dropout(embed, words, dropout=0.1):
    if dropout:
        mask = embed.weight.data.new().resize_((embed.weight.size(0), 1)).bernoulli_(
            1 - dropout).expand_as(embed.weight) / (1 - dropout)
        masked_embed_weight = mask * embed.weight
    else:
        masked_embed_weight = embed.weight
    padding_idx = embed.padding_idx
    if padding_idx is None:
        padding_idx = -1
    return F.embedding(words, masked_embed_weight, padding_idx, embed.max_norm,
                       embed.norm_type, embed.scale_grad_by_freq, embed.sparse)


class Net(nn.Module):
    def __init__(self, ntoken, ninp, nhid):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid)

    def forward(self, input):
        emb = embedded_dropout(self.encoder, input, dropout=0.1 if self.training else 0)
        out, (h, c) = self.rnn(emb)
        return emb, out
''', {"ntoken": 10, "ninp": 6, "nhid": 11}, ["int64[7,3]"])
    assert static == [(7, 3, 6), (7, 3, 11)] == real


def test_embedding_from_pretrained_and_zip_over_tensors(tmp_path):
    # word attention: an embedding from pretrained vectors (width from the weights), helpers
    # that loop over a tensor's rows, zip two tensors, and test isinstance(bias, Parameter)
    static, real = run_both(tmp_path, '''
def matrix_mul(input, weight, bias=False):
    feature_list = []
    for feature in input:
        feature = torch.mm(feature, weight)
        if isinstance(bias, torch.nn.parameter.Parameter):
            feature = feature + bias.expand(feature.size()[0], bias.size()[1])
        feature = torch.tanh(feature).unsqueeze(0)
        feature_list.append(feature)
    return torch.cat(feature_list, 0).squeeze()


def element_wise_mul(input1, input2):
    feature_list = []
    for feature_1, feature_2 in zip(input1, input2):
        feature_2 = feature_2.unsqueeze(1).expand_as(feature_1)
        feature_list.append((feature_1 * feature_2).unsqueeze(0))
    return torch.sum(torch.cat(feature_list, 0), 0).unsqueeze(0)


class Net(nn.Module):
    def __init__(self, n_words, embed_size, hidden_size):
        super().__init__()
        self.word_weight = nn.Parameter(torch.randn(2 * hidden_size, 2 * hidden_size))
        self.word_bias = nn.Parameter(torch.randn(1, 2 * hidden_size))
        self.context_weight = nn.Parameter(torch.randn(2 * hidden_size, 1))
        vectors = torch.randn(n_words, embed_size)
        self.lookup = nn.Embedding(n_words, embed_size).from_pretrained(vectors)
        self.lookup2 = nn.Embedding.from_pretrained(vectors, freeze=True)
        self.gru = nn.GRU(embed_size, hidden_size, bidirectional=True)

    def forward(self, input, hidden_state):
        output = self.lookup(input)
        f_output, h_output = self.gru(output.float(), hidden_state)
        output = matrix_mul(f_output, self.word_weight, self.word_bias)
        output = matrix_mul(output, self.context_weight).permute(1, 0)
        output = F.softmax(output, dim=1)
        return element_wise_mul(f_output, output.permute(1, 0)), h_output, self.lookup2(input)
''', {"n_words": 20, "embed_size": 6, "hidden_size": 5}, ["int64[7,3]", "float32[2,3,5]"])
    assert static == [(1, 3, 10), (2, 3, 5), (7, 3, 6)] == real


def test_a_number_chosen_by_a_branch_stays_a_number(tmp_path):
    # dropout = p if self.training else 0: either way a number, so x / (1 - dropout) keeps x
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, p):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden)
        self.p = p

    def forward(self, x):
        dropout = self.p if self.training else 0
        mask = x.new_ones(1, x.size(1), x.size(2)).expand_as(x) / (1 - dropout)
        out, _ = self.rnn(mask * x)
        return out
''', {"n_in": 5, "hidden": 11, "p": 0.25}, ["float32[7,3,5]"])
    assert static == (7, 3, 11) == real


def test_elementwise_predicates_keep_the_shape(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)

    def forward(self, obs1, obs2):
        track_mask = (torch.isnan(obs1[:, 0]) + torch.isnan(obs2[:, 0])) == 0
        out, _ = self.rnn(obs2.masked_fill(obs2.isnan(), 0.0))
        return track_mask, torch.logical_not(track_mask), out
''', {"n_in": 5, "hidden": 11}, ["float32[3,7,5]", "float32[3,7,5]"])
    assert static == [(3, 5), (3, 5), (3, 7, 11)] == real


def test_split_into_pieces(tmp_path):
    # one step at a time (split(1, dim=1)), pieces of a size, and sizes listed
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.lstm1 = nn.LSTMCell(1, hidden)
        self.linear = nn.Linear(hidden, 1)
        self.hidden = hidden

    def forward(self, input, future=0):
        outputs = []
        h_t = torch.zeros(input.size(0), self.hidden)
        c_t = torch.zeros(input.size(0), self.hidden)
        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            output = self.linear(h_t)
            outputs += [output]
        for i in range(future):
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            output = self.linear(h_t)
            outputs += [output]
        a, b = torch.split(input, [2, 5], dim=1)
        pieces = input.split(2, dim=1)
        return torch.cat(outputs, dim=1), a, b, pieces[0], pieces[-1], torch.stack(
            input.split(7, 1))
''', {"hidden": 11}, ["float32[3,7]"])
    assert static == [(3, 7), (3, 2), (3, 5), (3, 2), (3, 1), (1, 3, 7)] == real


def test_chunk_of_an_axis_that_is_not_a_multiple_is_not_counted(tmp_path):
    torch = pytest.importorskip("torch")
    assert len(torch.randn(4, 2).chunk(3)) == 2  # 2 + 2, not three chunks
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden)

    def forward(self, x):
        out, h = self.rnn(x)
        return out.chunk(3, dim=0)
''', {"n_in": 5, "hidden": 11}, ["float32[4,2,5]"])
    assert real == [(2, 2, 11), (2, 2, 11)] and static is None


def test_np_prod_of_a_shape(tmp_path):
    static, real = run_both(tmp_path, '''
import numpy as np


class Net(nn.Module):
    def __init__(self, state_shape, action_shape, hidden):
        super().__init__()
        self.fc1 = nn.Linear(int(np.prod(state_shape)), hidden)
        self.nn = nn.LSTM(hidden, hidden, batch_first=True)
        self.fc2 = nn.Linear(hidden, int(np.prod(action_shape)))
        self.sigma = nn.Parameter(torch.zeros(int(np.prod(action_shape)), 1))

    def forward(self, obs):
        obs, (h, c) = self.nn(self.fc1(obs))
        return self.fc2(obs[:, -1]), self.sigma
''', {"state_shape": [4, 5], "action_shape": [2], "hidden": 11}, ["float32[3,7,20]"])
    assert static == [(3, 2), (2, 1)] == real


def test_lists_of_unknown_length_added_and_repeated(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, layers):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, layers, bidirectional=True)
        self.layers = layers

    def forward(self, x):
        out, (h, c) = self.rnn(x)
        steps = []
        for row in out:
            if row.sum() > 1e9:
                break
            steps += [row]
        both = steps + [out[0]]
        mask = torch.cat(2 * [torch.eye(self.layers)])
        return torch.stack(both, dim=1), mask
''', {"n_in": 5, "hidden": 11, "layers": 2}, ["float32[7,3,5]"])
    assert static == [(3, None, 22), (4, 2)] and real == [(3, 8, 22), (4, 2)]


def test_a_long_loop_runs_its_first_passes_one_by_one(tmp_path):
    # a decoder whose first steps are special cases (t == 0 starts the states, t == 1 a blank
    # symbol), then feeds back the previous step's logits; the list is sliced past step 0
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_feat, vocab, max_length):
        super().__init__()
        self.max_length = max_length
        self.vocab = vocab
        self.embed = nn.Linear(vocab + 1, n_feat)
        self.lstm_cell = nn.LSTMCell(n_feat, n_feat)
        self.output_dense = nn.Linear(n_feat, vocab + 1)

    def forward(self, holistic):
        logits_list = []
        for t in range(self.max_length + 1):
            if t == 0:
                h = c = torch.zeros(holistic.size(0), holistic.size(1))
                prev_symbol = holistic
            elif t == 1:
                prev_symbol = self.embed(torch.zeros(holistic.size(0), self.vocab + 1))
            else:
                index = logits_list[t - 1].argmax(-1)
                prev_symbol = self.embed(F.one_hot(index, self.vocab + 1).float())
            h, c = self.lstm_cell(prev_symbol, (h, c))
            logits_list.append(self.output_dense(h))
        return torch.stack(logits_list[1:]).permute(1, 0, 2), logits_list[-3:]
''', {"n_feat": 6, "vocab": 4, "max_length": 11}, ["float32[3,6]"])
    assert static[0] == (3, 11, 5) == real[0]
    assert real[1] == [(3, 5)] * 3


def test_slices_of_lists_of_known_length():
    from lstm_lint.interp.subscripts import slice_count
    from lstm_lint.ops import SliceVal
    from lstm_lint.symbolic import const, sym
    from lstm_lint.values import Const, Int

    none = Const(None)
    for n in range(5):
        for lo in (-3, -1, 0, 1, 2, 7):
            for hi in (None, -1, 1, 3):
                sv = SliceVal(Int(const(lo)), none if hi is None else Int(const(hi)), none)
                assert slice_count(const(n), sv) == const(len(list(range(n))[lo:hi]))
    T = sym("T")
    assert slice_count(T, SliceVal(Int(const(1)), none, none)) == T - 1
    assert slice_count(T, SliceVal(Int(const(-2)), none, none)) is None  # min(2, T)


def test_a_property_is_read_by_running_it(tmp_path):
    static, real = run_both(tmp_path, '''
class Base(nn.Module):
    def __init__(self, output_chunk_length):
        super().__init__()
        self._output_chunk_length = output_chunk_length

    @property
    def output_chunk_length(self):
        return self._output_chunk_length


class Net(Base):
    def __init__(self, n_in, hidden, output_chunk_length):
        super().__init__(output_chunk_length)
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)

    def forward(self, x):
        out, _ = self.rnn(x)
        return out[:, -self.output_chunk_length:, :]
''', {"n_in": 5, "hidden": 11, "output_chunk_length": 4}, ["float32[3,7,5]"])
    assert static == (3, 4, 11) == real


def test_a_product_with_one_operand_of_unknown_shape(tmp_path):
    # attention weights of unknown shape times the encoder outputs: bmm keeps the batch and
    # the outputs' width, mm the rows of one and the columns of the other
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, emb, enc_hid, dec_hid):
        super().__init__()
        self.rnn = nn.GRU(enc_hid * 2 + emb, dec_hid)
        self.w = nn.Parameter(torch.randn(enc_hid * 2, 4))

    def forward(self, embedded, hidden, encoder_outputs, scores):
        a = scores.softmax(1).cumsum(1).unsqueeze(1)
        encoder_outputs = encoder_outputs.permute(1, 0, 2)
        weighted = torch.bmm(a, encoder_outputs).permute(1, 0, 2)
        output, hidden = self.rnn(torch.cat((embedded, weighted), dim=2), hidden.unsqueeze(0))
        flat = encoder_outputs[:, 0].cumsum(0)
        return output, torch.mm(flat, self.w), torch.matmul(flat, self.w)
''', {"emb": 6, "enc_hid": 8, "dec_hid": 10},
        ["float32[1,3,6]", "float32[3,10]", "float32[7,3,16]", "float32[3,7]"])
    assert static == [(1, 3, 10), (None, 4), ("*", 4)]
    assert real == [(1, 3, 10), (3, 4), (3, 4)]


def test_where_broadcasts_its_three_operands(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)

    def forward(self, x, mask):
        out, h = self.rnn(x)
        scores = out @ out.transpose(1, 2)
        scores = torch.where(mask > 0, scores, scores.new_full([1], -1e9))
        wide = torch.where(mask[:, :1, :1] > 0, out, torch.zeros(1, 1, 1))
        return scores, out.where(mask[:, :, :1] > 0, h.transpose(0, 1)), wide
''', {"n_in": 5, "hidden": 11}, ["float32[3,7,5]", "float32[3,1,7]"])
    assert static == [(3, 7, 7), (3, 7, 11), (3, 7, 11)] == real


def test_reversed_range_runs_as_many_passes(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_feat, hidden):
        super().__init__()
        self.decoder = nn.LSTM(n_feat, hidden, batch_first=True)
        self.hidden2output = nn.Linear(hidden, n_feat)

    def forward(self, ts_batch):
        dec_hidden = None
        outs = []
        for i in reversed(range(ts_batch.shape[1])):
            out, dec_hidden = self.decoder(ts_batch[:, i].unsqueeze(1), dec_hidden)
            outs.append(self.hidden2output(dec_hidden[0][0, :]))
        return torch.stack(outs, dim=1)
''', {"n_feat": 5, "hidden": 11}, ["float32[3,7,5]"])
    assert static == (3, 7, 5) == real


def test_a_loop_over_an_nn_sequential_visits_its_modules(tmp_path):
    static, real = run_both(tmp_path, '''
class MaskCNN(nn.Module):
    def __init__(self, sequential):
        super().__init__()
        self.sequential = sequential

    def forward(self, inputs):
        output = None
        for module in self.sequential:
            output = module(inputs)
            mask = torch.BoolTensor(output.size()).fill_(0)
            output = output.masked_fill(mask, 0)
            inputs = output
        return output


class Net(nn.Module):
    def __init__(self, n_mels, hidden):
        super().__init__()
        self.conv = MaskCNN(nn.Sequential(
            nn.Conv2d(1, 4, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(4, 4, kernel_size=3, stride=2, padding=1), nn.Hardtanh(0, 20)))
        self.rnn = nn.LSTM(4 * ((n_mels + 3) // 4), hidden, batch_first=True)

    def forward(self, x):
        feats = self.conv(x.unsqueeze(1).transpose(2, 3))
        b, c, d, t = feats.size()
        out, _ = self.rnn(feats.view(b, c * d, t).transpose(1, 2))
        return out
''', {"n_mels": 16, "hidden": 11}, ["float32[3,28,16]"])
    assert static == (3, 7, 11) == real


def test_cloned_layers_math_and_nn_glu(tmp_path):
    # multi-head attention with clones(nn.Linear, N) (copy.deepcopy), scores scaled by
    # math.sqrt(d_k), and an nn.GLU in a Sequential
    static, real = run_both(tmp_path, '''
import copy
import math


def clones(module, n):
    return nn.ModuleList([copy.deepcopy(module) for _ in range(n)])


class Net(nn.Module):
    def __init__(self, d_model, h, rnn_size):
        super().__init__()
        self.h, self.d_k = h, d_model // h
        self.linears = clones(nn.Linear(d_model, d_model), 1)
        self.att_lstm = nn.LSTMCell(d_model, rnn_size)
        self.att2ctx = nn.Sequential(nn.Linear(d_model + rnn_size, 2 * rnn_size), nn.GLU())

    def forward(self, xt, key, state):
        h_att, c_att = self.att_lstm(xt, (state[0][0], state[1][0]))
        nb = h_att.size(0)
        query = self.linears[0](h_att.unsqueeze(1)).view(nb, -1, self.h, self.d_k).transpose(1, 2)
        key_ = key.view(nb, -1, self.h, self.d_k).transpose(1, 2)
        scores = torch.matmul(query, key_.transpose(-2, -1)) / math.sqrt(self.d_k)
        att = torch.matmul(scores.softmax(-1), key_).transpose(1, 2).reshape(nb, -1)
        output = self.att2ctx(torch.cat([att, h_att], 1))
        return output, torch.stack((h_att, output))
''', {"d_model": 8, "h": 2, "rnn_size": 8},
        ["float32[3,8]", "float32[3,5,8]", "(float32[2,3,8],float32[2,3,8])"])
    assert static == [(3, 8), (2, 3, 8)] == real


def test_isinstance_of_torch_layers_and_conv_tuples(tmp_path):
    # output lengths computed per module of a Sequential: isinstance picks the formula, and a
    # convolution's padding/stride/... read back as tuples
    static, real = run_both(tmp_path, '''
class MaskCNN(nn.Module):
    def __init__(self, sequential):
        super().__init__()
        self.sequential = sequential

    def forward(self, inputs, seq_lengths):
        output = None
        for module in self.sequential:
            output = module(inputs)
            seq_lengths = self._get_sequence_lengths(module, seq_lengths)
            inputs = output
        return output, seq_lengths

    def _get_sequence_lengths(self, module, seq_lengths):
        if isinstance(module, nn.Conv2d):
            numerator = seq_lengths + 2 * module.padding[1] - module.dilation[1] * (
                module.kernel_size[1] - 1) - 1
            seq_lengths = numerator.float() / float(module.stride[1])
            seq_lengths = seq_lengths.int() + 1
        elif isinstance(module, nn.MaxPool2d):
            seq_lengths >>= 1
        return seq_lengths.int()


class Net(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = MaskCNN(nn.Sequential(
            nn.Conv2d(1, channels, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.MaxPool2d(2)))

    def forward(self, x, lengths):
        return self.conv(x.unsqueeze(1), lengths)
''', {"channels": 4}, ["float32[3,16,28]", "int64[3]"])
    assert static == [(3, 4, 4, 7), (3,)] == real


PIECES = HEADER + '''
class Sequence(nn.Module):
    """pytorch/examples' time_sequence_prediction: cells over input.split(1, dim=1)."""

    def __init__(self):
        super().__init__()
        self.lstm1 = nn.LSTMCell(1, 51)
        self.linear = nn.Linear(51, 1)

    def forward(self, input):
        outputs = []
        h_t = torch.zeros(input.size(0), 51)
        c_t = torch.zeros(input.size(0), 51)
        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            outputs += [self.linear(h_t)]
        return torch.cat(outputs, dim=1)


class Halves(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.a = nn.GRU(n_in, hidden, batch_first=True)
        self.b = nn.GRU(n_in, hidden, batch_first=True)

    def forward(self, x):
        left, right = x.chunk(2, dim=2)
        return self.a(left)[0] + self.b(right)[0]


class Chunks(nn.Module):
    """DeepADoTS: chunks of one step each, squeezed by keyword."""

    def __init__(self, n_in, hidden):
        super().__init__()
        self.cell = nn.LSTMCell(n_in, hidden)

    def forward(self, x):
        outs = []
        for x_t in x.chunk(x.size(1), dim=1):
            h, c = self.cell(x_t.squeeze(dim=1))
            outs += [h]
        return torch.stack(outs, 1)


class Steps(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.cell = nn.GRUCell(n_in, hidden)
        self.head = nn.Linear(hidden, 2)

    def forward(self, x):
        return self.head(torch.stack([self.cell(x_t) for x_t in x.unbind(1)], dim=1))
'''


@pytest.mark.parametrize("name, symbolic_in, symbolic_out, kwargs, spec", [
    ("Sequence", "(B, L)", "(B, L)", {}, "float32[3,7]"),
    # the chunked axis is free here: its length (2*n_in) is only what torch would demand
    ("Halves", "(B, T, L)", "(B, T, hidden)", {"n_in": 5, "hidden": 11}, "float32[3,7,10]"),
    ("Steps", "(B, L, n_in)", "(B, L, 2)", {"n_in": 5, "hidden": 11}, "float32[3,7,5]"),
    # x.size(1) chunks: their number is symbolic, so the stacked output is not claimed
    ("Chunks", "(B, L, n_in)", None, {"n_in": 5, "hidden": 11}, "float32[3,7,5]"),
])
def test_an_input_cut_into_pieces_is_solved_from_a_piece(tmp_path, name, symbolic_in,
                                                         symbolic_out, kwargs, spec):
    """``x.split(1, dim=1)``, ``x.chunk(2, dim=2)``, ``x.unbind(1)`` of a forward input: a
    piece's consumer tells the input's other axes; the cut axis is a free size of its own."""
    torch = pytest.importorskip("torch")
    path = tmp_path / "pieces.py"
    path.write_text(PIECES)
    fm = load(str(path), prefilter=False)
    project = Project([str(path)])
    sym_ms = analyze_module(fm, fm.classes[name], project)
    assert sym_ms.inputs[0].shape.render() == symbolic_in
    if symbolic_out is not None:
        assert sym_ms.output.shape.render() == symbolic_out
    ms = analyze_module(fm, fm.classes[name], project, [],
                        {k: from_json(v) for k, v in kwargs.items()}, [parse_spec(spec)])
    ns: dict = {}
    exec(PIECES, ns)
    real = ns[name](**kwargs)(_torch_input(torch, spec))
    assert tuple(d.as_int() for d in ms.output.shape.dims) == tuple(real.shape)


UNPACKED = HEADER + '''
class Frames(nn.Module):
    """A video model: the frames go through a CNN the engine does not follow."""

    def __init__(self, latent, hidden, n_classes):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(3, latent, 3), nn.AdaptiveAvgPool2d(1))
        self.lstm = nn.LSTM(latent, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_classes)

    def forward(self, x):
        batch_size, seq_length, c, h, w = x.shape
        x = self.encoder(x.view(batch_size * seq_length, c, h, w).cumsum(1))
        x, _ = self.lstm(x.view(batch_size, seq_length, -1))
        return self.out(x[:, -1])
'''


def test_an_input_unpacked_by_rank_is_solved_to_that_rank(tmp_path):
    """``batch_size, seq_length, c, h, w = x.shape`` runs only on a 5-d ``x``: when no consumer
    solves the input, it is that rank, with the batch and time where the names say."""
    torch = pytest.importorskip("torch")
    path = tmp_path / "frames.py"
    path.write_text(UNPACKED)
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Frames"], Project([str(path)]))
    assert ms.inputs[0].shape.render() == "(B, T, L, L2, L3)"
    assert ms.output.shape.render() == "(B, n_classes)"
    ns: dict = {}
    exec(UNPACKED, ns)
    real = ns["Frames"](4, 6, 2)(torch.randn(3, 5, 3, 8, 8))
    assert tuple(real.shape) == (3, 2)


def test_an_input_joined_with_known_parts_is_solved_from_them(tmp_path):
    """``torch.cat([out, extra.unsqueeze(-1)], dim=-1)``: PyTorch needs every axis but the
    joined one equal, so ``extra`` is ``out``'s axes without the joined one."""
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)
        self.head = nn.Linear(hidden + 1, 2)

    def forward(self, x, extra):
        out, _ = self.rnn(x)
        return self.head(torch.cat([out, extra.unsqueeze(-1)], dim=-1))
''', {"n_in": 5, "hidden": 11}, ["float32[3,7,5]", "float32[3,7]"])
    assert static == (3, 7, 2) and real == (3, 7, 2)
    path = tmp_path / "model.py"
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Net"], Project([str(path)]))
    assert [v.shape.render() for v in ms.inputs] == ["(B, T, n_in)", "(B, T)"]


def test_legacy_constructor_sizes_and_a_tuple_default(tmp_path):
    """``torch.Tensor(self.n_layers[0], batch, hidden).zero_()`` (DeepADoTS): two or more
    positional arguments are sizes, known or not; under the defaults ``n_layers=(1, 1)`` the
    state is exact."""
    torch = pytest.importorskip("torch")
    src = HEADER + '''
class Net(nn.Module):
    def __init__(self, n, h, n_layers=(1, 1)):
        super().__init__()
        self.n_layers, self.h = n_layers, h
        self.lstm = nn.LSTM(n, h, batch_first=True, num_layers=self.n_layers[0])

    def forward(self, x):
        h0 = torch.Tensor(self.n_layers[0], x.shape[0], self.h).zero_()
        c0 = torch.Tensor(self.n_layers[0], x.shape[0], self.h).zero_()
        out, (h_n, c_n) = self.lstm(x, (h0, c0))
        return out, h0
'''
    path = tmp_path / "legacy.py"
    path.write_text(src)
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Net"], Project([str(path)]))
    assert ms.output.items[1].shape.render() == "(?, B, h)"
    ns: dict = {}
    exec(src, ns)
    out, h0 = ns["Net"](5, 7)(torch.randn(3, 4, 5))
    kw = {"n": from_json(5), "h": from_json(7), "n_layers": from_json([1, 1])}
    ms = analyze_module(fm, fm.classes["Net"], Project([str(path)]), [], kw,
                        [parse_spec("float32[3,4,5]")])
    assert _static_tree(ms.output) == [tuple(out.shape), tuple(h0.shape)]


# ---- states passed as one argument: a tuple solved part by part -----------------------------


def _evaluated(v, sizes: dict):
    """The engine's value with every size evaluated under ``sizes`` (None: unknown axis)."""
    if isinstance(v, Tensor):
        if v.shape is None or v.shape.star:
            return None
        return tuple(d.evaluate(sizes) if d is not None else None for d in v.shape.dims)
    if isinstance(v, Seq) and v.repeated is None:
        return [_evaluated(x, sizes) for x in v.items]
    return None


def _torch_value(torch, tree):
    if isinstance(tree, list):
        return tuple(_torch_value(torch, t) for t in tree)
    assert tree is not None and None not in tree, f"input not solved: {tree}"
    return torch.randn(*tree)


def solved_run(tmp_path, src: str, sizes: dict, cls: str = "Net", given: dict | None = None):
    """Analyse ``cls`` with no arguments (its inputs solved from their consumers), then build
    it with the constructor's sizes from ``sizes`` and run torch on the solved inputs with every
    symbol evaluated there: the engine's symbolic output, evaluated alike, must be torch's on
    every axis it claims (``given``: inputs by position that the engine leaves unsolved, each
    a shape tree).  Returns (the inputs as shown, the output as shown)."""
    from lstm_lint.shapes import value_text

    torch = pytest.importorskip("torch")
    code = HEADER + textwrap.dedent(src)
    path = tmp_path / "model.py"
    path.write_text(code)
    ns: dict = {}
    exec(compile(code, str(path), "exec"), ns)
    fm = load(str(path), prefilter=False)
    c = next(c for c in fm.module_classes() if c.name == cls)
    ms = analyze_module(fm, c, Project([str(path)]))
    import inspect

    ctor = [p for p in inspect.signature(ns[cls].__init__).parameters if p != "self"]
    torch.manual_seed(0)
    model = ns[cls](**{p: sizes[p] for p in ctor if p in sizes}).eval()
    with torch.no_grad():
        real = _torch_tree(torch, model(*[
            _torch_value(torch, (given or {}).get(i) or _evaluated(v, sizes))
            for i, v in enumerate(ms.inputs)]))
    static = _evaluated(ms.output, sizes)
    assert _agrees(static, real), f"engine {static} but torch {real}"
    return [value_text(v) for v in ms.inputs], value_text(ms.output)


def test_an_lstm_given_its_state_whole_solves_both_parts(tmp_path):
    """``self.rnn(x, hidden)`` with ``hidden`` a forward input: PyTorch needs it to be
    ``(h_0, c_0)``, each ``(D*num_layers, B, H)`` (``H_out`` for h_0, ``hidden_size`` for c_0)."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden_size, num_layers, proj):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden_size, num_layers, batch_first=True,
                           bidirectional=True, proj_size=proj)
        self.fc = nn.Linear(2 * proj, 3)

    def forward(self, x, hidden):
        out, hidden = self.rnn(x, hidden)
        return self.fc(out), hidden
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 5, "hidden_size": 7, "num_layers": 2,
                                          "proj": 4, "B": 3, "T": 6})
    assert ins == ["(B, T, n_in)",
                   "((2*num_layers, B, proj), (2*num_layers, B, hidden_size))"]
    assert out == "((B, T, 3), ((2*num_layers, B, proj), (2*num_layers, B, hidden_size)))"


def test_a_state_unpacked_into_h_and_c_solves_the_argument(tmp_path):
    """``h, c = hidden`` then ``self.rnn(x, (h, c))``: each part is an input of its own, and the
    argument is the tuple of the two."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden_size, num_layers):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden_size, num_layers)

    def forward(self, x, hidden):
        h, c = hidden
        out, (h, c) = self.rnn(x, (h, c))
        return out[-1], h
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 5, "hidden_size": 7, "num_layers": 2,
                                          "B": 3, "T": 6})
    assert ins == ["(T, B, n_in)",
                   "((num_layers, B, hidden_size), (num_layers, B, hidden_size))"]
    assert out == "((B, hidden_size), (num_layers, B, hidden_size))"


def test_a_state_indexed_part_by_part_solves_the_argument(tmp_path):
    """``(hidden[0], hidden[1])``: the same parts, read by index."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden_size):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, 2)

    def forward(self, x, hidden):
        out, hidden = self.rnn(x, (hidden[0], hidden[1]))
        return self.fc(hidden[0][-1])
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 5, "hidden_size": 7, "B": 3, "T": 6})
    assert ins == ["(B, T, n_in)", "((1, B, hidden_size), (1, B, hidden_size))"]
    assert out == "(B, 2)"


def test_rows_and_slices_of_state_parts_leave_the_layer_axis_free(tmp_path):
    """``initial_hidden[0][0:1]`` into a one-layer LSTM, ``state[0][i]`` into a cell: the
    consumer tells the row's shape, and axis 0 of the part is a free size (never the slice's
    length: the caller passes every layer's state and the code cuts one out)."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden_size):
        super().__init__()
        self.first = nn.LSTM(n_in, hidden_size, batch_first=True)
        self.cell = nn.LSTMCell(hidden_size, hidden_size)

    def forward(self, x, initial_hidden):
        out, _ = self.first(x, (initial_hidden[0][0:1], initial_hidden[1][0:1]))
        h, c = self.cell(out[:, -1], (initial_hidden[0][1], initial_hidden[1][1]))
        return h, c
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 5, "hidden_size": 7, "B": 3, "T": 6,
                                          "L": 2, "L2": 4})
    assert ins == ["(B, T, n_in)", "((L, B, hidden_size), (L2, B, hidden_size))"]
    assert out == "((B, hidden_size), (B, hidden_size))"


def test_a_cell_state_passed_as_one_argument(tmp_path):
    """StackedLSTM (OpenNMT): ``h_0, c_0 = hidden``, then ``h_0[i]`` per layer into a cell."""
    src = '''
class Net(nn.Module):
    def __init__(self, num_layers, input_size, hidden_size):
        super().__init__()
        self.num_layers = num_layers
        self.layers = nn.ModuleList()
        for _ in range(num_layers):
            self.layers.append(nn.LSTMCell(input_size, hidden_size))
            input_size = hidden_size

    def forward(self, input_feed, hidden):
        h_0, c_0 = hidden
        h_1, c_1 = [], []
        for i, layer in enumerate(self.layers):
            h_1_i, c_1_i = layer(input_feed, (h_0[i], c_0[i]))
            input_feed = h_1_i
            h_1 += [h_1_i]
            c_1 += [c_1_i]
        return input_feed, (torch.stack(h_1), torch.stack(c_1))
'''
    ins, out = solved_run(tmp_path, src, {"num_layers": 2, "input_size": 5, "hidden_size": 7,
                                          "B": 3, "L": 2, "L2": 2}, given={0: (3, 5)})
    # the input's width is input_size for the first cell and hidden_size after it: not claimed
    assert ins[0] == "(B, ?)"
    assert ins[1] == "((L, B, hidden_size), (L2, B, hidden_size))"
    assert out.endswith("((num_layers, B, hidden_size), (num_layers, B, hidden_size)))")


def test_a_state_read_at_one_index_only_stays_unknown(tmp_path):
    """``hidden[0]`` alone could be a tuple's first part or a tensor's first row: the argument
    is not claimed either way (and a GRU's whole state argument is one tensor)."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden_size):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden_size)

    def forward(self, x, hidden, h0):
        out, h = self.rnn(x, hidden[0])
        out2, h2 = self.rnn(x, h0)
        return out + out2
'''
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(src))
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Net"], Project([str(path)]))
    from lstm_lint.shapes import value_text

    assert [value_text(v) for v in ms.inputs] == ["(T, B, n_in)", "unknown",
                                                  "(1, B, hidden_size)"]


def test_rows_of_a_part_that_disagree_leave_it_unknown(tmp_path):
    """``states[0][0]`` and ``states[0][1]`` as one layer's ``(h, c)`` of a projecting LSTM:
    (1, B, proj) and (1, B, hidden_size) are not rows of one tensor, so ``states[0]`` is a
    tuple here, not the first row's tensor: unknown, and no finding under the defaults."""
    torch = pytest.importorskip("torch")
    src = HEADER + textwrap.dedent('''
class Net(nn.Module):
    def __init__(self, n_in=5, hidden_size=8, proj=4):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden_size, proj_size=proj)

    def forward(self, x, states):
        out, _ = self.rnn(x, (states[0][0], states[0][1]))
        return out
''')
    path = tmp_path / "model.py"
    path.write_text(src)
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Net"], Project([str(path)]))
    from lstm_lint.lint import Options, lint_paths
    from lstm_lint.shapes import value_text

    assert [value_text(v) for v in ms.inputs] == ["(T, B, n_in)", "unknown"]
    assert value_text(ms.output) == "(T, B, proj)"
    assert [f for r in lint_paths([str(path)], Options()) for f in r.findings] == []
    ns: dict = {}
    exec(src, ns)
    out = ns["Net"]()(torch.randn(6, 3, 5), [(torch.zeros(1, 3, 4), torch.zeros(1, 3, 8))])
    assert tuple(out.shape) == (6, 3, 4)


def test_a_tuple_batch_unpacked_in_forward(tmp_path):
    """``x, h0 = batch``: each element is an input of its own, the batch their tuple."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden_size):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden_size, 2)

    def forward(self, batch):
        x, h0 = batch
        out, h = self.rnn(x, h0)
        return out[-1]
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 5, "hidden_size": 7, "B": 3, "T": 6})
    assert ins == ["((T, B, n_in), (2, B, hidden_size))"]
    assert out == "(B, hidden_size)"


@pytest.mark.parametrize("cell, state_in, state_out", [
    ("LSTMCell", "((B, hidden_size), (B, hidden_size))",
     "((B, hidden_size), (B, hidden_size))"),
    ("GRUCell", "(B, hidden_size)", "(B, hidden_size)"),
])
def test_a_state_input_beside_an_input_of_unknown_shape(tmp_path, cell, state_in, state_out):
    """MDRNNCell (world-models): the cell's input is joined from two inputs nothing solves, so
    its shape is unknown; the state argument is still what PyTorch needs for a batched input,
    (B, hidden_size) each, and the cell's output takes its batch from it."""
    src = f'''
class Net(nn.Module):
    def __init__(self, n_a, n_b, hidden_size):
        super().__init__()
        self.cell = nn.{cell}(n_a + n_b, hidden_size)

    def forward(self, a, b, hidden):
        return self.cell(torch.cat([a, b], dim=1), hidden)
'''
    ins, out = solved_run(tmp_path, src, {"n_a": 4, "n_b": 5, "hidden_size": 7, "B": 3},
                          given={0: (3, 4), 1: (3, 5)})
    assert ins == ["unknown", "unknown", state_in]
    assert out == state_out


def test_an_lstm_state_input_beside_an_input_of_unknown_shape(tmp_path):
    """RNNModel (pytorch/examples, rpc): the LSTM's input comes from code the engine does not
    follow; ``hidden`` is still ``(h_0, c_0)`` of ``(num_layers, B, hidden_size)``, and the
    output's batch is the state's."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_a, n_b, hidden_size, num_layers):
        super().__init__()
        self.rnn = nn.LSTM(n_a + n_b, hidden_size, num_layers)

    def forward(self, a, b, hidden):
        return self.rnn(torch.cat([a, b], dim=2), hidden)
'''
    ins, out = solved_run(tmp_path, src, {"n_a": 4, "n_b": 5, "hidden_size": 7,
                                          "num_layers": 2, "B": 3},
                          given={0: (6, 3, 4), 1: (6, 3, 5)})
    assert ins == ["unknown", "unknown",
                   "((num_layers, B, hidden_size), (num_layers, B, hidden_size))"]
    assert out == "((?, B, hidden_size), ((num_layers, B, hidden_size), " \
                  "(num_layers, B, hidden_size)))"


def test_multinomial_draws_per_row(tmp_path):
    """``torch.multinomial(probs, n)`` / ``probs.multinomial(n)``: n indices from each row,
    ``(B, n)`` from ``(B, V)`` and ``(n,)`` from ``(V,)``."""
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, vocab):
        super().__init__()
        self.fc = nn.Linear(n_in, vocab)

    def forward(self, x):
        probs = torch.softmax(self.fc(x), dim=-1)
        rows = torch.multinomial(probs, 4, replacement=True)
        one = probs[0].multinomial(2)
        return rows, one, rows.view(-1)
''', {"n_in": 5, "vocab": 9}, ["float32[3,5]"])
    assert static == [(3, 4), (2,), (12,)] and real == [(3, 4), (2,), (12,)]


def test_a_tensor_made_from_a_list_of_numbers(tmp_path):
    """``torch.LongTensor([start] * batch_size)`` and ``torch.tensor([a, b])``: a 1-d tensor as
    long as the list; a legacy constructor given a tuple (``torch.Tensor(x.size())``) reads
    sizes, and is not taken for data."""
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, start):
        super().__init__()
        self.start = start

    def forward(self, x):
        batch_size = x.size(0)
        first = torch.LongTensor([self.start] * batch_size)
        sizes = torch.tensor([x.size(0), x.size(1)])
        scales = torch.FloatTensor([0.5, 1.5, 2.5])
        like = torch.Tensor(x.size())
        return first, sizes, scales, like
''', {"start": 1}, ["float32[3,5]"])
    assert static[:3] == [(3,), (2,), (3,)] and real == [(3,), (2,), (3,), (3, 5)]
    assert static[3] in (None, (3, 5))


# ---- sizes read off an input before anything solves it -------------------------------------


@pytest.mark.parametrize("read", ["z.size(0)", "z.shape[0]", "len(z)"])
def test_a_batch_read_off_an_input_before_its_consumer_solves_it(tmp_path, read):
    """RnnDecoder (ptvae): ``bs = z.size(0)`` comes before any layer tells ``z``'s shape; the
    start token built from ``bs`` and the state built from ``z`` meet at the GRU, which solves
    ``z`` as ``(B, z_dim)``; the code's name ``bs`` makes that axis the batch."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_tok, z_in, hidden, z_dim):
        super().__init__()
        self.to_hid = nn.Linear(z_dim, hidden)
        self.to_in = nn.Linear(z_dim, z_in)
        self.gru = nn.GRU(n_tok + z_in, hidden, batch_first=True)
        self.start = nn.Parameter(torch.rand(n_tok))
        self.out = nn.Linear(hidden, 12)

    def forward(self, z):
        bs = READ
        h = self.to_hid(z).unsqueeze(0)
        z_in = self.to_in(z).unsqueeze(1)
        token = self.start.repeat(bs, 1).unsqueeze(1)
        step, h = self.gru(torch.cat([token, z_in], dim=-1), h)
        return self.out(step), h
'''.replace("READ", read)
    ins, out = solved_run(tmp_path, src, {"n_tok": 5, "z_in": 4, "hidden": 7, "z_dim": 6,
                                          "B": 3})
    assert ins == ["(B, z_dim)"]
    assert out == "((B, 1, 12), (1, B, hidden))"


def test_a_size_read_off_an_input_nothing_solves_stays_that_size(tmp_path):
    """ALSTMModel (qlib): ``x.reshape(len(x), d_feat, -1)`` of an input no layer solves: the
    output's batch is still ``len(x)``, shown as the size of the input's first axis."""
    src = '''
class Net(nn.Module):
    def __init__(self, d_feat, hidden):
        super().__init__()
        self.d_feat = d_feat
        self.rnn = nn.GRU(d_feat, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, x):
        x = x.reshape(len(x), self.d_feat, -1)
        x = x.permute(0, 2, 1)
        out, _ = self.rnn(x)
        return self.fc(out[:, -1, :])[..., 0]
'''
    ins, out = solved_run(tmp_path, src, {"d_feat": 6, "hidden": 7, "x_dim0": 3},
                          given={0: (3, 6 * 5)})
    assert ins == ["unknown"]
    assert out == "(x_dim0,)"


def test_a_batch_read_off_lengths_is_no_fixed_batch(tmp_path):
    """``zeros(layers, lengths.size(0), H)``: the lengths nothing solves are the caller's data,
    so the state's batch is the caller's too, never a fixed one (no LST305)."""
    code = HEADER + textwrap.dedent('''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.hidden = hidden
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)

    def forward(self, x, lengths):
        h0 = torch.zeros(1, lengths.size(0), self.hidden)
        out, _ = self.rnn(x, h0)
        return out
''')
    path = tmp_path / "model.py"
    path.write_text(code)
    from lstm_lint.lint import Options, lint_paths

    assert [f.code for r in lint_paths([str(path)], Options()) for f in r.findings] == []


def test_the_batch_of_an_input_that_stays_unsolved(tmp_path):
    """Decoder (sgan): ``batch = last_pos.size(0)`` sizes the step input the LSTM reads, and no
    layer ever tells ``last_pos``'s own shape; the code's name makes that size the batch, so the
    state and the output read ``B``, not a size of their own."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_emb, hidden, num_layers):
        super().__init__()
        self.n_emb, self.hidden = n_emb, hidden
        self.embed = nn.Linear(2, n_emb)
        self.rnn = nn.LSTM(n_emb, hidden, num_layers)
        self.out = nn.Linear(hidden, 2)

    def forward(self, last_pos, state):
        batch = last_pos.size(0)
        x = self.embed(last_pos).view(1, batch, self.n_emb)
        out, state = self.rnn(x, state)
        return self.out(out.view(-1, self.hidden)), state
'''
    ins, out = solved_run(tmp_path, src, {"n_emb": 4, "hidden": 5, "num_layers": 2, "B": 3},
                          given={0: (3, 2)})
    assert ins == ["unknown", "((num_layers, B, hidden), (num_layers, B, hidden))"]
    assert out == "((B, 2), ((num_layers, B, hidden), (num_layers, B, hidden)))"


def test_an_input_reshaped_with_minus_one_before_anything_solves_it(tmp_path):
    """Net (pytorch/examples mnist_rnn): ``x.reshape(-1, 28, 28)`` of an input no layer has
    solved: the -1 axis holds what 28*28 leaves of the input's element count."""
    src = '''
class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.rnn = nn.LSTM(28, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 10)

    def forward(self, x):
        x = x.reshape(-1, 28, 28)
        out, _ = self.rnn(x)
        return self.fc(out[:, -1, :])
'''
    ins, out = solved_run(tmp_path, src, {"hidden": 7, "x_numel": 3 * 784},
                          given={0: (3, 1, 28, 28)})
    assert ins == ["unknown"]
    assert out == "(((x_numel)//784), 10)"


def test_a_loop_count_from_the_int_of_a_true_division(tmp_path):
    """RnnDecoder (ptvae): ``for t in range(int(self.num_step / 4))``: the floor of the
    quotient, as Python gives for sizes."""
    src = '''
class Net(nn.Module):
    def __init__(self, num_step):
        super().__init__()
        self.num_step = num_step
        self.fc = nn.Linear(4, 5)

    def forward(self, x):
        x = x.view(-1, 4)
        outs = []
        for t in range(int(self.num_step / 4)):
            outs.append(self.fc(x).unsqueeze(1))
        return torch.cat(outs, dim=1)
'''
    ins, out = solved_run(tmp_path, src, {"num_step": 30, "x_numel": 12}, given={0: (3, 4)})
    assert out == "(((x_numel)//4), ((num_step)//4), 5)"


# ---- an input first indexed, sliced, convolved or attended before a consumer solves it -------


def test_an_input_sliced_on_its_last_axis_before_the_lstm(tmp_path):
    """``x[..., :n_keep]`` then an LSTM: the input's last axis is a free size of the caller's
    (never the slice's length), the others the LSTM's."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_keep, hidden):
        super().__init__()
        self.n_keep = n_keep
        self.rnn = nn.LSTM(n_keep, hidden)

    def forward(self, x):
        x = x[..., :self.n_keep]
        out, _ = self.rnn(x)
        return out
'''
    ins, out = solved_run(tmp_path, src, {"n_keep": 4, "hidden": 6, "B": 3, "T": 5, "L": 9})
    assert ins == ["(T, B, L)"]
    assert out == "(T, B, hidden)"


def test_an_input_read_at_one_index_of_its_last_axis(tmp_path):
    """``x[:, :, :, 0]`` into a batch-first GRU: the input has one more axis, a free size."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)

    def forward(self, x):
        out, h = self.rnn(x[:, :, :, 0])
        return out[:, -1], h
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 4, "hidden": 6, "B": 3, "T": 5, "L": 2})
    assert ins == ["(B, T, n_in, L)"]
    assert out == "((B, hidden), (1, B, hidden))"


def test_an_input_cut_one_step_at_a_time_in_a_loop(tmp_path):
    """``x[:, t:t + 1, :]`` per step, each joined to a vector and fed to an LSTM: the input's
    time axis is the caller's (the loop runs over it), its features the LSTM's less the
    vector's."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, n_extra, hidden):
        super().__init__()
        self.n_extra = n_extra
        self.rnn = nn.LSTM(n_in + n_extra, hidden, batch_first=True)

    def forward(self, x):
        outs = []
        extra = torch.zeros(x.size(0), 1, self.n_extra)
        for t in range(x.shape[1]):
            step = torch.cat((x[:, t:t + 1, :], extra), dim=2)
            out, _ = self.rnn(step)
            outs.append(out)
        return torch.cat(outs, dim=1)
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 4, "n_extra": 2, "hidden": 6, "B": 3,
                                          "L": 7})
    assert ins == ["(B, L, n_in)"]
    assert out == "(B, L, hidden)"


def test_an_input_into_a_conv2d_stack_first(tmp_path):
    """``nn.Sequential(Conv2d, ReLU)`` takes the input first: it is ``(B, C_in, H, W)``, both
    spatial sizes the caller's; a squeeze of the channel-less height and an LSTM after it."""
    src = '''
class Net(nn.Module):
    def __init__(self, c_in, c_out, hidden):
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(c_in, c_out, kernel_size=3, padding=1), nn.ReLU())
        self.rnn = nn.LSTM(c_out, hidden, batch_first=True)

    def forward(self, x):
        f = self.cnn(x)
        f = f.mean(2).transpose(1, 2)
        out, _ = self.rnn(f)
        return out
'''
    ins, out = solved_run(tmp_path, src, {"c_in": 2, "c_out": 5, "hidden": 6, "B": 3, "L": 4,
                                          "L2": 7})
    assert ins == ["(B, c_in, L, L2)"]
    assert out == "(B, L2, hidden)"


def test_an_input_unsqueezed_into_a_conv2d(tmp_path):
    """``x.unsqueeze(1)`` into ``Conv2d(1, ...)``: the input is ``(B, H, W)``."""
    src = '''
class Net(nn.Module):
    def __init__(self, c_out, hidden):
        super().__init__()
        self.conv = nn.Conv2d(1, c_out, kernel_size=(2, 1))
        self.rnn = nn.GRU(c_out, hidden)

    def forward(self, x):
        f = self.conv(x.unsqueeze(1)).sum(2).permute(2, 0, 1)
        return self.rnn(f)[0]
'''
    ins, out = solved_run(tmp_path, src, {"c_out": 5, "hidden": 6, "B": 3, "L": 4, "L2": 7})
    assert ins == ["(B, L, L2)"]
    assert out == "(L2, B, hidden)"


def test_an_input_first_read_by_multihead_attention(tmp_path):
    """``self.attn(x, x, x)`` first: the input is ``(T, B, embed_dim)`` (``(B, T, embed_dim)``
    batch first); the LSTM after it runs on the attended sequence."""
    src = '''
class Net(nn.Module):
    def __init__(self, d_model, heads, hidden):
        super().__init__()
        self.attn = nn.MultiheadAttention(d_model, heads, batch_first=bf)
        self.rnn = nn.LSTM(d_model, hidden, batch_first=bf)

    def forward(self, src):
        a, _ = self.attn(src, src, src)
        out, _ = self.rnn(a + src)
        return out
'''
    for bf, shape in ((False, "(T, B, d_model)"), (True, "(B, T, d_model)")):
        tmp = tmp_path / str(bf)
        tmp.mkdir()
        ins, out = solved_run(tmp, src.replace("batch_first=bf", f"batch_first={bf}"),
                              {"d_model": 8, "heads": 2, "hidden": 6, "B": 3, "T": 5})
        assert ins == [shape]
        assert out == shape.replace("d_model", "hidden")


def test_an_input_whose_size_was_read_is_a_tensor_at_its_last_row(tmp_path):
    """``x.size(1)`` then ``x[-1]``: only a tensor has a size, so ``x[-1]`` is its last row (not
    a tuple's last part), and the cell that reads the row solves the input."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.hidden = hidden
        self.cell = nn.LSTMCell(n_in, hidden)

    def forward(self, x):
        h = torch.zeros(x.size(1), self.hidden)
        c = torch.zeros(x.size(1), self.hidden)
        h, c = self.cell(x[-1], (h, c))
        return h
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 4, "hidden": 6, "B": 3, "L": 5})
    assert ins == ["(L, B, n_in)"]
    assert out == "(B, hidden)"


def test_sizes_unpacked_after_a_permute_name_the_input_axes(tmp_path):
    """``x = x.permute(2, 0, 1)`` then ``a, b, c = x.data.shape``: the input has rank 3 (each
    axis the caller's) whatever reads it later; the reshape by those names is exact."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.fc = nn.Linear(n_in, hidden)
        self.rnn = nn.GRU(hidden, hidden)

    def forward(self, x):
        x = x.permute(2, 0, 1)
        frames, samples, bins = x.data.shape
        x = self.fc(x.reshape(-1, bins))
        out, _ = self.rnn(x.reshape(frames, samples, -1))
        return out
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 4, "hidden": 6, "L": 3, "L2": 4, "L3": 5})
    assert ins == ["(L, L2, L3)"]
    assert out == "(L3, L, hidden)"


def test_a_linear_on_one_branch_of_a_flag_before_the_lstm(tmp_path):
    """``if self.has_input: x = self.input(x)`` and an LSTM built under the same flag: the
    input's width is ``n_in`` either way."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, emb, hidden, has_input=True):
        super().__init__()
        self.has_input = has_input
        if has_input:
            self.input = nn.Linear(n_in, emb)
            self.rnn = nn.LSTM(emb, hidden, batch_first=True)
        else:
            self.rnn = nn.LSTM(n_in, hidden, batch_first=True)

    def forward(self, x):
        if self.has_input:
            x = torch.relu(self.input(x))
        out, _ = self.rnn(x)
        return out
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 4, "emb": 5, "hidden": 6, "B": 3, "T": 7})
    assert ins == ["(B, T, n_in)"]
    assert out == "(B, T, hidden)"
    for flag in (True, False):
        run_both(tmp_path, src, {"n_in": 4, "emb": 5, "hidden": 6, "has_input": flag},
                 ["float32[3,7,4]"])


def test_a_batch_sorted_by_its_lengths_then_packed(tmp_path):
    """``lengths.sort(0, descending=True)``, ``x[perm]``, ``pack_padded_sequence(x, lengths)``:
    the lengths are one per sequence ``(B,)``; the rows taken by the permutation leave the
    input's axis 0 a free size (an index may repeat rows), the output the permutation's."""
    src = '''
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class Net(nn.Module):
    def __init__(self, n_in, hidden, n_out):
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, n_out)

    def forward(self, x, lengths):
        sorted_len, perm = lengths.sort(0, descending=True)
        _, recover = perm.sort(0, descending=False)
        packed = pack_padded_sequence(x[perm], sorted_len.cpu(), True)
        out, _ = self.lstm(packed, None)
        out, _ = pad_packed_sequence(out, batch_first=True)
        return self.fc(out)[recover]
'''
    torch = pytest.importorskip("torch")
    from lstm_lint.shapes import value_text

    code = HEADER + textwrap.dedent(src)
    path = tmp_path / "model.py"
    path.write_text(code)
    fm = load(str(path), prefilter=False)
    c = next(c for c in fm.module_classes() if c.name == "Net")
    ms = analyze_module(fm, c, Project([str(path)]))
    assert [value_text(v) for v in ms.inputs] == ["(L, T, n_in)", "(B,)"]
    assert value_text(ms.output) == "(B, T, n_out)"
    ns: dict = {}
    exec(compile(code, str(path), "exec"), ns)
    sizes = {"n_in": 4, "hidden": 5, "n_out": 3, "L": 3, "B": 3, "T": 6}
    model = ns["Net"](4, 5, 3).eval()
    with torch.no_grad():
        real = _torch_tree(torch, model(torch.randn(3, 6, 4), torch.tensor([6, 2, 4])))
    assert _agrees(_evaluated(ms.output, sizes), real)


def test_an_input_narrowed_before_the_gru(tmp_path):
    """``x.narrow(2, 0, n_in)`` into a GRU: the input's last axis is the caller's (at least
    ``n_in`` long), never the piece's length."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.n_in = n_in
        self.rnn = nn.GRU(n_in, hidden)

    def forward(self, x):
        out, h = self.rnn(x.narrow(2, 0, self.n_in))
        return out[-1]
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 4, "hidden": 6, "B": 3, "T": 5, "L": 7})
    assert ins == ["(T, B, L)"]
    assert out == "(B, hidden)"


def test_a_linear_on_a_cut_of_an_input_nothing_solves(tmp_path):
    """``self.fc(x[:, :k])`` and nothing else reads ``x``: its rank stays unknown, so the output
    keeps what the Linear decides, ``(*, n_out)`` (torch agrees on the last axis, any rank)."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.fc = nn.Linear(n_in, n_out)

    def forward(self, x, k):
        return self.fc(x[:, :k])
'''
    torch = pytest.importorskip("torch")
    from lstm_lint.shapes import value_text

    code = HEADER + textwrap.dedent(src)
    path = tmp_path / "model.py"
    path.write_text(code)
    fm = load(str(path), prefilter=False)
    c = next(c for c in fm.module_classes() if c.name == "Net")
    ms = analyze_module(fm, c, Project([str(path)]))
    assert value_text(ms.output) == "(*, n_out)"
    ns: dict = {}
    exec(compile(code, str(path), "exec"), ns)
    model = ns["Net"](3, 5).eval()
    with torch.no_grad():
        assert model(torch.randn(2, 4, 3), 2).shape[-1] == 5
        assert model(torch.randn(2, 4, 6, 3), 2).shape[-1] == 5


def test_view_minus_one_whose_quotient_is_not_a_plain_product(tmp_path):
    """``out.view(-1, hidden)`` of a bidirectional ``(T, B, 2*(hidden//2))``: whenever torch
    accepts the view the free axis is numel // hidden exactly, so the engine keeps that quotient
    (it was unknown because it does not simplify for an odd ``hidden``)."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, n_out):
        super().__init__()
        self.hidden = hidden
        self.lstm = nn.LSTM(n_in, hidden // 2, bidirectional=True)
        self.fc = nn.Linear(hidden, n_out)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out.view(-1, self.hidden))
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 4, "hidden": 6, "n_out": 3, "B": 2, "T": 5})
    assert ins == ["(T, B, n_in)"]
    assert out == "(((2*((hidden)//2)*B*T)//hidden), n_out)"


def test_view_minus_one_proven_not_to_divide_stays_unknown(tmp_path):
    from lstm_lint.ops import reshape
    from lstm_lint.symbolic import const
    from lstm_lint.values import Shape

    x = Tensor(Shape((const(3), const(5))))
    assert reshape(x, [const(-1), const(4)]).shape.dims[0] is None
    assert reshape(x, [const(-1), const(5)]).shape.dims[0] == const(3)


def test_a_child_built_as_one_of_two_user_classes(tmp_path):
    """``self.head = HeadA(...) if large else HeadB(...)``: its call runs both, and what they
    agree on is the output; torch agrees whichever class the caller picks."""
    src = '''
class HeadA(nn.Module):
    def __init__(self, n_in, tags):
        super().__init__()
        self.tags = tags
        self.fc = nn.Linear(n_in, tags * tags)

    def forward(self, x):
        return self.fc(x).view(-1, self.tags, self.tags)


class HeadB(nn.Module):
    def __init__(self, n_in, tags):
        super().__init__()
        self.tags = tags
        self.fc = nn.Linear(n_in, tags)

    def forward(self, x):
        s = self.fc(x).view(-1, self.tags, 1)
        return s.expand(s.size(0), self.tags, self.tags)


class Net(nn.Module):
    def __init__(self, n_in, hidden, tags, large):
        super().__init__()
        self.tags = tags
        self.rnn = nn.GRU(n_in, hidden)
        if large:
            self.head = HeadA(hidden, tags)
        else:
            self.head = HeadB(hidden, tags)

    def forward(self, x):
        out, _ = self.rnn(x)
        y = self.head(out.reshape(-1, out.size(2)))
        return y.view(x.size(0), x.size(1), self.tags, self.tags), self.head(out[-1])
'''
    for large in (True, False):
        sizes = {"n_in": 4, "hidden": 6, "tags": 3, "large": large, "B": 2, "T": 5}
        ins, out = solved_run(tmp_path, src, sizes)
        assert ins == ["(T, B, n_in)"]
        assert out == "((T, B, tags, tags), (B, tags, tags))"


def test_two_user_classes_picked_by_a_flag_keep_the_flag(tmp_path):
    """``Wide(n) if wide else Narrow(n)``: the width depends on the flag, and says so."""
    src = '''
class Wide(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.fc = nn.Linear(n, 2 * n)

    def forward(self, x):
        return self.fc(x)


class Narrow(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.fc = nn.Linear(n, n)

    def forward(self, x):
        return self.fc(x)


class Net(nn.Module):
    def __init__(self, n, wide):
        super().__init__()
        self.rnn = nn.GRU(n, n)
        self.head = Wide(n) if wide else Narrow(n)

    def forward(self, x):
        return self.head(self.rnn(x)[0])
'''
    for wide in (True, False):
        ins, out = solved_run(tmp_path, src, {"n": 4, "wide": wide, "B": 2, "T": 5})
        assert ins == ["(T, B, n)"]
        assert out == "(T, B, n*(2 if wide else 1))"


# ---- a tensor updated in place keeps its shape ---------------------------------------------


_RESIDUAL = '''
class Net(nn.Module):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.downsample = downsample

    def forward(self, x):
        residual = x
        out = self.conv2(self.conv1(x))
        if self.downsample is not None:
            residual = self.downsample(x)
        out += residual
        return out
'''


def test_in_place_add_keeps_the_left_operand_shape_when_the_operand_is_unknown(tmp_path):
    # `out += residual` with a residual whose channels the engine cannot tell (planes or
    # inplanes): the result is `out` itself, so its shape is out's, not a broadcast of both
    ins, out = solved_run(tmp_path, _RESIDUAL, {"inplanes": 4, "planes": 4, "stride": 1,
                                                "B": 2, "L": 6, "L2": 5})
    assert ins == ["(B, inplanes, L, L2)"]
    assert out == "(B, planes, ((L - 1)//stride) + 1, ((L2 - 1)//stride) + 1)"


def test_in_place_ops_keep_the_shape_with_an_operand_the_engine_does_not_model(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 3)

    def forward(self, x):
        out, _ = self.rnn(x)
        out += x.cumsum(2).sum(2, keepdim=True).cumsum(1)
        out *= 0.5
        out -= out.cumsum(1)
        out /= 2
        return out, self.fc(out[:, -1])
''', {"n_in": 4, "hidden": 6}, ["float32[3,7,4]"])
    assert static == [(3, 7, 6), (3, 3)] and real == static


def test_in_place_add_with_a_broadcast_operand(tmp_path):
    # the operand broadcasts into the target: (B, 1, H) into (B, T, H) stays (B, T, H)
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)

    def forward(self, x):
        out, (h, c) = self.rnn(x)
        out += h[-1].unsqueeze(1)
        return out
''', {"n_in": 4, "hidden": 6}, ["float32[3,7,4]"])
    assert static == (3, 7, 6) and real == static


def test_a_list_grown_in_place_is_not_a_tensor_update(tmp_path):
    # `parts += [y]` on a list stays list concatenation
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)

    def forward(self, x):
        out, h = self.rnn(x)
        parts = [out[:, -1]]
        parts += [h[-1]]
        return torch.cat(parts, dim=1)
''', {"n_in": 4, "hidden": 6}, ["float32[3,7,4]"])
    assert static == (3, 12) and real == static


def test_in_place_methods_keep_the_shape(tmp_path):
    # out.add_(residual) / out.mul_(gate) with operands whose channels may be planes or
    # inplanes: the result is out itself
    src = _RESIDUAL.replace("out += residual\n        return out",
                            "return out.add_(residual).mul_(torch.sigmoid(x))")
    ins, out = solved_run(tmp_path, src, {"inplanes": 5, "planes": 5, "stride": 1,
                                          "B": 2, "L": 6, "L2": 5})
    assert ins == ["(B, inplanes, L, L2)"]
    assert out == "(B, planes, ((L - 1)//stride) + 1, ((L2 - 1)//stride) + 1)"


# ---- a rank test on an input still to be solved ---------------------------------------------


_RANK_TEST = '''
class Net(nn.Module):
    def __init__(self, obs_dim, hidden, n_out):
        super().__init__()
        self.fc1 = nn.Linear(obs_dim, hidden)
        self.rnn = nn.LSTM(hidden, hidden, batch_first=True)
        self.fc2 = nn.Linear(hidden, n_out)

    def forward(self, obs):
        obs = torch.as_tensor(obs, dtype=torch.float32)
        if len(obs.shape) == 2:
            obs = obs.unsqueeze(-2)
        out, _ = self.rnn(self.fc1(obs))
        return self.fc2(out[:, -1])
'''


def test_a_rank_test_that_unsqueezes_leaves_the_input_to_its_consumer(tmp_path):
    # `if len(obs.shape) == 2: obs = obs.unsqueeze(-2)`: the path that left obs as it came
    # solves it from fc1 and the RNN; with the rank known the test is decided (not taken)
    ins, out = solved_run(tmp_path, _RANK_TEST, {"obs_dim": 5, "hidden": 6, "n_out": 3,
                                                 "B": 2, "T": 4})
    assert ins == ["(B, T, obs_dim)"]
    assert out == "(B, n_out)"


def test_a_rank_test_straight_into_an_rnn(tmp_path):
    ins, out = solved_run(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden)

    def forward(self, x):
        if x.dim() == 2:
            x = x.unsqueeze(1)
        out, h = self.rnn(x)
        return out[-1]
''', {"n_in": 5, "hidden": 6, "B": 2, "T": 4})
    assert ins == ["(T, B, n_in)"]
    assert out == "(B, hidden)"


def test_a_rank_test_on_the_solved_rank_with_the_input_given(tmp_path):
    # the other rank the code accepts: given (B, obs_dim), the test is taken, and the engine
    # agrees with torch on the step axis it added
    static, real = run_both(tmp_path, _RANK_TEST, {"obs_dim": 5, "hidden": 6, "n_out": 3},
                            ["float32[2,5]"])
    assert static == (2, 3) and real == static


def test_a_test_that_keeps_the_rank_leaves_the_input_unsolved(tmp_path):
    # a branch that transposes (same number of axes) may be the one the caller's data takes:
    # which axis the consumer reads as channels is not decided, so the input stays unsolved
    ins, out = solved_run(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.fc = nn.Linear(n_in, hidden)

    def forward(self, x):
        if x.shape[-1] != self.fc.in_features:
            x = x.transpose(1, 2)
        return self.fc(x)
''', {"n_in": 5, "hidden": 6}, given={0: (2, 7, 5)})
    assert ins == ["unknown"]


# ---- a function defined inside forward reads forward's variables ----------------------------


def test_a_nested_function_reads_self_and_the_enclosing_variables(tmp_path):
    # BiDAF-style: `def att_flow(c, q)` inside forward uses self's layers and a size computed
    # before it; its result is followed like forward's own code
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True, bidirectional=True)
        self.att = nn.Linear(2 * hidden, 1)

    def forward(self, x):
        steps = x.size(1)

        def attend(c):
            return self.att(c).squeeze(-1).expand(-1, steps)

        out, _ = self.rnn(x)
        return attend(out)
''', {"n_in": 4, "hidden": 6}, ["float32[3,7,4]"])
    assert static == (3, 7) and real == static


def test_a_nested_function_sees_a_variable_assigned_after_its_definition(tmp_path):
    # Python reads a closure's variables when it is called, not when it is defined
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)

    def forward(self, x):
        def last():
            return out[:, -1]

        out, _ = self.rnn(x)
        return last()
''', {"n_in": 4, "hidden": 6}, ["float32[3,7,4]"])
    assert static == (3, 6) and real == static


# ---- an RNN over a packed sequence of steps the engine cannot follow ------------------------


def test_a_packed_input_of_unknown_steps_pads_back_to_three_axes(tmp_path):
    # the steps come out of an op the engine does not model: the padded output still has
    # three axes and D*H features, and a head after it is checked against them
    static, real = run_both(tmp_path, '''
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True, bidirectional=True)

    def forward(self, x):
        lengths = torch.full((x.size(0),), x.size(1), dtype=torch.long)
        steps = torch.fft.ifft(torch.fft.fft(x)).real
        packed = pack_padded_sequence(steps, lengths, batch_first=True,
                                      enforce_sorted=False)
        out, _ = self.rnn(packed)
        return pad_packed_sequence(out, batch_first=True)[0]
''', {"n_in": 4, "hidden": 6}, ["float32[3,7,4]"])
    assert static[-1] == 12 and len(static) == 3 and real[-1] == 12


def test_a_none_default_the_code_indexes_and_never_tests_is_an_input(tmp_path):
    """``forward(self, feats, targets=None)`` reading ``targets[:, 0]``: run with the default it
    crashes, so the caller gives it, and its consumer (the embedding) solves it."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, vocab, emb):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)
        self.embedding = nn.Embedding(vocab, emb)
        self.out = nn.Linear(hidden + emb, vocab)

    def forward(self, feats, targets=None):
        out, h = self.rnn(feats)
        words = self.embedding(targets[:, 0])
        joined = torch.cat([out[:, -1:], words.unsqueeze(1)], dim=2)
        return self.out(joined), h
'''
    from lstm_lint.shapes import value_text

    path = tmp_path / "solved.py"
    path.write_text(HEADER + textwrap.dedent(src))
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Net"], Project([str(path)]))
    assert [value_text(v) for v in ms.inputs] == ["(B, T, n_in)", "(B, L2)"]
    assert ms.inputs[1].dtype == "int"
    assert value_text(ms.output) == "((B, 1, vocab), (1, B, hidden))"
    # torch on those inputs (B=3, T=6, L2=2) gives the same
    run_both(tmp_path, src, {"n_in": 5, "hidden": 7, "vocab": 11, "emb": 4},
             ["float32[3,6,5]", "int64[3,2]"])


def test_a_none_default_that_is_tested_or_handed_on_stays_none(tmp_path):
    from lstm_lint.values import Const

    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)

    def forward(self, x, hx=None, lengths=None, extra=None):
        if hx is None:
            hx = x.new_zeros(1, x.size(0), self.rnn.hidden_size)
        out, h = helper(self.rnn, x, hx, lengths)
        return out if extra is None else out + extra.sum()
'''
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(src))
    fm = load(str(path), prefilter=False)
    c = next(c for c in fm.module_classes() if c.name == "Net")
    ms = analyze_module(fm, c, Project([str(path)]))
    assert [v for v in ms.inputs[1:]] == [Const(None)] * 3
# ---- a size parameter left at None where a layer needs a size ---------------------------------


@pytest.mark.parametrize("kind,args", [
    ("LSTM", (3, None)), ("GRU", (None, 4)), ("RNN", (3, None)), ("LSTMCell", (None, 4)),
    ("GRUCell", (3, None)), ("RNNCell", (3, None)), ("Linear", (3, None)),
    ("Linear", (None, 4)), ("Bilinear", (3, 3, None)), ("Embedding", (None, 4)),
    ("Embedding", (3, None)), ("Conv1d", (3, None, 3)), ("Conv2d", (None, 4, 3)),
    ("BatchNorm1d", (None,)), ("BatchNorm2d", (None,)), ("MultiheadAttention", (4, None)),
])
def test_a_required_size_of_none_cannot_build_the_layer(kind, args):
    """The fact behind ``REQUIRED_SIZES``: torch refuses None for each of these sizes, so a
    layer built with a parameter's None default is built only where the caller gave a size."""
    torch = pytest.importorskip("torch")
    from lstm_lint.layers import REQUIRED_SIZES, SIGNATURES

    i = args.index(None)
    assert SIGNATURES[kind][i][0] in REQUIRED_SIZES[kind]
    with pytest.raises(TypeError):
        getattr(torch.nn, kind)(*args)


def test_lazy_linear_takes_none_and_is_not_a_required_size():
    torch = pytest.importorskip("torch")
    from lstm_lint.layers import REQUIRED_SIZES

    torch.nn.LazyLinear(None)
    assert "LazyLinear" not in REQUIRED_SIZES


OPTIONAL_HEAD = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, emb, has_output=False, output_size=None):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)
        self.has_output = has_output
        if has_output:
            self.output = nn.Sequential(nn.Linear(hidden, emb), nn.ReLU(),
                                        nn.Linear(emb, output_size))

    def forward(self, x):
        out, _ = self.rnn(x)
        if self.has_output:
            out = self.output(out)
        return out
'''


@pytest.mark.parametrize("has_output", [True, False])
def test_a_head_sized_by_a_parameter_that_defaults_to_none(tmp_path, has_output):
    """``nn.Linear(emb, output_size)`` with ``output_size=None``: the head is built only when
    the caller gives ``output_size`` (torch cannot build it with None), so its width is the
    parameter's, under the flag that builds it (graph-generation's LSTM_plain)."""
    sizes = {"n_in": 4, "hidden": 6, "emb": 5, "has_output": has_output, "output_size": 3,
             "B": 2, "T": 7}
    ins, out = solved_run(tmp_path, OPTIONAL_HEAD, sizes)
    assert ins == ["(B, T, n_in)"]
    assert out == "(B, T, (output_size if has_output else hidden))"


def test_a_none_default_read_before_a_layer_stays_none(tmp_path):
    """``out_dim if out_dim is not None else hidden``: the None default is read as written
    (the default configuration), not made a size; only a None that reaches a layer's required
    size is."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, out_dim=None):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden)
        self.fc = nn.Linear(hidden, out_dim if out_dim is not None else hidden)

    def forward(self, x):
        return self.fc(self.rnn(x)[0])
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 4, "hidden": 6, "B": 2, "T": 5})
    assert ins == ["(T, B, n_in)"]
    assert out == "(T, B, hidden)"


# ---- two inputs joined before the layer that solves them ------------------------------------


def test_two_inputs_joined_before_an_rnn_get_free_widths_tied_to_its_input_size(tmp_path):
    """``torch.cat([actions, latents], dim=-1)`` into ``LSTM(latents + actions, ...)``
    (world-models' MDRNN): both inputs are ``(T, B, ?)`` with widths of their own whose sum
    the LSTM needs; the split is the caller's, never guessed, and the output is known."""
    src = '''
class Net(nn.Module):
    def __init__(self, latents, actions, hiddens, gaussians):
        super().__init__()
        self.latents = latents
        self.gaussians = gaussians
        self.gmm_linear = nn.Linear(hiddens, (2 * latents + 1) * gaussians + 2)
        self.rnn = nn.LSTM(latents + actions, hiddens)

    def forward(self, actions, latents):
        seq_len, bs = actions.size(0), actions.size(1)
        ins = torch.cat([actions, latents], dim=-1)
        outs, _ = self.rnn(ins)
        gmm_outs = self.gmm_linear(outs)
        stride = self.gaussians * self.latents
        mus = gmm_outs[:, :, :stride].view(seq_len, bs, self.gaussians, self.latents)
        return mus, gmm_outs[:, :, -2]
'''
    ins, out = solved_run(tmp_path, src, {"latents": 4, "actions": 3, "hiddens": 6,
                                          "gaussians": 2, "B": 2, "T": 5, "L": 3, "L2": 4})
    assert ins == ["(T, B, L)", "(T, B, L2)"]
    assert out == "((T, B, gaussians, latents), (T, B))"


def test_two_inputs_joined_with_a_known_part(tmp_path):
    """A known part beside the two: each input's width is its own, the known part's is
    counted, and the axes the parts share come from the consumer."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_a, n_b, n_tok, dim, hidden):
        super().__init__()
        self.emb = nn.Embedding(n_tok, dim)
        self.gru = nn.GRU(n_a + n_b + dim, hidden, batch_first=True)

    def forward(self, a, b):
        tok = torch.zeros(a.size(0), a.size(1), dtype=torch.long)
        x = torch.cat([a, b, self.emb(tok)], dim=-1)
        return self.gru(x)[0]
'''
    ins, out = solved_run(tmp_path, src, {"n_a": 2, "n_b": 3, "n_tok": 7, "dim": 4,
                                          "hidden": 6, "B": 2, "T": 5, "L": 2, "L2": 3})
    assert ins[0] == "(B, T, L)" and ins[1] == "(B, T, L2)"
    assert out == "(B, T, hidden)"


def test_two_inputs_joined_on_a_leading_axis_are_not_solved_by_this(tmp_path):
    """Joined on axis 0: the parts' lengths there are their own and nothing here splits the
    consumer's shape: the inputs stay as the engine had them (never a guessed split)."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden)

    def forward(self, a, b):
        return self.rnn(torch.cat([a, b], dim=0))[0]
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 3, "hidden": 4, "B": 2, "T": 5},
                          given={0: (5, 2, 3), 1: (5, 2, 3)})
    assert "L" not in ins[0] and "L" not in ins[1]


# ---- arithmetic with a plain number keeps an unsolved input's shape --------------------------


def test_an_input_scaled_by_numbers_is_still_solved_by_its_consumer(tmp_path):
    """``x / 255.0 - 0.5`` then an LSTM: a Python number changes no axis, so the LSTM's layout
    is the input's."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)

    def forward(self, x):
        out, _ = self.rnn(2 * (x / 255.0 - 0.5))
        return out[:, -1]
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 3, "hidden": 5, "B": 2, "T": 4})
    assert ins == ["(B, T, n_in)"]
    assert out == "(B, hidden)"


GATHER_LAST = '''
class Net(nn.Module):
    def __init__(self, n_items, emb, hidden):
        super().__init__()
        self.emb = nn.Embedding(n_items, emb)
        self.gru = nn.GRU(emb, hidden, batch_first=True)

    def forward(self, item_seq, item_seq_len):
        out, _ = self.gru(self.emb(item_seq))
        index = (item_seq_len + 1).view(-1, 1, 1).expand(-1, -1, out.shape[-1])
        return out.gather(dim=1, index=index).squeeze(1)
'''


def test_shifted_lengths_gathered_give_one_row_per_length(tmp_path):
    """RecBole's ``gather_indexes(out, item_seq_len - 1)`` (shifted up here, so that torch's
    random lengths index inside the sequence): the gathered rows are as many as
    the lengths given (``gather`` gives its index's shape), a size of the caller's data, the
    lengths tensor's element count; with real inputs, torch's."""
    from lstm_lint.shapes import value_text

    path = tmp_path / "g.py"
    path.write_text(HEADER + GATHER_LAST)
    fm = load(str(path), prefilter=False)
    c = next(c for c in fm.module_classes() if c.name == "Net")
    ms = analyze_module(fm, c, Project([str(path)]))
    assert value_text(ms.output) == "(item_seq_len_numel, hidden)"
    static, real = run_both(tmp_path, GATHER_LAST, {"n_items": 9, "emb": 4, "hidden": 6},
                            ["int64[3,7]", "int64[3]"])
    assert real == (3, 6)


# ---- a loop whose list is stacked on every run runs at least once ----------------------------

STACKED_CELLS = '''
class Net(nn.Module):
    def __init__(self, num_layers, input_size, hidden_size):
        super().__init__()
        self.num_layers = num_layers
        self.layers = nn.ModuleList()
        for _ in range(num_layers):
            self.layers.append(nn.LSTMCell(input_size, hidden_size))
            input_size = hidden_size

    def forward(self, input_feed, hidden):
        h_0, c_0 = hidden
        h_1, c_1 = [], []
        for i, layer in enumerate(self.layers):
            h_1_i, c_1_i = layer(input_feed, (h_0[i], c_0[i]))
            input_feed = h_1_i
            h_1 += [h_1_i]
            c_1 += [c_1_i]
        %s
'''


@pytest.mark.parametrize("layers", [1, 3])
def test_cells_stacked_after_the_loop_prove_it_ran(tmp_path, layers):
    """OpenNMT's StackedLSTM: ``torch.stack(h_1)`` of the list the loop grows raises on an empty
    list, so the loop over the layers ran at least once and ``input_feed`` is the last cell's
    ``(B, hidden_size)``, never the input it started as."""
    src = STACKED_CELLS % "return input_feed, (torch.stack(h_1), torch.stack(c_1))"
    sizes = {"num_layers": layers, "input_size": 4, "hidden_size": 6, "B": 2, "L": layers,
             "L2": layers}
    ins, out = solved_run(tmp_path, src, sizes, given={0: (2, 4)})
    assert out == ("((B, hidden_size), ((num_layers, B, hidden_size), "
                   "(num_layers, B, hidden_size)))")


def test_torch_refuses_to_stack_or_cat_an_empty_list():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.stack([])
    with pytest.raises(ValueError):
        torch.cat([])


@pytest.mark.parametrize("tail", [
    # stacked only on one branch: the other may return with no pass run
    "if self.num_layers > 0:\n            return input_feed, torch.stack(h_1)\n"
    "        return input_feed, None",
    # returned before the stack on some runs
    "if self.training:\n            return input_feed\n        return torch.stack(h_1)",
    # stacked inside a comprehension (it may not run)
    "return input_feed, [torch.stack(h_1) for _ in range(self.num_layers)]",
])
def test_a_stack_not_made_on_every_run_proves_nothing(tmp_path, tail):
    """A stack that some run does not make proves nothing: ``input_feed`` after the loop is
    the cell's width or the input's (unknown here), as before."""
    from lstm_lint.shapes import value_text

    path = tmp_path / "s.py"
    path.write_text(HEADER + STACKED_CELLS % tail)
    fm = load(str(path), prefilter=False)
    c = next(c for c in fm.module_classes() if c.name == "Net")
    ms = analyze_module(fm, c, Project([str(path)]))
    assert "(B, hidden_size)" not in value_text(ms.output)


def test_unconditional_joins_reads_only_top_level_statements():
    from lstm_lint.forward_text import unconditional_joins

    module = cst.parse_module(textwrap.dedent('''
    def forward(self, xs, flag):
        a = torch.stack(xs)
        b = [torch.cat(xs) for _ in xs]
        c = torch.cat(xs) if flag else None
        if flag:
            d = torch.stack(xs)
        e = torch.cat([torch.stack(ys), a])
        if flag:
            return a
        f = torch.stack(zs)
    '''))
    fn = module.body[0]
    found = sorted(module.code_for_node(n) for n in descendants(fn)
                   if isinstance(n, cst.Call) and id(n) in unconditional_joins(fn))
    assert found == ["torch.cat([torch.stack(ys), a])", "torch.stack(xs)", "torch.stack(ys)"]


# ---- sizes read from x.size() of an input nothing solves ------------------------------------


def test_sizes_read_from_a_whole_size_call_are_the_inputs_axes(tmp_path):
    """LM-LSTM-CRF's ``tmp = sentence.size(); self.word_seq_length = tmp[0]``: an item of
    ``x.size()`` is ``x.size(k)``, a size of the caller's data named after the input (as
    ``x.shape[k]`` already was), not an unknown."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, tags):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden)
        self.fc = nn.Linear(hidden, tags)
        self.tags = tags

    def set_sizes(self, position):
        tmp = position.size()
        self.seq_len = tmp[0]
        self.batch_size = position.size()[1]

    def forward(self, x, position):
        self.set_sizes(position)
        out, _ = self.rnn(x)
        return self.fc(out).view(self.seq_len, self.batch_size, self.tags)
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 4, "hidden": 5, "tags": 3, "B": 2, "T": 6,
                                          "position_dim0": 6, "position_dim1": 2},
                          given={1: (6, 2)})
    assert ins == ["(T, B, n_in)", "unknown"]
    assert out == "(position_dim0, position_dim1, tags)"


def test_a_size_read_off_a_part_of_a_tuple_input_is_named_and_settled(tmp_path):
    """darts' ``x_past, x_future, x_static, _ = x_in`` then ``batch_size = x_past.shape[0]``:
    a size read off a part of an input is a size of its own (``x_in_0_dim0``) until the
    consumer that solves the part names it (the RNN's batch ``B``), as for a whole input."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, out_len, n_out):
        super().__init__()
        self.out_len, self.n_out = out_len, n_out
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, out_len * n_out)

    def forward(self, x_in):
        x_past, x_static = x_in
        batch_size = x_past.shape[0]
        if x_static is not None:
            x_static = x_static.reshape(batch_size, -1).unsqueeze(dim=1)
            x_past = torch.cat([x_past, x_static.repeat(1, x_past.shape[1], 1)], dim=-1)
        out, _ = self.rnn(x_past)
        return self.fc(out[:, -1]).view(batch_size, self.out_len, self.n_out)
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 3, "hidden": 5, "out_len": 4, "n_out": 2,
                                          "B": 2, "T": 6}, given={0: [(2, 6, 2), (2, 1)]})
    assert out == "(B, out_len, n_out)"


def test_symbol_names_for_parts_of_an_input():
    from lstm_lint.interp.core import symbol_base

    assert symbol_base("x") == "x"
    assert symbol_base("x_in[0]") == "x_in_0"
    assert symbol_base("batch['src']") == "batch_src"
    assert symbol_base("h[0][1]") == "h_0_1"
    assert symbol_base("x[?]") is None


def test_a_legacy_constructor_given_a_torch_size_is_that_shape(tmp_path):
    """DeepADoTS' ``torch.Tensor(ts_batch.size()).zero_()``: a ``torch.Size`` given to the
    legacy constructor is read as sizes (uninitialised, that shape); a tuple of numbers is
    data (``torch.Tensor((2, 3))`` is a vector of two), and is not read as sizes."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_feat, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_feat, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_feat)

    def forward(self, x):
        _, (h, c) = self.rnn(x)
        output = torch.Tensor(x.size()).zero_()
        for i in range(x.shape[1]):
            output[:, i, :] = self.out(h[0])
        return output, torch.Tensor(x.shape), torch.Tensor((2, 3))
'''
    ins, out = solved_run(tmp_path, src, {"n_feat": 3, "hidden": 5, "B": 2, "T": 4})
    assert ins == ["(B, T, n_feat)"]
    assert out == "((B, T, n_feat), (B, T, n_feat), unknown)"  # the tuple: not read as sizes


def test_squeeze_without_a_dim_keeps_the_callers_sizes_assuming_they_are_not_1(tmp_path):
    """``self.fc(out[:, -1]).squeeze()`` with ``fc`` a ``Linear(h, 1)``: ``(B,)`` for every
    batch but 1 (PyTorch would drop that axis too), shown with ``B != 1`` beside it; a size
    the model sets (``n_out``) decides the rank, so that one stays unknown."""
    from lstm_lint.shapes import value_text

    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1, :]).squeeze()
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 5, "hidden": 7, "B": 3, "T": 6})
    assert ins == ["(B, T, n_in)"] and out == "(B,)"
    path = tmp_path / "model.py"
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Net"], Project([str(path)]))
    assert ms.constraints == ["B != 1 (x.squeeze() would drop it too)"]
    # a size the model picks may be 1: the rank is not known
    path.write_text(path.read_text().replace("nn.Linear(hidden, 1)", "nn.Linear(hidden, n_out)")
                    .replace("def __init__(self, n_in, hidden)", "def __init__(self, n_in, hidden, n_out)"))
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Net"], Project([str(path)]))
    assert value_text(ms.output) == "unknown" and ms.constraints == []


def test_a_size_assumed_not_1_is_checked_by_the_confirm_sizes():
    from lstm_lint.confirm_sizes import solve

    env, bad = solve({"B"}, ["B != 1 (x.squeeze() would drop it too)"], lambda n: None)
    assert env["B"] == 3 and bad == []
    env, bad = solve({"B"}, ["B != 3 (x.squeeze() would drop it too)"], lambda n: None)
    assert bad == ["B != 3 (x.squeeze() would drop it too)"]


def test_squeeze_of_a_batch_axis_keeps_it_assuming_it_is_not_1(tmp_path):
    """``torch.cat([s for s in h_n], 1).squeeze(0)``: the rows of ``h_n`` side by side are
    ``(B, 2*H)``, and ``squeeze(0)`` keeps the batch for every value but 1."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, 3)

    def forward(self, x):
        out, h_n = self.rnn(x)
        merged = torch.cat([s for s in h_n], 1).squeeze(0)
        return self.fc(merged)
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 5, "hidden": 7, "B": 3, "T": 6})
    assert ins == ["(B, T, n_in)"] and out == "(B, 3)"
    path = tmp_path / "model.py"
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Net"], Project([str(path)]))
    assert ms.constraints == ["B != 1 (x.squeeze(0) would drop it too)"]


def test_a_helper_that_raises_on_every_path_ends_the_path_that_calls_it(tmp_path):
    """pytorch_geometric's aggregations: ``self.assert_index_present(index)`` raises when the
    index is left at None, so the ``index is None`` branch after it (``x.unsqueeze(0)``) never
    runs; the output without an index is unknown (torch raises), not ``(1, hidden)``."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)

    def require(self, index):
        if index is None:
            raise NotImplementedError("an index is needed")

    def dense(self, x, index):
        self.require(index)
        if index is None:
            return x.unsqueeze(0)
        return x.view(index.size(0), -1, x.size(-1))

    def forward(self, x, index=None):
        x = self.dense(x, index)
        return self.rnn(x)[0][:, -1]
'''
    static, real = run_both(tmp_path, src, {"n_in": 4, "hidden": 5},
                            ["float32[6,4]", "int64[2]"])
    assert static == (2, 5) and real == (2, 5)
    torch = pytest.importorskip("torch")
    ns: dict = {}
    exec(compile(HEADER + src, "model.py", "exec"), ns)
    with pytest.raises(NotImplementedError):
        ns["Net"](4, 5)(torch.randn(6, 4))
    path = tmp_path / "model.py"
    fm = load(str(path), prefilter=False)
    c = next(c for c in fm.module_classes() if c.name == "Net")
    ms = analyze_module(fm, c, Project([str(path)]), [], {"n_in": from_json(4),
                        "hidden": from_json(5)}, [parse_spec("float32[6,4]")])
    assert _static_tree(ms.output) is None


def test_a_helper_that_may_raise_leaves_the_path_after_it_open(tmp_path):
    """A check that raises only for some sizes (``if x.size(-1) != self.n_in: raise``) or only
    for a caller's flag does not end the calling path: the output after it stays known."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, strict=False):
        super().__init__()
        self.n_in = n_in
        self.strict = strict
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)

    def check(self, x):
        if x.size(-1) != self.n_in:
            raise ValueError("wrong width")
        if self.strict and x.size(1) > 100:
            raise ValueError("too long")

    def forward(self, x):
        self.check(x)
        return self.rnn(x)[0][:, -1]
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 3, "hidden": 5, "B": 2, "T": 4})
    assert ins == ["(B, T, n_in)"] and out == "(B, hidden)"


def test_a_negative_number_scales_a_tensor_and_keeps_its_shape(tmp_path):
    """TextGAN's relational memory: ``q = q * (self.key_size ** -0.5)`` before the attention
    product; ``-0.5`` is a number, so ``q`` keeps its shape and the products after it are
    known."""
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, key_size):
        super().__init__()
        self.key_size = key_size
        self.rnn = nn.GRU(n_in, 2 * key_size, batch_first=True)

    def forward(self, x):
        out, _ = self.rnn(x)
        q, k = torch.split(out, [self.key_size, self.key_size], -1)
        q = q * (self.key_size ** -0.5)
        scores = torch.matmul(q, k.permute(0, 2, 1))
        return scores, out * -2.5, -1.0 * out
''', {"n_in": 3, "key_size": 4}, ["float32[2,5,3]"])
    assert static == [(2, 5, 5), (2, 5, 8), (2, 5, 8)] and static == real


def test_a_tensor_made_from_one_number_has_no_axes(tmp_path):
    """``nn.Parameter(torch.tensor(forget_bias, dtype=torch.float32))`` is a 0-d tensor: added
    to a gate it broadcasts to the gate's shape."""
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, forget_bias=1.0):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)
        self.forget_bias = nn.Parameter(torch.tensor(forget_bias, dtype=torch.float32))
        self.steps = torch.tensor(3)
        self.flag = torch.as_tensor(True)

    def forward(self, x):
        out, _ = self.rnn(x)
        gate = torch.sigmoid(out + self.forget_bias)
        return gate, self.forget_bias, self.steps, self.flag, torch.tensor(hidden_size_of(out))


def hidden_size_of(t):
    return t.size(-1)
''', {"n_in": 3, "hidden": 4}, ["float32[2,5,3]"])
    assert static == [(2, 5, 4), (), (), (), ()] and static == real


def test_a_forward_that_raises_with_its_none_default_is_run_with_the_callers_value(tmp_path):
    """pyg's Set2Set: ``self.assert_index_present(index)`` raises when ``index`` is left at
    None, so no caller calls forward so: the symbolic run leaves that default open (None or
    not, the caller's) instead of ending with nothing, and the model after it is analysed."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)

    def require(self, index):
        if index is None:
            raise NotImplementedError("an index is needed")

    def forward(self, x, index=None):
        self.require(index)
        out, _ = self.rnn(x)
        return out[:, -1]
'''
    ins, out = solved_run(tmp_path, src, {"n_in": 3, "hidden": 5, "B": 2, "T": 4},
                          given={1: (2,)})
    assert ins == ["(B, T, n_in)", "unknown"] and out == "(B, hidden)"


def test_dropout_with_a_layer_count_the_caller_picks_is_a_constraint(tmp_path):
    """``nn.LSTM(n_in, hidden, n_layer, dropout=0.3)``: dropout acts between stacked layers
    only, so the configuration needs ``n_layer > 1``; shown beside the shapes (never a
    finding: one layer is the caller's choice).  Torch agrees: it warns for one layer and
    not for two.  A literal count decides by itself (LST501, or nothing to say)."""
    import warnings

    import torch

    from lstm_lint.confirm_sizes import holds_apart, solve

    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, n_layer):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, n_layer, dropout=0.3, batch_first=True)

    def forward(self, x):
        out, _ = self.rnn(x)
        return out[:, -1]
'''
    path = tmp_path / "model.py"
    path.write_text("import torch.nn as nn\n" + src)
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Net"], Project([str(path)]))
    assert ms.constraints == ["n_layer > 1 (dropout=0.3 acts only between stacked layers)"]
    for n_layer, warns in ((1, True), (2, False)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torch.nn.LSTM(3, 4, n_layer, dropout=0.3)
        assert any("dropout" in str(w.message) for w in caught) == warns
    # what --confirm checks of the sizes it runs with
    assert solve({"n_layer"}, ms.constraints, lambda n: 5 if n == "n_layer" else None)[1] == []
    assert solve({"n_layer"}, ms.constraints, lambda n: 1 if n == "n_layer" else None)[1] \
        == ms.constraints
    assert not holds_apart(ms.constraints[0], {})  # not bound: not shown to hold
    # the run's needed sizes are its inputs' (n_layer is not one): the bound's size is still
    # looked up, so the check reads its value
    given = {"n_layer": 2, "n_in": 3}.get
    assert solve({"B", "T", "n_in"}, ms.constraints, given)[1] == []
    assert solve({"B", "T", "n_in"}, ms.constraints, {"n_layer": 1, "n_in": 3}.get)[1] \
        == ms.constraints
    for literal in ("1", "2"):
        path.write_text("import torch.nn as nn\n" + src.replace("hidden, n_layer, dropout",
                                                               f"hidden, {literal}, dropout"))
        fm = load(str(path), prefilter=False)
        ms = analyze_module(fm, fm.classes["Net"], Project([str(path)]))
        assert ms.constraints == []


# ---- a caller's argument unpacked or indexed: each item a caller's size of its own -----------


def test_a_tuple_argument_unpacked_gives_one_size_per_item(tmp_path):
    # darts' TFT: ``self.n_targets, self.loss_size = output_dim`` then a view to both
    ins, out = solved_run(tmp_path, '''
class Net(nn.Module):
    def __init__(self, dims, hidden):
        super().__init__()
        n_in, n_out, k = dims
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_out * k)
        self.n_out, self.k = n_out, k

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out).view(x.size(0), x.size(1), self.n_out, self.k)
''', {"dims": (3, 4, 2), "hidden": 5, "dims[0]": 3, "dims[1]": 4, "dims[2]": 2, "B": 6, "T": 7})
    assert ins == ["(B, T, dims[0])"]
    assert out == "(B, T, dims[1], dims[2])"


def test_a_tuple_argument_indexed_gives_that_item(tmp_path):
    ins, out = solved_run(tmp_path, '''
class Net(nn.Module):
    def __init__(self, dims, hidden):
        super().__init__()
        self.rnn = nn.GRU(dims[0], hidden)
        self.head = nn.Linear(hidden, dims[1])

    def forward(self, x):
        out, h = self.rnn(x)
        return self.head(out[-1]), h
''', {"dims": (3, 4), "hidden": 5, "dims[0]": 3, "dims[1]": 4, "B": 6, "T": 7})
    assert ins == ["(T, B, dims[0])"]
    assert out == "((B, dims[1]), (1, B, hidden))"


def test_an_argument_unpacked_into_a_starred_target_stays_unknown(tmp_path):
    # ``n_in, *rest = dims``: how many items rest holds is the caller's, so rest[0] is unknown
    ins, out = solved_run(tmp_path, '''
class Net(nn.Module):
    def __init__(self, dims, hidden):
        super().__init__()
        n_in, *rest = dims
        self.rnn = nn.GRU(n_in, hidden)
        self.head = nn.Linear(hidden, rest[0])

    def forward(self, x):
        out, h = self.rnn(x)
        return self.head(out[-1])
''', {"dims": (3, 4), "hidden": 5, "B": 6, "T": 7}, given={0: (7, 6, 3)})
    assert out == "(B, ?)"


# ---- squeeze() keeps an axis that is at least 2 for every choice of sizes --------------------


def test_squeeze_keeps_an_axis_of_twice_a_size(tmp_path):
    # HAN's sentence attention: a bidirectional GRU's (T, B, 2*h) squeezed, then a weight
    # (2*h, 1) applied and squeezed: 2*h is never 1, the trailing 1 always goes, T and B are
    # the caller's (kept, with T != 1 and B != 1 recorded)
    ins, out = solved_run(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, h):
        super().__init__()
        self.w = nn.Parameter(torch.randn(2 * h, 1))
        self.gru = nn.GRU(n_in, h, bidirectional=True)

    def forward(self, x):
        f, _ = self.gru(x)
        return f.squeeze(), torch.matmul(f, self.w).squeeze(), (f[..., :1] + 1).squeeze(0)
''', {"n_in": 3, "h": 5, "B": 4, "T": 6})
    assert ins == ["(T, B, n_in)"]
    assert out == "((T, B, 2*h), (T, B), (T, B, 1))"


def test_squeeze_of_a_size_that_may_be_one_stays_unknown(tmp_path):
    # h + 0 alone may be 1: the rank depends on the caller's h
    ins, out = solved_run(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, h):
        super().__init__()
        self.gru = nn.GRU(n_in, h)

    def forward(self, x):
        f, _ = self.gru(x)
        return f.squeeze()
''', {"n_in": 3, "h": 5, "B": 4, "T": 6})
    assert out == "unknown"


# ---- a floor division drops at most the divisor less one ------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3, 4, 7])
def test_a_same_padded_conv_cut_to_the_input_length_is_that_length(tmp_path, k):
    # Tacotron's CBHG bank: Conv1d(kernel K, padding K//2) gives T + 2*(K//2) - K + 1, which
    # is T or T + 1 (2*(K//2) >= K - 1 for every K), so [:, :, :T] is T
    ins, out = solved_run(tmp_path, '''
class Net(nn.Module):
    def __init__(self, K, c_in, ch):
        super().__init__()
        self.conv = nn.Conv1d(c_in, ch, K, padding=K // 2)
        self.pool = nn.MaxPool1d(kernel_size=2, stride=1, padding=1)

    def forward(self, x):
        T = x.size(-1)
        y = self.conv(x)
        return y, y[:, :, :T], self.pool(y)[:, :, :T]
''', {"K": k, "c_in": 3, "ch": 5, "B": 2, "T": 9})
    assert ins == ["(B, c_in, T)"]
    assert out == "((B, ch, 2*((K)//2) - K + T + 1), (B, ch, T), (B, ch, T))"


def test_a_conv_that_may_shorten_the_input_cut_to_its_length_stays_unknown(tmp_path):
    # padding (K - 1)//2 gives T + 2*((K-1)//2) - K + 1, T - 1 for an even K: [:T] is not T
    ins, out = solved_run(tmp_path, '''
class Net(nn.Module):
    def __init__(self, K, c_in, ch):
        super().__init__()
        self.conv = nn.Conv1d(c_in, ch, K, padding=(K - 1) // 2)

    def forward(self, x):
        return self.conv(x)[:, :, :x.size(-1)]
''', {"K": 4, "c_in": 3, "ch": 5, "B": 2, "T": 9})
    assert out == "(B, ch, ?)"


# ---- an attribute set on one branch only is read only where it was set -----------------------

ONE_BRANCH_PARAM = '''
class Net(nn.Module):
    def __init__(self, n_in, h, a, conditioned=False):
        super().__init__()
        self.nn = nn.LSTM(n_in, h, batch_first=True)
        self.mu = nn.Linear(h, a)
        self._c = conditioned
        if conditioned:
            self.sigma = nn.Linear(h, a)
        else:
            self.sigma_param = nn.Parameter(torch.zeros(a, 1))

    def forward(self, x):
        o, _ = self.nn(x)
        logits = o[:, -1]
        mu = self.mu(logits)
        if self._c:
            sigma = torch.clamp(self.sigma(logits), min=-20, max=2).exp()
        else:
            shape = [1] * len(mu.shape)
            shape[1] = -1
            sigma = (self.sigma_param.view(shape) + torch.zeros_like(mu)).exp()
        return mu, sigma
'''


@pytest.mark.parametrize("conditioned", [False, True])
def test_a_parameter_set_on_one_branch_is_the_value_it_was_set_to(tmp_path, conditioned):
    # tianshou's RecurrentActorProb: sigma_param exists only when not conditioned, and is
    # read only then (any other read raises AttributeError)
    ins, out = solved_run(tmp_path, ONE_BRANCH_PARAM,
                          {"n_in": 3, "h": 5, "a": 2, "conditioned": conditioned, "B": 4, "T": 6})
    assert ins == ["(B, T, n_in)"]
    assert out == "((B, a), (B, a))"


def test_a_guarded_read_of_a_one_branch_parameter_stays_unknown(tmp_path):
    # getattr(self, name, None) answers on the runs that did not set it too
    ins, out = solved_run(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, h, scaled=False):
        super().__init__()
        self.nn = nn.GRU(n_in, h)
        if scaled:
            self.scale = nn.Parameter(torch.ones(1, 1, 2 * h))

    def forward(self, x):
        o, _ = self.nn(x)
        s = getattr(self, "scale", None)
        return s if s is not None else o
''', {"n_in": 3, "h": 5, "B": 4, "T": 6})
    assert out == "unknown"


# ---- a size parameter defaulting to None, asserted given --------------------------------------

ASSERTED_GIVEN = '''
class Net(nn.Module):
    def __init__(self, mode="lstm", channels=None, num_layers=None):
        super().__init__()
        self.mode = mode.lower()
        if self.mode == "lstm":
            assert channels is not None, "channels cannot be None for lstm"
            assert num_layers is not None, "num_layers cannot be None for lstm"
            self.lstm = nn.LSTM(channels, (num_layers * channels) // 2,
                                bidirectional=True, batch_first=True)
            self.att = nn.Linear(2 * ((num_layers * channels) // 2), 1)
        else:
            self.lstm = None

    def forward(self, x):
        alpha, _ = self.lstm(x)
        return alpha, self.att(alpha).squeeze(-1)
'''


def test_a_none_default_asserted_given_is_a_size(tmp_path):
    # torch_geometric's JumpingKnowledge: past `assert num_layers is not None` the parameter
    # is the caller's size, a symbol as if it had no default (sizes 3 and 8: hidden 12)
    ins, out = solved_run(tmp_path, ASSERTED_GIVEN,
                          {"mode": "lstm", "channels": 8, "num_layers": 3, "B": 4, "T": 6})
    assert ins == ["(B, T, channels)"]
    assert out == "((B, T, 2*((channels*num_layers)//2)), (B, T))"


# ---- a slot assignment broadcasts the rows into the slot ---------------------------------------

SLOT_BUFFER = '''
class Net(nn.Module):
    def __init__(self, hidden, steps):
        super().__init__()
        self.steps = steps
        self.gru = nn.GRU(2, hidden, batch_first=True)
        self.out = nn.Linear(hidden, 2)

    def forward(self, z):
        hid = z.unsqueeze(0)
        token = torch.zeros(z.size(0), 1, 2)
        est = torch.zeros(BUILD)
        for t in range(self.steps):
            o, hid = self.gru(token, hid)
            step = self.out(o).squeeze(1)
            est[:, t] = step
            token = step.unsqueeze(1)
        return est
'''


@pytest.mark.parametrize("build, needs", [
    ("32, self.steps, 2", "32 == B (slot assignment, axis 0)"),
    ("self.steps, z.size(0), 2", "B == steps (slot assignment, axis 0)"),
    ("z.size(0), self.steps, 2", None),
])
def test_a_slot_assignment_needs_the_rows_to_fit_the_slot(tmp_path, build, needs):
    # est[:, t] = step with step (B, 2): torch broadcasts step into the slot, which needs each
    # axis equal (or 1 in step); the buffer keeps its own shape
    torch = pytest.importorskip("torch")
    src = SLOT_BUFFER.replace("BUILD", build)
    code = HEADER + textwrap.dedent(src)
    path = tmp_path / "model.py"
    path.write_text(code)
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Net"], Project([str(path)]))
    assert ms.constraints == ([needs] if needs else [])
    ns: dict = {}
    exec(compile(code, str(path), "exec"), ns)
    model = ns["Net"](hidden=6, steps=5)
    with torch.no_grad():
        if needs is None:
            assert tuple(model(torch.randn(7, 6)).shape) == (7, 5, 2)
        else:
            with pytest.raises(RuntimeError, match="must match the existing size"):
                model(torch.randn(7, 6))


def test_the_ranks_a_cat_or_a_cell_refuses_are_recorded(tmp_path):
    # torch.cat of (B, T, H) and (B, H), and a cell fed (B, T, H): torch raises on both
    torch = pytest.importorskip("torch")
    src = '''
class Joined(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)

    def forward(self, x):
        out, _ = self.rnn(x)
        return torch.cat((out, out.mean(1)), dim=1)


class Stepped(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)
        self.cell = nn.GRUCell(hidden, hidden)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.cell(out)
'''
    code = HEADER + textwrap.dedent(src)
    path = tmp_path / "model.py"
    path.write_text(code)
    fm = load(str(path), prefilter=False)
    ns: dict = {}
    exec(compile(code, str(path), "exec"), ns)
    for cls, loss, error in (("Joined", "cat", "Tensors must have same number of dimensions"),
                             ("Stepped", "cell", "Expected input to be 1D or 2D, got 3D")):
        ms = analyze_module(fm, fm.classes[cls], Project([str(path)]))
        found = [(c.loss, c.received) for _n, c in ms.graph.conflicts("per_sequence_target")]
        assert found == [(loss, "(B, T, hidden)")]
        with pytest.raises((RuntimeError, ValueError), match=error):
            ns[cls](n_in=4, hidden=6)(torch.randn(3, 7, 4))


# ---- elementwise arithmetic on tensors of unknown rank --------------------------------------


def test_a_gate_over_tensors_of_unknown_rank_keeps_their_last_axis(tmp_path):
    """Tacotron's highway layer: ``g * relu(W1(x)) + (1 - g) * x`` where every part is
    ``(*, size)`` (a Linear fed a tensor whose rank the engine does not know): the leading
    axes stay unknown, the last axis is ``size``, and the RNN after it is checked."""
    static, real = run_both(tmp_path, '''
class Highway(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.W1 = nn.Linear(size, size)
        self.W2 = nn.Linear(size, size)

    def forward(self, x):
        x1 = self.W1(x)
        g = torch.sigmoid(self.W2(x))
        return g * F.relu(x1) + (1. - g) * x


class Net(nn.Module):
    def __init__(self, n_in, size):
        super().__init__()
        self.pre = nn.Linear(n_in, size)
        self.hw = Highway(size)
        self.rnn = nn.GRU(size, size, batch_first=True, bidirectional=True)

    def forward(self, x):
        x = self.hw(self.pre(x.cumsum(1)))
        out, _ = self.rnn(x)
        return x, out, x.unsqueeze(-2) * x.unsqueeze(-1)
''', {"n_in": 3, "size": 5}, ["float32[2,7,3]"])
    assert real == [(2, 7, 5), (2, 7, 10), (2, 7, 5, 5)]
    assert static[0] == ("*", 5) and static[1] == ("*", 10)
    assert static[2] in (None, ("*", 5, 5))


def test_a_none_default_in_size_arithmetic_is_the_caller_s_number(tmp_path):
    """pyg's JumpingKnowledge: ``num_layers=None`` as the default, then ``(num_layers *
    channels) // 2`` as an LSTM's hidden size: None in arithmetic raises, so where the
    arithmetic runs the caller gave a number, the size the parameter names."""
    ins, out = solved_run(tmp_path, '''
class Net(nn.Module):
    def __init__(self, channels=None, num_layers=None):
        super().__init__()
        self.lstm = nn.LSTM(channels, (num_layers * channels) // 2,
                            bidirectional=True, batch_first=True)
        self.att = nn.Linear(2 * ((num_layers * channels) // 2), 1)

    def forward(self, x):
        alpha, _ = self.lstm(x)
        return alpha, self.att(alpha).squeeze(-1)
''', {"channels": 4, "num_layers": 3, "B": 2, "T": 5})
    assert ins == ["(B, T, channels)"]
    assert out == "((B, T, 2*((channels*num_layers)//2)), (B, T))"


def test_a_tensor_is_no_instance_of_a_named_tuple_of_the_project(tmp_path):
    """PyLaia's dropout helper: ``isinstance(x, PaddedTensor)`` where ``class
    PaddedTensor(NamedTuple)``: a tensor is never an instance of a class whose bases are plain
    Python ones, so the helper returns the tensor it dropped out and the head is checked."""
    static, real = run_both(tmp_path, '''
from typing import NamedTuple
from torch.nn.utils.rnn import PackedSequence


class Padded(NamedTuple):
    data: torch.Tensor
    sizes: torch.Tensor


class Net(nn.Module):
    def __init__(self, n_in, units, p):
        super().__init__()
        self.p = p
        self.rnn = nn.LSTM(n_in, units, bidirectional=True)
        self.linear = nn.Linear(2 * units, 3)

    def dropout(self, x, p):
        if 0.0 < p < 1.0:
            cls = None
            if isinstance(x, Padded):
                cls = Padded
                x, xs = x.data, x.sizes
            elif isinstance(x, PackedSequence):
                cls = PackedSequence
                x, xs = x.data, x.batch_sizes
            d = F.dropout(x, p=p, training=self.training)
            return cls(d, xs) if cls is not None else d
        return x

    def forward(self, x):
        x, _ = self.rnn(x)
        x = self.dropout(x, p=self.p)
        return self.linear(x)
''', {"n_in": 4, "units": 5, "p": 0.5}, ["float32[7,3,4]"])
    assert static == (7, 3, 3) and real == (7, 3, 3)


def test_a_slice_bounded_by_a_fraction_of_the_axis_keeps_its_width(tmp_path):
    """WaveRNN: ``aux[:, :, idx[1]:idx[2]]`` with ``idx = [res_out_dims // 4 * i ...]`` on an
    axis of ``res_out_dims``: ``K - 2*(K//4) >= 0`` for every K (the floor never exceeds the
    quotient), so the slice lies inside the axis and is ``K//4`` wide."""
    ins, out = solved_run(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, res_out_dims, hidden):
        super().__init__()
        self.aux_dims = res_out_dims // 4
        self.up = nn.GRU(n_in, res_out_dims, batch_first=True)
        self.fc = nn.Linear(n_in, hidden)
        self.rnn = nn.GRU(hidden + self.aux_dims, hidden, batch_first=True)

    def forward(self, x):
        aux, _ = self.up(x)
        idx = [self.aux_dims * i for i in range(5)]
        a2 = aux[:, :, idx[1]:idx[2]]
        a4 = aux[:, :, idx[3]:idx[4]]
        out, _ = self.rnn(torch.cat([self.fc(x), a2], dim=2))
        return a2, a4, out
''', {"n_in": 3, "res_out_dims": 10, "hidden": 5, "B": 2, "T": 4})
    assert ins == ["(B, T, n_in)"]
    assert out == ("((B, T, ((res_out_dims)//4)), (B, T, ((res_out_dims)//4)), "
                   "(B, T, hidden))")


# ---- a layer built for one mode only, and the sizes a built RNN proves positive -------------


def test_a_layer_built_for_one_mode_is_called_as_that_layer(tmp_path):
    """JumpingKnowledge style: ``self.lstm = LSTM(...)`` for mode 'lstm', ``None`` otherwise,
    and forward calls it after ``assert self.lstm is not None``.  The layer (or None) is the
    layer where it is called, ``is None`` on it stays undecided, and the output is exact."""
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, mode, channels, num_layers):
        super().__init__()
        if mode == "lstm":
            self.lstm = nn.LSTM(channels, (num_layers * channels) // 2, bidirectional=True,
                                batch_first=True)
            self.att = nn.Linear(2 * ((num_layers * channels) // 2), 1)
        else:
            self.lstm = None
            self.att = None

    def forward(self, x):
        if self.lstm is None:
            return x
        assert self.att is not None
        alpha, _ = self.lstm(x)
        return self.att(alpha)
''', {"mode": "lstm", "channels": 6, "num_layers": 3}, ["float32[4,3,6]"])
    assert static == (4, 3, 1) and real == (4, 3, 1)
    # with the mode left to the caller, the layer is still the layer where it is called
    fm = load(str(tmp_path / "model.py"), prefilter=False)
    ms = analyze_module(fm, fm.classes["Net"], Project([str(tmp_path / "model.py")]))
    assert ms.output.alts and any(
        t.shape is not None and t.shape.render() == "(B, T, 1)" for t in ms.output.alts)


def test_an_rnn_hidden_size_of_a_floor_division_is_at_least_one(tmp_path):
    """torch refuses an RNN with hidden_size 0, so a hidden size ``(n*c)//2`` is >= 1 wherever
    the RNN's output flows, and ``Linear((n*c)//2)`` fed both directions ``2*((n*c)//2)``
    differs for every choice of the sizes: the engine records it, torch raises."""
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        torch.nn.LSTM(4, (1 * 1) // 2)
    src = '''
class Net(nn.Module):
    def __init__(self, channels, num_layers):
        super().__init__()
        self.lstm = nn.LSTM(channels, (num_layers * channels) // 2, bidirectional=True,
                            batch_first=True)
        self.att = nn.Linear((num_layers * channels) // 2, 1)

    def forward(self, xs):
        x = torch.stack(xs, dim=1)
        alpha, _ = self.lstm(x)
        return self.att(alpha)
'''
    code = HEADER + textwrap.dedent(src)
    path = tmp_path / "model.py"
    path.write_text(code)
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Net"], Project([str(path)]))
    found = [(c.expected, c.received) for _n, c in ms.graph.conflicts("features")]
    assert found == [("((channels*num_layers)//2)", "2*((channels*num_layers)//2)")]
    ns: dict = {}
    exec(compile(code, str(path), "exec"), ns)
    for channels, layers in ((2, 1), (3, 3), (4, 2)):
        with pytest.raises(RuntimeError, match="cannot be multiplied"):
            ns["Net"](channels, layers)([torch.randn(5, channels) for _ in range(layers)])
    # a floor division alone (no RNN behind it) may be 0: no proof there
    from lstm_lint.symbolic import FloorDiv, definitely_different, sym
    k = sym("n") * sym("c") // 2
    assert isinstance(k.terms[0][0][0][0], FloorDiv)
    assert not definitely_different(k, 2 * k)
    assert definitely_different(k, 2 * k, (k,))
