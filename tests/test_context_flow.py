"""Shapes that reach a model from around it: the training loop's states, the parent that builds
and calls a child, a script in another file that builds the class with real sizes, an input
cast with ``.long()`` or sorted for packing.  Each case is checked against real torch: the bug
variant crashes (or the correct one runs) with the shapes lstm-lint states.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lstm_lint.analyze import analyze_module
from lstm_lint.lint import Options, lint_paths, load
from lstm_lint.project import Project
from lstm_lint.shapes import parse_spec

HEADER = "import torch\nimport torch.nn as nn\n"

TAGGER = HEADER + '''

class Tagger(nn.Module):
    def __init__(self, vocab, emb, hidden, layers=2):
        super().__init__()
        self.hidden = hidden
        self.layers = layers
        self.emb = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb, hidden, layers, batch_first=True)
        self.fc = nn.Linear(hidden, 5)

    def init_hidden(self, batch):
        return (torch.zeros(STATE), torch.zeros(STATE))

    def forward(self, x, hidden):
        out, hidden = self.rnn(self.emb(x.long()), hidden)
        return self.fc(out), hidden


def train(steps=2):
    model = Tagger(50, 13, 11)
    x = torch.randint(0, 50, (4, 7))
    hidden = model.init_hidden(4)
    for _ in range(steps):
        y, hidden = model(x, hidden)
    return y
'''

GOOD_STATE = "self.layers, batch, self.hidden"
BAD_STATE = "batch, self.layers, self.hidden"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def _findings(*paths: Path) -> list:
    return [f for r in lint_paths([str(p) for p in paths], Options()) for f in r.findings]


def _run(text: str, fn: str, *args):
    ns: dict = {}
    exec(compile(text, "<case>", "exec"), ns)
    return ns[fn](*args)


def test_init_hidden_state_from_the_training_loop(tmp_path):
    """``hidden = model.init_hidden(4)`` before the loop, ``model(x, hidden)`` inside it: the
    first iteration runs with the state init_hidden made, so a batch-first state is LST301."""
    pytest.importorskip("torch")
    good = TAGGER.replace("STATE", GOOD_STATE)
    bad = TAGGER.replace("STATE", BAD_STATE)
    assert _findings(_write(tmp_path, "good.py", good)) == []
    found = _findings(_write(tmp_path, "bad.py", bad))
    assert [f.code for f in found] == ["LST301"], [f.message for f in found]
    assert "(4, 2, 11)" in found[0].message and "(2, 4, 11)" in found[0].message
    # the sizes come from the training code: the finding says how it got there
    assert found[0].message.endswith("(when called through model.init_hidden (Tagger))")
    assert tuple(_run(good, "train").shape) == (4, 7, 5)
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(2, 4, 11\), got \[4, 2, 11\]"):
        _run(bad, "train")


def test_long_cast_then_embedding_solves_the_input(tmp_path):
    """``self.emb(x.long())``: the input is (B, T) of any dtype, the output (B, T, 5)."""
    torch = pytest.importorskip("torch")
    text = TAGGER.replace("STATE", GOOD_STATE)
    path = _write(tmp_path, "tagger.py", text)
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Tagger"], Project([str(path)]))
    assert ms.inputs[0].shape.render() == "(B, T)"
    assert ms.output.items[0].shape.render() == "(B, T, 5)"
    ns: dict = {}
    exec(text, ns)
    model = ns["Tagger"](50, 13, 11)
    y, _ = model(torch.randint(0, 50, (3, 7)).float(), model.init_hidden(3))
    assert tuple(y.shape) == (3, 7, 5)


PACKED = HEADER + '''from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class Encoder(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True, bidirectional=True)

    def forward(self, x, lengths):
        lengths, order = lengths.sort(descending=True)
        x = x.index_select(0, order)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True)
        out, h = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.size(1))
        _, undo = order.sort()
        return out.index_select(0, undo)
'''


def test_sorted_and_packed_batch(tmp_path):
    torch = pytest.importorskip("torch")
    path = _write(tmp_path, "packed.py", PACKED)
    fm = load(str(path), prefilter=False)
    project = Project([str(path)])
    cls = fm.classes["Encoder"]
    from lstm_lint.shapes import from_json

    ms = analyze_module(fm, cls, project, [], {"n_in": from_json(5), "hidden": from_json(11)},
                        [parse_spec("float32[3,7,5]"), parse_spec("int64[3]")])
    static = tuple(d.as_int() for d in ms.output.shape.dims)
    ns: dict = {}
    exec(PACKED, ns)
    real = ns["Encoder"](5, 11)(torch.randn(3, 7, 5), torch.tensor([7, 3, 5]))
    assert static == tuple(real.shape) == (3, 7, 22)
    assert _findings(path) == []


PARENT = HEADER + '''

class Encoder(nn.Module):
    def __init__(self, n_in, hidden, bidirectional):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True, bidirectional=bidirectional)
        self.fc = nn.Linear(hidden, 3)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder(5, 11, BIDIR)

    def forward(self, x):
        return self.encoder(x)
'''


def test_child_built_by_its_parent_with_concrete_arguments(tmp_path):
    """Encoder alone is fine for bidirectional=False; its parent builds it bidirectional, so the
    head gets 2*11 features: the finding is at the child's line and names the parent's call."""
    torch = pytest.importorskip("torch")
    good = PARENT.replace("BIDIR", "False")
    bad = PARENT.replace("BIDIR", "True")
    assert _findings(_write(tmp_path, "good.py", good)) == []
    found = _findings(_write(tmp_path, "bad.py", bad))
    # the head is too narrow (LST101), and out[:, -1] of the bidirectional LSTM has seen one
    # token backwards (LST202): both are the parent's doing and both say so
    assert [f.code for f in found] == ["LST101", "LST202"], [f.message for f in found]
    assert all("(when called through self.encoder (Encoder))" in f.message for f in found)
    f = found[0]
    assert "receives 22" in f.message and "expects 11" in f.message
    assert f.line == PARENT.splitlines().index("        return self.fc(out[:, -1])") + 1
    assert tuple(_run(good, "Classifier")(torch.randn(3, 7, 5)).shape) == (3, 3)
    with pytest.raises(RuntimeError, match="3x22 and 11x3"):
        _run(bad, "Classifier")(torch.randn(3, 7, 5))


MODEL_FILE = HEADER + '''

class Net(nn.Module):
    def __init__(self, n_in, hidden, layers, dropout):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, layers, dropout=dropout, batch_first=True)
        self.fc = nn.Linear(hidden, 2)

    def forward(self, x):
        out, h = self.rnn(x)
        return self.fc(h[-1])
'''

TRAIN_FILE = '''import torch
from model import Net

model = Net(8, 16, LAYERS, 0.3)
out = model(torch.randn(4, 9, 8))
'''


@pytest.mark.parametrize("layers, codes", [(2, []), (1, ["LST501"])])
def test_class_built_with_concrete_sizes_in_a_script_of_another_file(tmp_path, layers, codes):
    """train.py builds Net(8, 16, layers, 0.3): the model file alone says which configuration
    its finding holds under, and the single-file run answers as the whole-tree run does."""
    torch = pytest.importorskip("torch")
    model = _write(tmp_path, "model.py", MODEL_FILE)
    train = _write(tmp_path, "train.py", TRAIN_FILE.replace("LAYERS", str(layers)))
    alone = _findings(model)
    whole = _findings(model, train)
    assert [f.code for f in alone] == codes, [f.message for f in alone]
    assert [(f.code, f.line, f.message) for f in alone] == \
        [(f.code, f.line, f.message) for f in whole]
    if codes:
        assert "as built at train.py:4" in alone[0].message
    import warnings

    ns: dict = {}
    exec(MODEL_FILE, ns)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net = ns["Net"](8, 16, layers, 0.3)
    assert tuple(net(torch.randn(4, 9, 8)).shape) == (4, 2)
    assert any("dropout" in str(w.message) for w in caught) == bool(codes)


def test_shapes_lists_the_configurations_it_used(tmp_path):
    """``lstm-lint shapes model.py`` answers symbolically, then under each configuration the
    code builds the class with, in text and JSON, with what crosses a conflict there."""
    import json
    import subprocess
    import sys

    _write(tmp_path, "model.py", MODEL_FILE)
    _write(tmp_path, "train.py", TRAIN_FILE.replace("LAYERS", "1"))
    cmd = [sys.executable, "-m", "lstm_lint", "shapes", "model.py"]
    text = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert text.splitlines()[1:] == [
        "    forward(x: (B, T, n_in)) -> (B, 2)",
        "    as built at train.py:4: forward(x: (B, T, 8)) -> (B, 2)",
        "        but line 8 warns: self.rnn expects num_layers > 1 for dropout=0.3 but receives "
        "num_layers=1",
    ]
    doc = json.loads(subprocess.run([*cmd, "--format", "json"], cwd=tmp_path, capture_output=True,
                                    text=True, check=True).stdout)
    (config,) = doc[0]["configurations"]
    assert config["label"] == "as built at train.py:4"
    assert config["inputs"] == [["B", "T", 8]] and config["output"] == ["B", 2]
    assert config["conflicts"][0]["line"] == 8


STEP_DECODER = HEADER + '''

class Decoder(nn.Module):
    """bentrevett/pytorch-seq2seq's decoder: one token per sample, states passed in."""

    def __init__(self, vocab, emb, hidden, layers):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb, hidden, layers)
        self.fc_out = nn.Linear(hidden, vocab)

    def forward(self, input, hidden, cell):
        embedded = self.embedding(input.unsqueeze(0))
        output, (hidden, cell) = self.rnn(embedded, (hidden, cell))
        return self.fc_out(output.squeeze(0)), hidden, cell
