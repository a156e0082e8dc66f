"""Engine facts about loops that may break, lists whose order or count the data decides, and
forward methods that take ``*args``; each checked against real torch on a small model."""

from __future__ import annotations

from test_engine_facts import run_both

# ---- loops with a break ---------------------------------------------------------------------


def test_a_short_loop_whose_break_each_pass_decides(tmp_path):
    # `if t == self.num_step - 1: break` with t known on every pass: the loop runs pass by
    # pass and stops where torch stops
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, num_step):
        super().__init__()
        self.cell = nn.GRUCell(n_in, n_in)
        self.num_step = num_step

    def forward(self, x):
        h = x.new_zeros(x.size(0), x.size(1))
        outs = []
        for t in range(int(self.num_step / 4)):
            h = self.cell(x, h)
            outs.append(h.unsqueeze(1))
            if t == 2:
                break
            x = x * 2
        return torch.cat(outs, dim=1)
''', {"n_in": 5, "num_step": 32}, ["float32[3,5]"])
    assert static == (3, 3, 5) == real


def test_a_long_loop_that_breaks_only_on_its_last_pass(tmp_path):
    # the break stops the loop where the range ends anyway: the count stays the range's
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, steps):
        super().__init__()
        self.cell = nn.GRUCell(n_in, n_in)
        self.steps = steps

    def forward(self, x):
        h = x.new_zeros(x.size(0), x.size(1))
        outs = []
        for t in range(1, self.steps):
            h = self.cell(x, h)
            outs.append(h.unsqueeze(1))
            if t == self.steps - 1:
                break
            x = x[:, :] * 2
        return torch.cat(outs, dim=1)
''', {"n_in": 5, "steps": 16}, ["float32[3,5]"])
    assert static == (3, 15, 5) == real


def test_a_break_the_data_decides_leaves_the_count_unknown(tmp_path):
    # the same loops, but the break depends on the values: how many passes is not known
    for bound in ("2", "self.steps - 1"):
        static, real = run_both(tmp_path, f'''
class Net(nn.Module):
    def __init__(self, n_in, steps):
        super().__init__()
        self.cell = nn.GRUCell(n_in, n_in)
        self.steps = steps

    def forward(self, x):
        h = x.new_zeros(x.size(0), x.size(1))
        outs = []
        for t in range({bound.replace(" - 1", "")}):
            h = self.cell(x, h)
            outs.append(h.unsqueeze(1))
            if t == {bound} or h.sum() > 1e9:
                break
        return torch.cat(outs, dim=1)
''', {"n_in": 5, "steps": 16}, ["float32[3,5]"])
        assert static == (3, None, 5)
        assert real[1] in (2, 16)


def test_a_break_on_a_reassigned_bound_is_not_the_last_pass(tmp_path):
    # the bound is rebound in the loop: the break may come early, the count is not claimed
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, steps):
        super().__init__()
        self.cell = nn.GRUCell(n_in, n_in)
        self.steps = steps

    def forward(self, x):
        h = x.new_zeros(x.size(0), x.size(1))
        outs = []
        last = self.steps - 1
        for t in range(self.steps):
            h = self.cell(x, h)
            outs.append(h.unsqueeze(1))
            if t == last:
                break
            last = 4
        return torch.cat(outs, dim=1)
''', {"n_in": 5, "steps": 16}, ["float32[3,5]"])
    assert static == (3, None, 5) and real == (3, 5, 5)


def test_float_comparisons_decide_branches(tmp_path):
    # `if dropout > 0:` with dropout=0.0: no Dropout is appended; with 0.5 it is
    src = '''
def make_mlp(dims, dropout=0):
    layers = []
    for d_in, d_out in zip(dims[:-1], dims[1:]):
        layers.append(nn.Linear(d_in, d_out))
        if dropout > 0:
            layers.append(nn.Dropout(p=dropout))
    return nn.Sequential(*layers)


class Net(nn.Module):
    def __init__(self, n_in, hidden, dropout):
        super().__init__()
        self.mlp = make_mlp([n_in, 9, hidden], dropout=dropout)
        self.rnn = nn.GRU(hidden, hidden, batch_first=True)

    def forward(self, x):
        out, h = self.rnn(self.mlp(x))
        return out, h, 1.5 < 2 <= 2.0
