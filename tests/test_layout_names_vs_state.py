"""LST204 by the code's names for the axes (``batch_size, seq_len = tokens.shape`` before a
time-major RNN) yields to the code's own use of them: an initial state the code builds from
the axis the layer reads as the batch says which axis the code takes for the batch, whatever
it calls it.  That holds for the call given the state, and for any call when the state's
batch is the very value the code named for time (``zeros(1, seq_len, H)``, through a helper
given ``seq_len``, ``h.expand(1, seq_len, H).contiguous()``), also in the pass where the
caller passes the state the code builds only when none is given (``if h0 is None:``).  The
size alone says nothing: every forward input shares one batch symbol, so a state sized from
another input, from an encoder's h_n, from a name re-bound to another input's size, or at
another run of the same source call stands for nothing of the named input (reviews rv25,
rv26).  Each model runs in torch first."""

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


def _tagger(methods: str) -> str:
    """A model of an embedding and one time-major GRU ``self.rnn``, and the methods given."""
    return textwrap.dedent('''
        class Tagger(nn.Module):
            def __init__(self, vocab=50, hidden=16):
                super().__init__()
                self.embed = nn.Embedding(vocab, 8)
                self.rnn = nn.GRU(8, hidden)
                self.hidden = hidden
        ''') + textwrap.indent(textwrap.dedent(methods), "    ")


def _encoder_decoder(forward: str, kind: str = "GRU", dec: str = "") -> str:
    """A model of an embedding, an encoder ``self.enc`` and a decoder ``self.dec`` (``kind``,
    the decoder built with ``dec`` besides), and the methods given."""
    return textwrap.dedent(f'''
        class Seq2Seq(nn.Module):
            def __init__(self, vocab=50, hidden=16):
                super().__init__()
                self.embed = nn.Embedding(vocab, 8)
                self.enc = nn.{kind}(8, hidden)
                self.dec = nn.{kind}(8, hidden{dec})
                self.hidden = hidden
        ''') + textwrap.indent(textwrap.dedent(forward), "    ")


OPTIONAL_STATE = _tagger('''
    def forward(self, tokens, h0=None):
        batch_size, seq_len = tokens.shape
        x = self.embed(tokens)
        if h0 is None:
            h0 = torch.zeros(1, seq_len, self.hidden)
        out, h = self.rnn(x, h0)
        return out[-1], h
''')

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
        h0 = y.new_zeros((1, seq_len, self.hidden))
        out, h = self.rnn(y, h0)
        return out[-1]
'''


# review rv29: names read off the embedded tensor, the state built only when none is given
NAMES_OFF_THE_EMBEDDING = _tagger('''
def forward(self, tokens, h0=None):
    x = self.embed(tokens)
    batch_size, seq_len, _ = x.shape
    if h0 is None:
        h0 = torch.zeros(1, seq_len, self.hidden)
    out, h = self.rnn(x, h0)
    return out[-1], h