'''


def test_one_solved_input_solves_the_states_passed_beside_it(tmp_path):
    """The token input (B,) tells the batch; then the state arguments are solved from the LSTM:
    (layers, B, hidden) each, as torch requires."""
    torch = pytest.importorskip("torch")
    path = _write(tmp_path, "decoder.py", STEP_DECODER)
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Decoder"], Project([str(path)]))
    assert [v.shape.render() for v in ms.inputs] == \
        ["(B,)", "(layers, B, hidden)", "(layers, B, hidden)"]
    assert [v.shape.render() for v in ms.output.items] == \
        ["(B, vocab)", "(layers, B, hidden)", "(layers, B, hidden)"]
    ns: dict = {}
    exec(STEP_DECODER, ns)
    y, h, c = ns["Decoder"](50, 13, 11, 2)(torch.randint(0, 50, (3,)), torch.zeros(2, 3, 11),
                                          torch.zeros(2, 3, 11))
    assert (tuple(y.shape), tuple(h.shape), tuple(c.shape)) == ((3, 50), (2, 3, 11), (2, 3, 11))


SAMPLER = HEADER + '''

class Generator(nn.Module):
    def __init__(self, vocab, emb, hidden):
        super().__init__()
        self.hidden = hidden
        self.emb = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb, hidden, LAYOUT)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, inp, hidden):
        emb = self.emb(inp)
        if len(inp.size()) == 1:
            emb = emb.unsqueeze(1)
        out, hidden = self.rnn(emb, hidden)
        return self.out(out.reshape(-1, self.hidden)), hidden

    def init_hidden(self, batch_size):
        return (torch.zeros(1, batch_size, self.hidden), torch.zeros(1, batch_size, self.hidden))

    def sample(self, num_samples, batch_size, start_letter=0):
        samples = []
        hidden = self.init_hidden(batch_size)
        inp = torch.LongTensor([start_letter] * batch_size)
        for i in range(num_samples):
            out, hidden = self.forward(inp, hidden)
            inp = torch.multinomial(torch.softmax(out, dim=-1), 1).view(-1)
            samples.append(inp)
        return torch.stack(samples, dim=1)