'''
    for p in (0.0, 0.5):
        static, real = run_both(tmp_path, src, {"n_in": 5, "hidden": 11, "dropout": p},
                                ["float32[3,7,5]"])
        assert static[:2] == [(3, 7, 11), (1, 3, 11)] == real[:2]


# ---- lists: sorted, filtered by a mask ------------------------------------------------------


def test_sorted_keeps_the_length(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden)

    def forward(self, x):
        lens = [7, 5, 3]
        order = sorted(range(len(lens)), key=lambda i: lens[i], reverse=True)
        idx = torch.LongTensor(order).to(x.device)
        out, _ = self.rnn(x.index_select(index=idx, dim=1))
        same = sorted([x.size(0), x.size(0)])
        return out, torch.LongTensor(sorted(lens)), x.new_zeros(same[0], 2)
''', {"n_in": 5, "hidden": 11}, ["float32[7,3,5]"])
    assert static == [(7, 3, 11), (3,), (7, 2)] == real


def test_a_list_filtered_by_a_mask_has_known_elements(tmp_path):
    # which elements the mask keeps is the data's: how many is not known, each one's shape is
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.hidden = hidden
        self.fc = nn.Linear(hidden, 4)

    def forward(self, obs):
        hs = [torch.zeros(self.hidden) for _ in range(obs.size(0))]
        mask = torch.isnan(obs[:, 0]) == 0
        kept = torch.stack([h for m, h in zip(mask, hs) if m], dim=0)
        rows = torch.stack([r for r in obs if r.sum() > -1e9])
        return self.fc(kept), rows
''', {"hidden": 11}, ["float32[7,2]"])
    assert static == [(None, 4), (None, 2)] and real == [(7, 4), (7, 2)]


# ---- forward(self, *args, **kwargs) ---------------------------------------------------------


def test_forward_with_star_args_dispatching_by_name(tmp_path):
    # a base class whose forward passes everything on to ``_<mode>`` (as captioning models do)
    static, real = run_both(tmp_path, '''
class Base(nn.Module):
    def forward(self, *args, **kwargs):
        mode = kwargs.get("mode", "forward")
        if "mode" in kwargs:
            del kwargs["mode"]
        return getattr(self, "_" + mode)(*args, **kwargs)


class Net(Base):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)

    def _forward(self, x, y):
        out, _ = self.rnn(x)
        return out, y.sum(1)
''', {"n_in": 5, "hidden": 11}, ["float32[3,7,5]", "float32[3,4]"])
    assert static == [(3, 7, 11), (3,)] == real


# ---- constructor arguments that are objects built with known arguments ----------------------


def _built(ns: dict, v):
    """The torch side of a ``{"new": ...}`` argument: the object, built."""
    if isinstance(v, dict) and "new" in v:
        return ns[v["new"]](*[_built(ns, a) for a in v.get("args", [])],
                            **{k: _built(ns, a) for k, a in v.get("kwargs", {}).items()})
    return v


def _engine(path, kwargs: dict, specs: list[str]) -> list:
    from lstm_lint.analyze import analyze_module
    from lstm_lint.lint import load
    from lstm_lint.project import Project
    from lstm_lint.shapes import from_json, parse_spec
    from lstm_lint.values import Seq, Tensor

    fm = load(str(path), prefilter=False)
    c = next(c for c in fm.module_classes() if c.name == "Net")
    ms = analyze_module(fm, c, Project([str(path)]), [],
                        {k: from_json(v) for k, v in kwargs.items()},
                        [parse_spec(s) for s in specs])
    assert isinstance(ms.output, Seq)
    return [tuple(d.as_int() if d is not None else None for d in t.shape.dims)
            if isinstance(t, Tensor) and t.shape is not None else None
            for t in ms.output.items]


def _engine_and_torch(tmp_path, src: str, kwargs: dict, specs: list[str]):
    import textwrap

    import pytest

    torch = pytest.importorskip("torch")
    code = "import torch\nimport torch.nn as nn\n" + textwrap.dedent(src)
    path = tmp_path / "model.py"
    path.write_text(code)
    ns: dict = {}
    exec(compile(code, str(path), "exec"), ns)
    model = ns["Net"](**{k: _built(ns, v) for k, v in kwargs.items()}).eval()
    with torch.no_grad():
        out = model(*[torch.randn(*[int(d) for d in s[8:-1].split(",")]) for s in specs])
    return _engine(path, kwargs, specs), [tuple(t.shape) for t in out]


def test_an_argument_built_from_a_class_of_the_file(tmp_path):
    # Decoder(…, attention=Attention(512, 512)) as `shapes --args` gives it:
    # {"new": "Attention", "args": [...]}; a plain configuration class with its defaults too
    src = '''
