"""Two engine facts real code needs (issue 15, task mi): the height a CNN leaves of the
caller's image, dropped by ``x.squeeze(2)`` before an RNN (the CRNN idiom), and an RNN class
chosen by name, ``getattr(nn, cell.upper())(..., num_layers=n, batch_first=True)``, which
only torch's RNN, GRU and LSTM accept.  Each model runs in torch."""

from __future__ import annotations

import textwrap

import pytest
from test_engine_facts import solved_run

from lstm_lint.analyze import analyze_module
from lstm_lint.lint import Options, check_file, load
from lstm_lint.project import Project
from lstm_lint.shapes import value_text

HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"

CRNN = '''
class Net(nn.Module):
    """A CRNN: two stride-2 convolutions leave the height of a 4-row image at 1."""
    def __init__(self, hidden, n_in=8):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(8, 8, 3, stride=2, padding=1))
        self.rnn = nn.LSTM(n_in, hidden, batch_first=True)

    def forward(self, x):
        conv = self.cnn(x)
        conv = conv.squeeze(2)          # (N, C, W)
        conv = conv.permute(0, 2, 1)    # (N, W, C)
        out, _ = self.rnn(conv)
        return out
'''


def _lint(tmp_path, code: str):
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(code).lstrip("\n"))
    fm = load(str(path))
    assert fm is not None
    return check_file(fm, None, Options()).findings


def _shapes(tmp_path, code: str, cls: str = "Net"):
    path = tmp_path / "shapes.py"
    path.write_text(HEADER + textwrap.dedent(code))
    fm = load(str(path), prefilter=False)
    c = next(c for c in fm.module_classes() if c.name == cls)
    return analyze_module(fm, c, Project([str(path)]))


def test_squeeze_drops_the_height_a_cnn_leaves(tmp_path):
    """``conv.squeeze(2)`` of ``(N, C, ((H + 1)//2 + 1)//2, W')``: the axis the code names is
    dropped and ``... == 1`` is shown; torch agrees for an image 4 rows high."""
    ins, out = solved_run(tmp_path, CRNN, {"hidden": 6, "B": 2, "L": 4, "L2": 20})
    assert ins == ["(B, 3, L, L2)"]
    assert out == "(B, ((((L2 + 1)//2) + 1)//2), hidden)"
    ms = _shapes(tmp_path, CRNN)
    assert any(c.render().endswith("== 1") and "squeeze(2) drops it" in c.why
               for c in ms.graph.constraints)


def test_a_cnn_height_squeezed_into_an_rnn_of_another_width(tmp_path):
    """LST101 at the RNN: 8 channels reach an LSTM built for 16.  Torch raises for the image
    whose height the code squeezes away (and on a 4-d input for any other height)."""
    torch = pytest.importorskip("torch")
    ns: dict = {}
    exec(HEADER + textwrap.dedent(CRNN), ns)
    model = ns["Net"](6, n_in=16)
    for rows in (4, 9):
        with pytest.raises(RuntimeError):
            model(torch.zeros(2, 3, rows, 20))
    found = _lint(tmp_path, CRNN.replace("n_in=8", "n_in=16"))
    assert [f.code for f in found] == ["LST101"]
    assert "expects 16 input features" in found[0].message
    assert "receives 8" in found[0].message
    assert _lint(tmp_path, CRNN) == []


def test_squeeze_of_the_batch_or_a_bare_size_is_not_assumed_away(tmp_path):
    """Only a strided (floor-divided) spatial size is read as the 1 the code squeezes: a
    flattened batch ``(B*T, H)`` or a bare time axis is never dropped on that ground."""
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)

    def forward(self, x):
        out, _ = self.rnn(x)
        flat = out.reshape(-1, out.size(-1))
        return flat.squeeze(0), out.squeeze(1)
'''
    ms = _shapes(tmp_path, src)
    assert value_text(ms.output) == "(unknown, (B, T, hidden))"
    assert not any("drops it" in c.why for c in ms.graph.constraints)


CHOSEN = '''
class Net(nn.Module):
    """An RNN language model whose cell the caller names ('lstm', 'gru' or 'rnn')."""
    def __init__(self, vocab, emb_dim, module, dim, n_layers, dropout):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb_dim)
        self.rnn = getattr(nn, module.upper())(
            emb_dim, dim, num_layers=n_layers, dropout=dropout, batch_first=True)
        self.trans = nn.Linear(dim, vocab)

    def forward(self, x):
        out, _ = self.rnn(self.emb(x))
        return self.trans(out)