'''


def test_forward_in_the_context_of_the_class_s_sampling_method(tmp_path):
    """``sample()`` feeds forward one token per row, unsqueezed to a (batch, 1, emb) step, with
    a state of that batch: a time-major LSTM reads the batch as time (LST204), seen only in
    the context sample gives forward; the finding names the method. forward's own solved
    inputs and output, and what ``shapes`` shows, stay forward's."""
    pytest.importorskip("torch")
    good = SAMPLER.replace("LAYOUT", "batch_first=True")
    bad = SAMPLER.replace("LAYOUT", "batch_first=False")
    assert _findings(_write(tmp_path, "good.py", good)) == []
    found = _findings(_write(tmp_path, "bad.py", bad))
    assert [(f.code, f.line) for f in found] == [("LST204", 17)], [f.message for f in found]
    assert found[0].message.endswith("(when called through self.sample)")
    assert "(batch_size, 1, emb)" in found[0].message
    assert tuple(_run(good, "Generator", 20, 8, 16).sample(5, 4).shape) == (4, 5)
    with pytest.raises(RuntimeError,
                       match=r"Expected hidden\[0\] size \(1, 1, 16\), got \[1, 4, 16\]"):
        _run(bad, "Generator", 20, 8, 16).sample(5, 4)
    # forward alone: its inputs and output as before, no conflict in what shapes shows
    from lstm_lint import method_contexts as analyze
    from lstm_lint.shapes import located_conflicts

    path = tmp_path / "bad.py"
    fm = load(str(path), prefilter=False)
    with_methods = analyze_module(fm, fm.classes["Generator"], Project([str(path)]))
    saved = analyze.MAX_METHOD_CONTEXTS
    analyze.MAX_METHOD_CONTEXTS = 0
    try:
        alone = analyze_module(fm, fm.classes["Generator"], Project([str(path)]))
    finally:
        analyze.MAX_METHOD_CONTEXTS = saved
    assert [str(v) for v in with_methods.inputs] == [str(v) for v in alone.inputs]
    assert str(with_methods.output) == str(alone.output)
    assert with_methods.constraints == alone.constraints
    assert located_conflicts(with_methods) == located_conflicts(alone) == []


def test_a_method_past_its_own_budget_leaves_forward_whole(tmp_path, monkeypatch):
    """A method run stops at its own step budget: forward's analysis is never cut short."""
    from lstm_lint import method_contexts as analyze

    path = _write(tmp_path, "bad.py", SAMPLER.replace("LAYOUT", "batch_first=False"))
    fm = load(str(path), prefilter=False)
    full = analyze_module(fm, fm.classes["Generator"], Project([str(path)]))
    monkeypatch.setattr(analyze, "METHOD_STEPS", 5)
    cut = analyze_module(fm, fm.classes["Generator"], Project([str(path)]))
    assert cut.note is None and str(cut.output) == str(full.output)
    assert not list(cut.graph.conflicts())  # stopped before forward ran in sample's context
    assert list(full.graph.conflicts())


def test_a_sampling_default_read_from_a_config_module(tmp_path):
    """``start_letter=cfg.start_letter`` with ``start_letter = 1`` in config.py: a number, so
    ``torch.LongTensor([start_letter] * batch_size)`` is (batch_size,) and sample's context
    shows the same LST204; a name the config file does not set to an int stays unknown."""
    pytest.importorskip("torch")
    _write(tmp_path, "config.py", "start_letter = 1\nstart_tokens = [1, 2]\n")
    text = SAMPLER.replace("LAYOUT", "batch_first=False").replace(
        "start_letter=0", "start_letter=cfg.start_letter").replace(
        "import torch.nn as nn\n", "import torch.nn as nn\n\nimport config as cfg\n")
    found = _findings(_write(tmp_path, "gen.py", text))
    assert [(f.code, f.line) for f in found] == [("LST204", 19)], [f.message for f in found]
    assert found[0].message.endswith("(when called through self.sample)")
    # a list in the config: torch.LongTensor([[1, 2]] * batch_size) is 2-d, no claim is made
    other = text.replace("cfg.start_letter", "cfg.start_tokens")
    assert _findings(_write(tmp_path, "gen2.py", other)) == []
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        ns: dict = {}
        exec(compile(text, str(tmp_path / "gen.py"), "exec"), ns)
        with pytest.raises(RuntimeError,
                           match=r"Expected hidden\[0\] size \(1, 1, 16\), got \[1, 4, 16\]"):
            ns["Generator"](20, 8, 16).sample(5, 4)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("config", None)


ESTIMATOR_FILE = HEADER + '''