class Attention(nn.Module):
    def __init__(self, enc_dim, dec_dim):
        super().__init__()
        self.fc = nn.Linear(enc_dim + dec_dim, 1)

    def forward(self, h, enc):
        h = h.unsqueeze(1).repeat(1, enc.size(1), 1)
        return torch.softmax(self.fc(torch.cat([h, enc], dim=2)).squeeze(2), dim=1)


class Config:
    def __init__(self, hidden=13, layers=2):
        self.hidden = hidden
        self.layers = layers


class Net(nn.Module):
    def __init__(self, n_in, attention, config):
        super().__init__()
        self.attention = attention
        self.rnn = nn.GRU(n_in, config.hidden, config.layers, batch_first=True)

    def forward(self, h, enc):
        a = self.attention(h, enc)
        out, hn = self.rnn(torch.bmm(a.unsqueeze(1), enc))
        return a, out, hn
'''
    kwargs = {"n_in": 6, "attention": {"new": "Attention", "args": [6, 5]},
              "config": {"new": "Config", "kwargs": {"layers": 3}}}
    specs = ["float32[3,5]", "float32[3,7,6]"]
    static, real = _engine_and_torch(tmp_path, src, kwargs, specs)
    assert static == real == [(3, 7), (3, 1, 13), (3, 3, 13)]
    # a name no class of the project has: what it gives is unknown, never a guess
    kwargs["attention"] = {"new": "Missing", "args": [6, 5]}
    assert _engine(tmp_path / "model.py", kwargs, specs) == [None, (3, None, 13), (3, 3, 13)]


# ---- broadcasting against a size the engine does not know; `is True` ------------------------


def test_an_unknown_size_broadcast_with_a_known_one(tmp_path):
    # a conv bank of kernels 1..K (too many to follow one by one) cut to seq_len, then a
    # residual: the unknown length is 1 or seq_len, and the sum is seq_len either way; a flag
    # set to False is not `is True`
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, channels, K, proj):
        super().__init__()
        self.bank = nn.ModuleList([nn.Conv1d(channels, channels, k, padding=k // 2)
                                   for k in range(1, K + 1)])
        self.mismatch = proj != channels
        self.pre = nn.Linear(proj, channels) if self.mismatch else None
        self.rnn = nn.GRU(channels, channels, batch_first=True)

    def forward(self, x):
        seq_len = x.size(-1)
        c = x
        for conv in self.bank:
            c = conv(x)[:, :, :seq_len]
        y = (c + x).transpose(1, 2)
        if self.mismatch is True:
            y = self.pre(y)
        out, _ = self.rnn(y)
        return out, x[:, :1] * c
''', {"channels": 6, "K": 12, "proj": 6}, ["float32[3,6,7]"])
    assert static == [(3, 7, 6), (3, 6, 7)] == real


# ---- containers: a ModuleList subclass, skip_init, list.extend, dicts of lists, type() -------


def test_a_module_list_subclass_and_skip_init(tmp_path):
    # OpenNMT's Elementwise: a ModuleList subclass iterated with zip(self, ...); its modules
    # built by torch.nn.utils.skip_init from a list extended by (no) feature sizes
    static, real = run_both(tmp_path, '''
from torch.nn.utils import skip_init


class Elementwise(nn.ModuleList):
    def __init__(self, merge=None, *args):
        self.merge = merge
        super(Elementwise, self).__init__(*args)

    def forward(self, emb):
        emb_ = [feat.squeeze(2) for feat in emb.split(1, dim=2)]
        emb_out = []
        for f, x in zip(self, emb_):
            emb_out.append(f(x))
        return torch.cat(emb_out, 2)


class Net(nn.Module):
    def __init__(self, vocab, dim, feat_vocab_sizes=[]):
        super().__init__()
        vocab_sizes = [vocab]
        dims = [dim]
        vocab_sizes.extend(feat_vocab_sizes)
        dims.extend([4] * len(feat_vocab_sizes))
        embs = [skip_init(nn.Embedding, num_embeddings=v, embedding_dim=d)
                for v, d in zip(vocab_sizes, dims)]
        self.luts = Elementwise("concat", embs)
        self.rnn = nn.LSTM(sum(dims), dim, batch_first=True)

    def forward(self, x):
        out, _ = self.rnn(self.luts(x))
        return out
''', {"vocab": 50, "dim": 9}, ["int64[3,7,1]"])
    assert static == (3, 7, 9) == real