'''


@pytest.mark.parametrize("module", ["lstm", "gru", "rnn"])
def test_getattr_nn_with_num_layers_and_batch_first_is_recurrent(tmp_path, module):
    """``num_layers`` with ``batch_first`` binds only in torch's RNN, GRU and LSTM: the class
    is recurrent whatever the name, so the input is solved as ``(B, T)`` token ids and the
    output is torch's for each name."""
    torch = pytest.importorskip("torch")
    ms = _shapes(tmp_path, CHOSEN)
    assert [value_text(v) for v in ms.inputs] == ["(B, T)"]
    assert value_text(ms.output) == "(B, T, vocab)"
    sizes = {"vocab": 11, "emb_dim": 5, "dim": 7, "n_layers": 2, "B": 3, "T": 4}
    ns: dict = {}
    exec(HEADER + textwrap.dedent(CHOSEN), ns)
    model = ns["Net"](11, 5, module, 7, 2, 0.0).eval()
    with torch.no_grad():
        real = tuple(model(torch.randint(0, 11, (3, 4))).shape)
    assert ms.output.shape is not None
    assert tuple(d.evaluate(sizes) for d in ms.output.shape.dims) == real


def test_getattr_nn_num_layers_alone_stays_open(tmp_path):
    """``num_layers`` alone is also nn.TransformerEncoder's keyword: no kind is assumed."""
    src = CHOSEN.replace(", batch_first=True", "")
    ms = _shapes(tmp_path, src)
    assert value_text(ms.inputs[0]) == "unknown"


CRNN_TIME_MAJOR = '''
class Net(nn.Module):
    """A CRNN whose map (N, W', C) goes to an RNN built time-major (batch_first=False)."""
    def __init__(self):
        super().__init__()
        self.cnn = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.rnn = nn.LSTM(8, 16)

    def forward(self, images):
        conv = self.cnn(images).squeeze(2)
        out, _ = self.rnn(conv.permute(LAYOUT))
        return out
'''


def test_a_cnn_map_batch_first_into_a_time_major_rnn(tmp_path):
    """``(N, W', C)`` into an LSTM built time-major runs in torch, over the batch: the output
    row of sample 2 changes when only sample 1 changes.  LST204 at the call; the
    map laid out ``(W', N, C)`` (``permute(2, 0, 1)``) is silent."""
    torch = pytest.importorskip("torch")
    wrong = CRNN_TIME_MAJOR.replace("LAYOUT", "0, 2, 1")
    ns: dict = {}
    exec(HEADER + textwrap.dedent(wrong), ns)
    torch.manual_seed(0)
    model = ns["Net"]().eval()
    x = torch.randn(3, 3, 2, 10)
    y = x.clone()
    y[1] += 1.0
    with torch.no_grad():
        a, b = model(x), model(y)
    assert torch.allclose(a[0], b[0])
    assert not torch.allclose(a[2], b[2])  # sample 2 read sample 1
    found = _lint(tmp_path, wrong)
    assert [f.code for f in found] == ["LST204"]
    assert "batch_first=False" in found[0].message
    assert _lint(tmp_path, CRNN_TIME_MAJOR.replace("LAYOUT", "2, 0, 1")) == []


RANK_READ = '''
class SpecA(nn.Module):
    """A spectrogram CNN whose frequency axis stays 16 (64 bins, two stride-2 convolutions):
    ``squeeze(2)`` keeps it, and the code folds it whatever the rank."""
    def __init__(self, hidden=32):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(8, 8, 3, stride=2, padding=1), nn.ReLU())
        self.rnn = nn.GRU(8 * 16, hidden, batch_first=True)

    def forward(self, spec):
        x = self.cnn(spec).squeeze(2)
        if x.dim() == 4:
            x = x.flatten(1, 2)
        out, _ = self.rnn(x.transpose(1, 2))
        return out


class SpecB(SpecA):
    """The same CNN; the axis folded by flatten(1, -2) whatever the rank."""
    def forward(self, spec):
        x = self.cnn(spec).squeeze(2)
        x = x.flatten(1, -2).transpose(1, 2)
        out, _ = self.rnn(x)
        return out


class SpecH(SpecA):
    """The rank is read by a helper method, not by forward itself."""
    def _to_seq(self, x):
        if x.dim() == 4:
            x = x.flatten(1, 2)
        return x.transpose(1, 2)

    def forward(self, spec):
        x = self.cnn(spec).squeeze(2)
        out, _ = self.rnn(self._to_seq(x))
        return out


class PixelTemporal(nn.Module):
    """One clip's frames are the CNN's batch; an LSTM runs over the frames (time-major) at
    every location of the map: the flattened grid of locations is the RNN's batch."""
    def __init__(self):
        super().__init__()
        self.cnn = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.rnn = nn.LSTM(16, 32)

    def forward(self, frames):
        f = self.cnn(frames).flatten(2).permute(0, 2, 1)
        out, _ = self.rnn(f)
        return out
'''


def test_review_models_that_read_the_rank_or_flatten_a_grid_lint_clean(tmp_path):
    """From review rv6: torch runs them; ``squeeze(2)`` is not assumed to drop an axis in a
    function that reads ranks or sizes (either rank may work there), and a flattened grid of
    locations as the RNN's batch is not the CNN-map layout bug of LST204."""
    torch = pytest.importorskip("torch")
    ns: dict = {}
    exec(HEADER + textwrap.dedent(RANK_READ), ns)
    with torch.no_grad():
        assert ns["SpecA"]()(torch.zeros(2, 1, 64, 50)).shape == (2, 13, 32)
        assert ns["SpecB"]()(torch.zeros(2, 1, 64, 50)).shape == (2, 13, 32)
        assert ns["SpecH"]()(torch.zeros(2, 1, 64, 50)).shape == (2, 13, 32)
        assert ns["PixelTemporal"]()(torch.zeros(5, 3, 8, 8)).shape == (5, 16, 32)
    assert _lint(tmp_path, RANK_READ) == []
    ms = _shapes(tmp_path, RANK_READ, "SpecB")
    assert not any("drops it" in c.why for c in ms.graph.constraints)