class Module(nn.Module):
    def __init__(self, n_features, hidden, n_layers, dropout):
        super().__init__()
        self.encoder = nn.LSTM(n_features, hidden, batch_first=True,
                               num_layers=n_layers[0], dropout=dropout[0])

    def forward(self, x):
        return self.encoder(x)[0]


class Estimator:
    """Not a module: it builds one with its own defaults when it sees the data."""

    def __init__(self, hidden=5, n_layers=(1, 1), dropout=(DROP, DROP)):
        self.hidden, self.n_layers, self.dropout = hidden, n_layers, dropout

    def fit(self, X):
        self.model = Module(X.shape[1], self.hidden, self.n_layers, self.dropout)
        return self.model(torch.as_tensor(X).unsqueeze(0))
'''


@pytest.mark.parametrize("drop, codes", [("0.0", []), ("0.25", ["LST501"])])
def test_a_model_built_by_a_plain_class_with_its_defaults(tmp_path, drop, codes):
    """DeepADoTS, darts, qlib: an estimator class (no module) builds the model in ``fit`` from
    its own defaults and the data's width, which the code never tells: the defaults decide
    the dropout check, the unknown width stays a symbol, and the finding names the call."""
    torch = pytest.importorskip("torch")
    text = ESTIMATOR_FILE.replace("DROP", drop)
    found = _findings(_write(tmp_path, "est.py", text))
    assert [f.code for f in found] == codes, [f.message for f in found]
    if codes:
        assert found[0].message.endswith("(as built at est.py:22)")
    import warnings

    ns: dict = {}
    exec(text, ns)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = ns["Estimator"]().fit(torch.randn(7, 3))
    assert tuple(out.shape) == (1, 7, 5)
    assert any("dropout" in str(w.message) for w in caught) == bool(codes)


HEAD_MODULE = HEADER + '''