def test_a_dict_of_lists_grown_in_a_loop_and_type_tests(tmp_path):
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in):
        super().__init__()
        self.cell = nn.GRUCell(n_in, n_in)

    def forward(self, x):
        attns = {}
        attns["std"] = []
        outs = []
        h = x[:, 0]
        for xt in x.split(1, dim=1):
            h = self.cell(xt.squeeze(1), h)
            attns["std"].append(h)
            outs += [h]
        if type(outs) == list:
            outs = torch.stack(outs, dim=1)
        for k in attns:
            if type(attns[k]) == list:
                attns[k] = torch.stack(attns[k])
        if type(outs) is not torch.Tensor:
            outs = outs[0]
        return outs, attns["std"]
''', {"n_in": 5}, ["float32[3,7,5]"])
    assert static == [(3, 7, 5), (7, 3, 5)] == real


# ---- fast_abs_rl's helpers: a reordering map, max of a list, a called plain object ----------


def test_a_sort_and_its_inverse_map_and_a_called_plain_object(tmp_path):
    static, real = run_both(tmp_path, '''
class Decoder(object):
    def __init__(self, cell, proj):
        self._cell = cell
        self._proj = proj

    def __call__(self, h, target):
        logits = []
        for i in range(target.size(1)):
            h = self._cell(target[:, i], h)
            logits.append(self._proj(h))
        return torch.stack(logits, dim=1)


class Net(nn.Module):
    def __init__(self, n_in, hidden, n_out, lens):
        super().__init__()
        self.lens = lens
        self.rnn = nn.LSTM(n_in, hidden)
        self.cell = nn.GRUCell(n_in, hidden)
        self.proj = nn.Linear(hidden, n_out)
        self._decoder = Decoder(self.cell, self.proj)

    def forward(self, x, target):
        lens = self.lens
        sort_ind = sorted(range(len(lens)), key=lambda i: lens[i], reverse=True)
        x = x.index_select(index=torch.LongTensor(sort_ind), dim=1)
        out, (h, c) = self.rnn(x)
        back_map = {ind: i for i, ind in enumerate(sort_ind)}
        reorder = [back_map[i] for i in range(len(lens))]
        out = out.index_select(index=torch.LongTensor(reorder), dim=1)
        mask = torch.ByteTensor(len(lens), max(lens))
        return out, mask, self._decoder(h[-1], target)
''', {"n_in": 5, "hidden": 11, "n_out": 4, "lens": [7, 5, 3]}, ["float32[7,3,5]", "float32[3,6,5]"])
    assert static == [(7, 3, 11), (3, 7), (3, 6, 4)] == real


def test_itertools_chain_of_a_tensors_rows_and_a_list(tmp_path):
    # trajnet++'s decoder loop: the last observed row, then n_predict - 1 Nones, paired with
    # their successors; each pass decides `is None`
    static, real = run_both(tmp_path, '''
import copy
import itertools


class Net(nn.Module):
    def __init__(self, hidden, n_predict):
        super().__init__()
        self.cell = nn.LSTMCell(2, hidden)
        self.out = nn.Linear(hidden, 2)
        self.n_predict = n_predict

    def forward(self, observed):
        prediction_truth = [None for _ in range(self.n_predict - 1)]
        h = (observed.new_zeros(observed.size(1), self.cell.hidden_size),) * 2
        positions = [observed[0], observed[-1]]
        prediction_truth = copy.deepcopy(list(itertools.chain.from_iterable(
            (observed[-1:], prediction_truth))))
        for obs1, obs2 in zip(prediction_truth[:-1], prediction_truth[1:]):
            if obs1 is None:
                obs1 = positions[-2].detach()
            if obs2 is None:
                obs2 = positions[-1].detach()
            h = self.cell(obs2 - obs1, h)
            positions.append(obs2 + self.out(h[0]))
        return torch.stack(positions, dim=0)