''')

# review rv28: the names given in separate statements are one statement of the layout
NAMES_IN_SEPARATE_STATEMENTS = STATE_OF_THE_NEXT_LAYER.replace(
    "batch_size, seq_len = tokens.shape",
    "batch_size = tokens.size(0)\n        seq_len = tokens.size(1)")

STATE_BY_A_HELPER = STATE_OF_THE_NEXT_LAYER.replace(
    "h0 = y.new_zeros((1, seq_len, self.hidden))", "h0 = self.init_hidden(seq_len)").replace(
    "    def forward", "    def init_hidden(self, bsz):\n"
    "        return torch.zeros(1, bsz, self.hidden)\n\n    def forward")

STATE_EXPANDED = STATE_OF_THE_NEXT_LAYER.replace(
    "h0 = y.new_zeros((1, seq_len, self.hidden))",
    "h0 = self.h_init.expand(1, seq_len, self.hidden).contiguous()").replace(
    "        self.hidden = hidden\n",
    "        self.hidden = hidden\n        self.h_init = nn.Parameter(torch.zeros(1, 1, hidden))\n")


@pytest.mark.parametrize("code, calls", [
    (OPTIONAL_STATE, ("Tagger()(torch.randint(0, 50, (5, 3)))",
                      "Tagger()(torch.randint(0, 50, (5, 3)), torch.zeros(1, 3, 16))")),
    (STATE_OF_THE_NEXT_LAYER, ("Tagger()(torch.randint(0, 50, (5, 3)))",)),
    (STATE_BY_A_HELPER, ("Tagger()(torch.randint(0, 50, (5, 3)))",)),
    (STATE_EXPANDED, ("Tagger()(torch.randint(0, 50, (5, 3)))",)),
    (NAMES_IN_SEPARATE_STATEMENTS, ("Tagger()(torch.randint(0, 50, (5, 3)))",)),
    (NAMES_IN_SEPARATE_STATEMENTS.replace("batch_size = tokens.size(0)",
                                          "batch_size: int = tokens.size(0)"),
     ("Tagger()(torch.randint(0, 50, (5, 3)))",)),
    (NAMES_OFF_THE_EMBEDDING, ("Tagger()(torch.randint(0, 50, (5, 3)))",
                               "Tagger()(torch.randint(0, 50, (5, 3)), torch.zeros(1, 3, 16))")),
])
def test_a_state_the_code_builds_on_the_layers_batch_outweighs_the_names(tmp_path, code,
                                                                           calls):
    _runs(code, *calls)
    assert _codes(tmp_path, code) == []


NAMES_ONLY = _tagger('''
    def forward(self, tokens, h_prev, reset):
        batch_size, seq_len = tokens.shape
        h0 = torch.where(reset, torch.zeros_like(h_prev), h_prev)
        out, h = self.rnn(self.embed(tokens), h0)
        return out[-1], h
''')

FIXED_STATE = _tagger('''
    def forward(self, tokens):
        batch_size, seq_len = tokens.shape
        h0 = torch.zeros(1, 3, self.hidden)
        out, h = self.rnn(self.embed(tokens), h0)
        return out[-1]
''')


# the code names src's axis 0 the batch and self.enc reads it as time (the bug); the other
# layer's state is built right, but from another input's batch, or from the encoder's h_n
STATE_OF_ANOTHER_INPUT = _encoder_decoder('''
    def init_hidden(self, bsz):
        return torch.zeros(1, bsz, self.hidden)

    def forward(self, src, tgt):
        batch_size, src_len = src.shape
        enc_out, _ = self.enc(self.embed(src))
        dec_out, _ = self.dec(self.embed(tgt), self.init_hidden(tgt.size(1)))
        return enc_out[-1], dec_out
''')

STATE_OF_A_STEP_INPUT = '''
class Captioner(nn.Module):
    def __init__(self, vocab=50, hidden=16, nfeat=10):
        super().__init__()
        self.embed = nn.Embedding(vocab, 8)
        self.ctx = nn.GRU(8, hidden)
        self.cell = nn.GRU(8, hidden)
        self.proj = nn.Linear(nfeat, 8)
        self.hidden = hidden

    def forward(self, feats, src):
        batch_size, src_len = src.shape
        ctx, _ = self.ctx(self.embed(src))
        h = torch.zeros(1, feats.size(0), self.hidden)
        o, h = self.cell(self.proj(feats).unsqueeze(0), h)
        return ctx[-1], o
'''

STATE_FROM_H_N = _encoder_decoder('''
    def forward(self, src, tgt):
        batch_size, src_len = src.shape
        _, (h, c) = self.enc(self.embed(src))
        c0 = h.new_zeros(1, h.size(1), self.hidden)
        out, _ = self.dec(self.embed(tgt), (h, c0))
        return out