class Head(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)

    def forward(self, x):
        return self.linear(x)
'''

ENCODER = HEADER + '''
from heads import Head


class Encoder(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True, bidirectional=True)
        self.score = Head(WIDTH, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.score(out)


def run():
    return Encoder(4, 6)(torch.randn(3, 7, 4))
'''


def test_a_finding_in_a_child_of_another_file_shows_where_this_file_builds_it(tmp_path):
    """``self.score = Head(hidden, 1)`` with ``Head`` in another file: the mismatch is found
    at the child's ``nn.Linear``, and the finding shows the line of this file that built the
    child with the wrong size, and the call that fed it."""
    (tmp_path / "pyproject.toml").write_text("")
    _write(tmp_path, "heads.py", HEAD_MODULE)
    good = ENCODER.replace("WIDTH", "2 * hidden")
    bad = ENCODER.replace("WIDTH", "hidden")
    assert _findings(_write(tmp_path, "good.py", good)) == []
    path = _write(tmp_path, "bad.py", bad)
    found = _findings(path)
    assert [f.code for f in found] == ["LST101"]
    f = found[0]
    assert f.path.endswith("heads.py") and "when called through self.score (Head)" in f.message
    here = [(r.span.line, r.message) for r in f.related if r.path == str(path)]
    lines = bad.splitlines()
    built = next(i for i, ln in enumerate(lines, 1) if "self.score = Head(" in ln)
    called = next(i for i, ln in enumerate(lines, 1) if "self.score(out)" in ln)
    assert here == [(built, "the module is built here"), (called, "and called here")]
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        assert tuple(_run(good, "run").shape) == (3, 7, 1)
        with pytest.raises(RuntimeError, match="cannot be multiplied"):
            _run(bad, "run")
    finally:
        sys.path.remove(str(tmp_path))


# ---- a wrapper that builds its module through a local, with keywords of unknown content ------

WRAPPED = HEADER + '''

class Base(nn.Module):
    def __init__(self, input_size, hidden_dim, num_layers, dropout=0.0, extra=None):
        super().__init__()
        self.input_size, self.hidden_dim = input_size, hidden_dim
        self.num_layers, self.dropout = num_layers, dropout


class _Module(Base):
    def __init__(self, name, **kwargs):
        super().__init__(**kwargs)
        self.rnn = getattr(nn, name)(self.input_size, self.hidden_dim, self.num_layers,
                                     batch_first=True, dropout=DROPOUT)

    def forward(self, x):
        out, _ = self.rnn(x)
        return out[:, -1]


class Wrapper:
    def __init__(self, hidden_dim=25, n_rnn_layers=1, model="GRU", **module_params):
        self.hidden_dim, self.n_rnn_layers, self.model = hidden_dim, n_rnn_layers, model
        self.module_params = {k: v for k, v in module_params.items() if v is not None}

    def _create_model(self, n_features):
        kwargs = {}
        if isinstance(self.model, str):
            model_cls = _Module
            kwargs["name"] = self.model
        else:
            model_cls = self.model
        return model_cls(input_size=n_features, hidden_dim=self.hidden_dim,
                         num_layers=self.n_rnn_layers, **self.module_params, **kwargs)
'''


def test_a_wrapper_s_defaults_reach_the_module_it_builds_through_a_local(tmp_path):
    """darts style: ``model_cls = _Module`` then ``model_cls(num_layers=self.n_rnn_layers,
    **self.module_params, **kwargs)``, the module handing its **kwargs to its base: the
    wrapper's default n_rnn_layers=1 reaches the GRU (the unknown keywords cannot override a
    named one), and dropout on that one layer is reported; torch warns for it."""
    torch = pytest.importorskip("torch")
    import warnings

    bad, good = tmp_path / "bad.py", tmp_path / "good.py"
    bad.write_text(WRAPPED.replace("DROPOUT", "0.3"))
    good.write_text(WRAPPED.replace("DROPOUT", "self.dropout"))
    found = [(f.code, f.line) for f in _findings(bad)]
    rnn_line = next(i for i, s in enumerate(bad.read_text().splitlines(), 1)
                    if "getattr(nn, name)" in s)
    assert found == [("LST501", rnn_line)]
    assert _findings(good) == []
    for path, warns in ((bad, True), (good, False)):
        ns: dict = {}
        exec(compile(path.read_text(), str(path), "exec"), ns)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = ns["Wrapper"]()._create_model(4)
        assert any("num_layers greater than 1" in str(w.message) for w in caught) == warns
        assert tuple(model(torch.randn(2, 5, 4)).shape) == (2, 25)


# ---- the branch a caller opens by passing an argument that defaults to None ------------------

STEPPER = HEADER + '''

class Stepper(nn.Module):
    def __init__(self, n_events, control_dim, hidden):
        super().__init__()
        self.control_dim = control_dim
        self.embed = nn.Embedding(n_events, n_events)
        self.fc = nn.Linear(n_events + 1 + control_dim, hidden)
        self.gru = nn.GRU(hidden, hidden)

    def forward(self, event, control=None, hidden=None):
        # one step, time-major: event (1, B)
        assert event.shape[0] == 1
        batch_size = event.shape[1]
        event = self.embed(event)
        if control is None:
            default = torch.ones(1, batch_size, 1)
            control = torch.zeros(1, batch_size, self.control_dim)
        else:
            default = DEFAULT
        x = torch.cat([event, default, control], -1)
        _, hidden = self.gru(self.fc(x), hidden)
        return hidden
'''


@pytest.mark.parametrize("default, code", [
    ("torch.zeros(1, 32, 1)", "LST305"),
    ("torch.zeros(batch_size, 1, 1)", "LST301"),
    ("torch.zeros(1, batch_size, 1)", None),
])
def test_a_none_default_s_other_branch_is_analysed_too(tmp_path, default, code):
    """PerformanceRNN style: ``control=None`` tested with ``is None``; the bug is in the
    branch a caller opens by passing a control.  The argument is analysed as a tensor of the
    caller's too (one more run, findings only): a buffer built for a fixed batch (LST305) or
    with the batch on the time axis (LST301) joined by torch.cat with the step's (1, B, E)
    parts is reported at the factory; the correct one is clean.  Torch raises for both bugs
    with a control passed, and runs without one."""
    torch = pytest.importorskip("torch")
    src = STEPPER.replace("DEFAULT", default)
    path = tmp_path / "model.py"
    path.write_text(src)
    line = next(i for i, s in enumerate(src.splitlines(), 1) if "default = " + default in s)
    found = [(f.code, f.line) for f in _findings(path)]
    assert found == ([(code, line)] if code else [])
    ns: dict = {}
    exec(compile(src, str(path), "exec"), ns)
    model = ns["Stepper"](5, 3, 8)
    event = torch.randint(0, 5, (1, 4))
    assert tuple(model(event).shape) == (1, 4, 8)
    if code is None:
        assert tuple(model(event, torch.randn(1, 4, 3)).shape) == (1, 4, 8)
    else:
        with pytest.raises(RuntimeError, match="Sizes of tensors must match"):
            model(event, torch.randn(1, 4, 3))


PACKER = HEADER + '''

class Enc(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden)

    def forward(self, x, lengths=None):
        if lengths is not None:
            x = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=BF,
                                                  enforce_sorted=False)
        out, _ = self.rnn(x)
        return out
