"""LST204 by the code's names for the axes (``batch_size, seq_len = tokens.shape`` before a
time-major RNN) yields to the code's own use of them: an initial state the code builds from
the axis the layer reads as the batch says which axis the code takes for the batch, whatever
it calls it.  That holds for the layer given the state, for another layer reading the same
axes in the same forward, and when the state is built only when the caller passes none
(``if h0 is None:``).  Each clean model runs in torch first."""

from __future__ import annotations

import textwrap

import pytest

from lstm_lint.lint import Options, check_file, load

HEADER = "import torch\nimport torch.nn as nn\n"


def _codes(tmp_path, code: str) -> list[str]:
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(code).lstrip("\n"))
    fm = load(str(path))
    assert fm is not None
    return [f.code for f in check_file(fm, None, Options()).findings]


def _runs(code: str, *calls: str) -> None:
    torch = pytest.importorskip("torch")
    ns: dict = {}
    exec(HEADER + textwrap.dedent(code), ns)
    torch.manual_seed(0)
    with torch.no_grad():
        for call in calls:
            eval(call, ns)


OPTIONAL_STATE = '''
class Tagger(nn.Module):
    def __init__(self, vocab=50, hidden=16):
        super().__init__()
        self.embed = nn.Embedding(vocab, 8)
        self.rnn = nn.GRU(8, hidden)
        self.hidden = hidden

    def forward(self, tokens, h0=None):
        batch_size, seq_len = tokens.shape
        x = self.embed(tokens)
        if h0 is None:
            h0 = torch.zeros(1, seq_len, self.hidden)
        out, h = self.rnn(x, h0)
        return out[-1], h
'''

STATE_OF_THE_NEXT_LAYER = '''
class Tagger(nn.Module):
    def __init__(self, vocab=50, hidden=16):
        super().__init__()
        self.embed = nn.Embedding(vocab, 8)
        self.pre = nn.GRU(8, hidden)
        self.rnn = nn.GRU(hidden, hidden)
        self.hidden = hidden

    def forward(self, tokens):
        batch_size, seq_len = tokens.shape
        y, _ = self.pre(self.embed(tokens))
        h0 = y.new_zeros(1, seq_len, self.hidden)
        out, h = self.rnn(y, h0)
        return out[-1]
'''


@pytest.mark.parametrize("code, calls", [
    (OPTIONAL_STATE, ("Tagger()(torch.randint(0, 50, (5, 3)))",
                      "Tagger()(torch.randint(0, 50, (5, 3)), torch.zeros(1, 3, 16))")),
    (STATE_OF_THE_NEXT_LAYER, ("Tagger()(torch.randint(0, 50, (5, 3)))",)),
])
def test_a_state_the_code_builds_on_the_layers_batch_outweighs_the_names(tmp_path, code,
                                                                           calls):
    _runs(code, *calls)
    assert _codes(tmp_path, code) == []


NAMES_ONLY = '''
class Tagger(nn.Module):
    def __init__(self, vocab=50, hidden=16):
        super().__init__()
        self.embed = nn.Embedding(vocab, 8)
        self.rnn = nn.GRU(8, hidden)

    def forward(self, tokens, h_prev, reset):
        batch_size, seq_len = tokens.shape
        h0 = torch.where(reset, torch.zeros_like(h_prev), h_prev)
        out, h = self.rnn(self.embed(tokens), h0)
        return out[-1], h
'''

FIXED_STATE = '''
class Tagger(nn.Module):
    def __init__(self, vocab=50, hidden=16):
        super().__init__()
        self.embed = nn.Embedding(vocab, 8)
        self.rnn = nn.GRU(8, hidden)
        self.hidden = hidden

    def forward(self, tokens):
        batch_size, seq_len = tokens.shape
        h0 = torch.zeros(1, 3, self.hidden)
        out, h = self.rnn(self.embed(tokens), h0)
        return out[-1]
'''


@pytest.mark.parametrize("code", [NAMES_ONLY, FIXED_STATE])
def test_the_names_still_count_when_no_state_of_the_code_contradicts_them(tmp_path, code):
    # a state the caller passes says nothing of the code's layout; nor does one of a fixed
    # size
    assert _codes(tmp_path, code) == ["LST204"]