''', kind="LSTM")


@pytest.mark.parametrize("code", [NAMES_ONLY, FIXED_STATE])
def test_the_names_still_count_when_no_state_of_the_code_contradicts_them(tmp_path, code):
    # a state the caller passes says nothing of the code's layout; nor does one of a fixed
    # size
    assert _codes(tmp_path, code) == ["LST204"]


# rv26: one source call run for two inputs; a name re-bound to another input's size; a state
# built from another input only when the caller passes none
SHARED_CALL = '''
class TwoStream(nn.Module):
    def __init__(self, vocab=50, hidden=16):
        super().__init__()
        self.embed = nn.Embedding(vocab, 8)
        self.rnn = nn.GRU(8, hidden)
        self.hidden = hidden

    def run(self, x, h=None):
        return self.rnn(self.embed(x), h)

    def forward(self, src, tgt):
        batch_size, src_len = src.shape
        enc, _ = self.run(src)
        dec, _ = self.run(tgt, torch.zeros(1, tgt.size(1), self.hidden))
        return enc[-1], dec
'''

NAME_REBOUND = _encoder_decoder('''
    def forward(self, src, tgt):
        batch_size, seq_len = src.shape
        enc, _ = self.enc(self.embed(src))
        seq_len = tgt.size(1)
        h0 = torch.zeros(1, seq_len, self.hidden)
        dec, _ = self.dec(self.embed(tgt), h0)
        return enc[-1], dec
''')

OPTIONAL_STATE_OF_ANOTHER_INPUT = _tagger('''
    def init_hidden(self, bsz):
        return torch.zeros(1, bsz, self.hidden)

    def forward(self, src, lengths, h0=None):
        batch_size, seq_len = src.shape
        if h0 is None:
            h0 = self.init_hidden(lengths.size(0))
        out, h = self.rnn(self.embed(src), h0)
        return out, h
''')


@pytest.mark.parametrize("code, call, src_at", [
    (SHARED_CALL, "m(src, torch.randint(0, 50, (6, 4)))", 0),
    (NAME_REBOUND, "m(src, torch.randint(0, 50, (6, 4)))", 0),
    (STATE_OF_ANOTHER_INPUT, "m(src, torch.randint(0, 50, (6, 4)))", 0),
    (STATE_OF_A_STEP_INPUT, "m(torch.randn(4, 10), src)", 0),
    (STATE_FROM_H_N, "m(src, torch.randint(0, 50, (6, 5)))", None),
])
def test_a_state_sized_from_another_input_leaves_the_names_standing(tmp_path, code, call,
                                                                     src_at):
    torch = pytest.importorskip("torch")
    ns: dict = {}
    exec(HEADER + textwrap.dedent(code), ns)
    torch.manual_seed(0)
    m = ns[[k for k in ns if isinstance(ns[k], type)][-1]]()
    # src laid out as its names say, (batch 4, length 5): the recurrence runs across samples
    src = torch.randint(0, 50, (4, 5))
    other = src.clone()
    other[0] = (other[0] + 1) % 50
    with torch.no_grad():
        a = eval(call, {**ns, "m": m, "src": src})
        b = eval(call, {**ns, "m": m, "src": other})
    if src_at is not None:
        assert not torch.equal(a[src_at][3], b[src_at][3])  # sample 3 reads sample 0
    assert _codes(tmp_path, code) == ["LST204"]


def test_a_state_built_from_another_input_when_none_is_given_leaves_the_names(tmp_path):
    torch = pytest.importorskip("torch")
    ns: dict = {}
    exec(HEADER + textwrap.dedent(OPTIONAL_STATE_OF_ANOTHER_INPUT), ns)
    m = ns["Tagger"]()
    src = torch.randint(0, 50, (4, 5))  # (batch, length) as the names say
    with pytest.raises(RuntimeError, match="Expected hidden size"):
        m(src, torch.tensor([5, 4, 3, 2]))
    assert "LST204" in _codes(tmp_path, OPTIONAL_STATE_OF_ANOTHER_INPUT)


SEQ2SEQ_NAMED = _encoder_decoder('''
    def forward(self, src, tgt):
        batch_size, src_len = src.shape
        enc_out, h = self.enc(self.embed(src))
        dec_h = torch.zeros(1, batch_size, self.hidden)
        dec_out, _ = self.dec(self.embed(tgt), dec_h)
        return enc_out, dec_out