'''


@pytest.mark.parametrize("bf, codes", [("True", ["LST204"]), ("False", [])])
def test_a_packing_that_reads_the_input_the_other_way_round(tmp_path, bf, codes):
    """speechbrain style: the unpacked path reads x time-major (an LSTM without batch_first);
    the path a caller opens by passing lengths packs it with batch_first=True: the packing takes
    axis 0 for the batch, and the finding says the packing is at fault (not the layer's flag).
    Torch: the time-major (T, B, F) batch packed batch-first needs T lengths and raises with
    B of them."""
    torch = pytest.importorskip("torch")
    src = PACKER.replace("BF", bf)
    path = tmp_path / "model.py"
    path.write_text(src)
    found = _findings(path)
    assert [f.code for f in found] == codes
    if codes:
        assert "PackedSequence packed with batch_first=True" in found[0].message
    ns: dict = {}
    exec(compile(src, str(path), "exec"), ns)
    model = ns["Enc"](4, 6)
    x, lengths = torch.randn(7, 3, 4), torch.tensor([7, 5, 2])
    assert tuple(model(x).shape) == (7, 3, 6)
    if codes:
        with pytest.raises(RuntimeError, match="exceeds dimension size|lengths"):
            model(x, lengths)
    else:
        assert model(x, lengths).data.shape[-1] == 6