''', {"hidden": 11, "n_predict": 12}, ["float32[9,7,2]"])
    assert static == (13, 7, 2) == real


# ---- hasattr and str.format (BiDAF's layers) ------------------------------------------------


def test_hasattr_of_an_attribute_the_constructor_did_not_set_and_format_names(tmp_path):
    src = '''
class Lin(nn.Module):
    def __init__(self, n_in, n_out, dropout=0.0):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out)
        if dropout > 0:
            self.dropout = nn.Dropout(p=dropout)

    def forward(self, x):
        if hasattr(self, 'dropout'):
            x = self.dropout(x)
        return self.linear(x)


class Net(nn.Module):
    def __init__(self, n_in, hidden, p):
        super().__init__()
        for i in range(2):
            setattr(self, 'highway_linear{}'.format(i), nn.Sequential(Lin(n_in, n_in, p),
                                                                     nn.ReLU()))
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)

    def forward(self, x):
        for i in range(2):
            x = getattr(self, 'highway_linear{}'.format(i))(x) * x
        out, _ = self.rnn(x)
        return out, hasattr(self, 'rnn')
'''
    for p in (0.0, 0.3):
        static, real = run_both(tmp_path, src, {"n_in": 6, "hidden": 11, "p": p},
                                ["float32[3,7,6]"])
        assert static[0] == (3, 7, 11) == real[0]


def test_a_boolean_mask_over_the_first_axes_and_given_inputs_are_not_none(tmp_path):
    # flair's lemmatizer: the rows of h_n a column of a doubled identity selects (how many is
    # the mask's data, here 2), then rows 0 and 1 of them; an input given is not None
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, layers):
        super().__init__()
        self.layers = layers
        self.rnn = nn.GRU(n_in, hidden, layers, batch_first=True, bidirectional=True)

    def forward(self, x, lengths):
        states = []
        if x is not None and lengths is not None:
            out, h = self.rnn(x)
            conditions = torch.cat(2 * [torch.eye(self.layers).bool()])
            bi = [h[conditions[:, i], :, :] for i in range(self.layers)]
            states.append(torch.stack([torch.cat((b[0, :, :], b[1, :, :]), dim=1) for b in bi]))
        picked = x[x.sum(-1) > 0]
        return torch.cat(states, dim=2), picked, h[conditions[:, 0]]
''', {"n_in": 5, "hidden": 11, "layers": 2}, ["float32[3,7,5]", "int64[3]"])
    assert static == [(2, 3, 22), (None, 5), (None, 3, 11)]
    assert real[0] == (2, 3, 22) and real[2] == (2, 3, 11)


# ---- torch.distributions.Normal -------------------------------------------------------------


def test_a_normal_distribution_has_its_parameters_broadcast_shape(tmp_path):
    # ptvae's encoders: Normal(mu, var) of an RNN's final state; what is drawn from it, its
    # mean and the log-density of a tensor have the parameters' broadcast shape
    static, real = run_both(tmp_path, '''
from torch.distributions import Normal


class Net(nn.Module):
    def __init__(self, n_in, hidden, z_dim):
        super().__init__()
        self.gru = nn.GRU(n_in, hidden, batch_first=True, bidirectional=True)
        self.mu = nn.Linear(2 * hidden, z_dim)
        self.var = nn.Linear(2 * hidden, z_dim)

    def forward(self, x):
        h = self.gru(x)[-1].transpose(0, 1).contiguous().view(x.size(0), -1)
        dist = Normal(self.mu(h), self.var(h).exp_())
        wide = torch.distributions.Normal(loc=self.mu(h).unsqueeze(1), scale=1.0)
        z = dist.rsample()
        return (z, dist.mean, dist.sample((4,)), dist.log_prob(z), wide.stddev,
                wide.log_prob(z.unsqueeze(0)), dist.entropy())
''', {"n_in": 5, "hidden": 11, "z_dim": 6}, ["float32[3,7,5]"])
    assert static == [(3, 6), (3, 6), (4, 3, 6), (3, 6), (3, 1, 6), (3, 3, 6), (3, 6)]
    assert static == real