''')


def test_a_state_sized_from_an_axis_lst204_disputes_is_no_finding_of_its_own(tmp_path):
    # src laid out as its names say (batch 4, length 5) and tgt time-major (length 6,
    # batch 4): the decoder's state is right; the encoder reads the batch as time (LST204,
    # the root cause), and the engine's role for batch_size follows the encoder's reading
    for code in (SEQ2SEQ_NAMED, SEQ2SEQ_NAMED.replace(
            "torch.zeros(1, batch_size, self.hidden)",
            "enc_out.new_zeros(1, batch_size, self.hidden)")):  # rv29: new_zeros of enc_out
        _runs(code, "Seq2Seq()(torch.randint(0, 50, (4, 5)), torch.randint(0, 50, (6, 4)))")
        assert _codes(tmp_path, code) == ["LST204"]


# review rv27: LST301 steps aside only for the batch axis of a state right as the names say;
# a factory a loop runs again with another size says nothing; one input's state says nothing
# of another input's names
STATE_BATCH_FIRST = SEQ2SEQ_NAMED.replace(
    "self.dec = nn.GRU(8, hidden)", "self.dec = nn.GRU(8, hidden, batch_first=True)"
).replace("torch.zeros(1, batch_size, self.hidden)", "torch.zeros(batch_size, 1, self.hidden)")

STATES_OF_A_COMPREHENSION = _encoder_decoder('''
    def forward(self, src, tgt):
        batch_size, seq_len = src.shape
        enc, _ = self.enc(self.embed(src))
        states = [torch.zeros(1, n, self.hidden) for n in (tgt.size(1), seq_len)]
        dec, _ = self.dec(self.embed(tgt), states[0])
        return enc[-1], dec
''')

OWN_STATE_BESIDE_ANOTHER_INPUT = _encoder_decoder('''
    def forward(self, src, tgt):
        batch_size, seq_len = src.shape
        h0 = torch.zeros(1, seq_len, self.hidden)
        enc, _ = self.enc(self.embed(src), h0)
        bsz, max_len = tgt.shape
        dec, _ = self.dec(self.embed(tgt))
        return enc[-1], dec
''')


@pytest.mark.parametrize("code, expected", [
    (STATE_BATCH_FIRST, ["LST204", "LST301"]),
    (STATES_OF_A_COMPREHENSION, ["LST204"]),
    (OWN_STATE_BESIDE_ANOTHER_INPUT, ["LST204"]),
])
def test_what_the_names_withdrawal_leaves_standing(tmp_path, code, expected):
    torch = pytest.importorskip("torch")
    ns: dict = {}
    exec(HEADER + textwrap.dedent(code), ns)
    m = ns[[k for k in ns if isinstance(ns[k], type)][-1]]()
    src, tgt = torch.randint(0, 50, (4, 5)), torch.randint(0, 50, (6, 4))  # as named
    if "LST301" in expected:
        with pytest.raises(RuntimeError, match="Expected hidden size"):
            m(src, tgt.t())
    assert sorted(_codes(tmp_path, code)) == expected


TYPE_AS = '''
class Tagger(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.rnn = nn.GRU(8, hidden)
        self.hidden = hidden

    def forward(self, x):
        h0 = torch.zeros(1, x.size(1), self.hidden).type_as(x)
        out, h = self.rnn(x, h0)
        return out[-1]
'''


def test_type_as_keeps_its_own_shape(tmp_path):
    # x.type_as(other) takes other's dtype, not its shape (it had been read as expand_as)
    _runs(TYPE_AS, "Tagger()(torch.randn(5, 3, 8))")
    assert _codes(tmp_path, TYPE_AS) == []


# review rv28: a cell's state (batch_size, H) is right as the names say when the cell steps
# over another input; stepping over the disputed input itself (x[t] along the axis named
# batch_size) it is wrong by the names too
CELL_OVER_ANOTHER_INPUT = '''
class Seq2Seq(nn.Module):
    def __init__(self, vocab=50, hidden=16):
        super().__init__()
        self.embed = nn.Embedding(vocab, 8)
        self.enc = nn.GRU(8, hidden)
        self.cell = nn.GRUCell(8, hidden)
        self.hidden = hidden

    def forward(self, src, tgt):
        batch_size, src_len = src.shape
        enc_out, h = self.enc(self.embed(src))
        hx = torch.zeros(batch_size, self.hidden)
        outs = []
        for t in range(tgt.size(1)):
            hx = self.cell(self.embed(tgt[:, t]), hx)
            outs.append(hx)
        return enc_out, torch.stack(outs, 1)
'''

CELL_OVER_THE_DISPUTED_INPUT = '''
class Tagger(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.rnn = nn.GRU(8, hidden)
        self.cell = nn.GRUCell(8, hidden)
        self.hidden = hidden

    def forward(self, x):
        batch_size, seq_len, _ = x.size()
        out, _ = self.rnn(x)
        h = torch.zeros(batch_size, self.hidden)
        for t in range(x.size(0)):
            h = self.cell(x[t], h)
        return out[-1], h
'''


# review rv30: the cell steps over the disputed input through a buffer filled from it (no
# graph edge carries the data): its inputs are not known to be another input's
CELL_OVER_A_BUFFER_OF_IT = CELL_OVER_THE_DISPUTED_INPUT.replace(
    "        h = torch.zeros(batch_size, self.hidden)\n",
    "        shifted = x.new_zeros(x.shape)\n        shifted[1:] = x[:-1]\n"
    "        h = torch.zeros(batch_size, self.hidden)\n").replace("self.cell(x[t], h)",
                                                             "self.cell(shifted[t], h)")


def test_a_cells_state_steps_aside_only_beside_another_input(tmp_path):
    torch = pytest.importorskip("torch")
    _runs(CELL_OVER_ANOTHER_INPUT,
          "Seq2Seq()(torch.randint(0, 50, (4, 5)), torch.randint(0, 50, (4, 6)))")
    assert _codes(tmp_path, CELL_OVER_ANOTHER_INPUT) == ["LST204"]
    for code in (CELL_OVER_THE_DISPUTED_INPUT, CELL_OVER_A_BUFFER_OF_IT):
        assert "shifted" in code or code is CELL_OVER_THE_DISPUTED_INPUT
        ns: dict = {}
        exec(HEADER + textwrap.dedent(code), ns)
        for x in (torch.randn(4, 5, 8), torch.randn(5, 4, 8)):  # as named, and time-major
            with pytest.raises(RuntimeError):
                ns["Tagger"]()(x)
        assert sorted(_codes(tmp_path, code)) == ["LST204", "LST301"]


# review rv31: a decoder cell fed by a start token alone, sized by the other input
CELL_FROM_A_START_TOKEN = '''
class Seq2Seq(nn.Module):
    def __init__(self, vocab=50, E=8, H=16):
        super().__init__()
        self.embed = nn.Embedding(vocab, E)
        self.enc = nn.GRU(E, H)
        self.cell = nn.GRUCell(E, H)
        self.proj = nn.Linear(H, E)
        self.H, self.E = H, E

    def forward(self, src, tgt):
        batch_size, src_len = src.shape
        enc_out, _ = self.enc(self.embed(src))
        inp = tgt.new_zeros(tgt.size(0), self.E, dtype=torch.float)
        hx = torch.zeros(batch_size, self.H)
        outs = []
        for t in range(tgt.size(1)):
            hx = self.cell(inp, hx)
            inp = self.proj(hx)
            outs.append(hx)
        return enc_out, torch.stack(outs, 1)
'''


def test_a_cell_fed_by_a_start_token_of_another_input_steps_aside(tmp_path):
    _runs(CELL_FROM_A_START_TOKEN,
          "Seq2Seq()(torch.randint(0, 50, (4, 5)), torch.randint(0, 50, (4, 6)))")
    assert _codes(tmp_path, CELL_FROM_A_START_TOKEN) == ["LST204"]

