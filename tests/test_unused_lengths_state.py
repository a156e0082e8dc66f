"""LST205 on the whole final state returned: a ``forward`` that takes the batch's lengths, runs
its RNN over the padded batch unpacked and hands ``h_n`` back to its caller gives, for every
shorter sequence, the state after the padding (speechbrain's nnet.RNN with its packing lost).
A state handed in and returned (a language model carrying it from batch to batch, flair's
LanguageModel with its unused ``ordered_sequence_lengths``) stays silent."""

from __future__ import annotations

import textwrap

import pytest

from lstm_lint.lint import Options, check_file, load
from lstm_lint.rule import Finding

HEADER = "import torch\nimport torch.nn as nn\n"


def _lint(tmp_path, code: str) -> list[tuple[str, int]]:
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(code).lstrip("\n"))
    fm = load(str(path))
    assert fm is not None and not isinstance(fm, Finding), fm
    return [(f.code, f.line) for f in check_file(fm, None, Options()).findings]


def _line(code: str, text: str) -> int:
    lines = textwrap.dedent(code).lstrip("\n").splitlines()
    return len(HEADER.splitlines()) + next(i for i, s in enumerate(lines, 1) if text in s)


_WRAPPER = '''
class RNN(nn.Module):
    def __init__(self, hidden_size=5, input_size=4, bidirectional=False):
        super().__init__()
        self.rnn = nn.RNN(input_size=input_size, hidden_size=hidden_size,
                          bidirectional=bidirectional, batch_first=True)

    def forward(self, x, hx=None, lengths=None):
        if lengths is not None:
            x = PACK
        if hx is not None:
            output, hn = self.rnn(x, hx=hx)
        else:
            output, hn = self.rnn(x)
        if lengths is not None:
            output = UNPACK
        return output, hn
'''
_PACK = ("nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, "
         "enforce_sorted=False)")
_UNPACK = "nn.utils.rnn.pad_packed_sequence(output, batch_first=True)[0]"


def test_returned_final_state_of_an_unpacked_padded_batch(tmp_path):
    torch = pytest.importorskip("torch")
    bad = _WRAPPER.replace("UNPACK", "output").replace("PACK", "x")
    good = _WRAPPER.replace("UNPACK", _UNPACK).replace("PACK", _PACK)
    assert _lint(tmp_path, bad) == [("LST205", _line(bad, "self.rnn(x)"))]
    assert _lint(tmp_path, good) == []
    for code, differs in ((bad, True), (good, False)):
        ns: dict = {}
        exec(HEADER + textwrap.dedent(code), ns)
        torch.manual_seed(0)
        model = ns["RNN"]().eval()
        x = torch.randn(2, 8, 4)
        x[1, 3:] = 0.0  # the second sequence has 3 steps, then padding
        with torch.no_grad():
            _, batched = model(x, lengths=torch.tensor([8, 3]))
            _, alone = model(x[1:, :3], lengths=torch.tensor([3]))
        assert (not torch.allclose(batched[:, 1], alone[:, 0], atol=1e-5)) is differs


_LM = '''
class LanguageModel(nn.Module):
    def __init__(self, n_tokens=11, emb=4, hidden=6):
        super().__init__()
        self.encoder = nn.Embedding(n_tokens, emb)
        self.rnn = nn.LSTM(emb, hidden)
        self.decoder = nn.Linear(hidden, n_tokens)

    def forward(self, input, hidden, ordered_sequence_lengths=None, decode=True):
        emb = self.encoder(input)
        CALL
        if decode:
            return self.decoder(output), output, hidden
        return output, hidden
'''


@pytest.mark.parametrize("call", ["output, hidden = self.rnn(emb, hidden)",
                                  "output, hidden = self.rnn(emb, hx=hidden)"])
def test_a_state_carried_from_batch_to_batch_is_not_a_padding_read(tmp_path, call):
    """flair's LanguageModel: the state handed in is returned for the next chunk of text."""
    torch = pytest.importorskip("torch")
    code = _LM.replace("CALL", call)
    assert _lint(tmp_path, code) == []
    ns: dict = {}
    exec(HEADER + textwrap.dedent(code), ns)
    model = ns["LanguageModel"]()
    hidden = (torch.zeros(1, 2, 6), torch.zeros(1, 2, 6))
    for _ in range(2):  # truncated backpropagation: chunk after chunk, the state carried on
        _, _, hidden = model(torch.randint(0, 11, (5, 2)), hidden)
    assert hidden[0].shape == (1, 2, 6)


def test_an_lstm_returning_both_states_whole(tmp_path):
    code = '''
    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(4, 6, batch_first=True)

        def forward(self, x, x_lens):
            out, (h, c) = self.lstm(x)
            return out, (h, c)
    '''
    assert _lint(tmp_path, code) == [("LST205", _line(code, "self.lstm(x)"))]


_CHUNK_LM = '''
class LanguageModel(nn.Module):
    """GRU language model over contiguous text; the (B, H) state goes from chunk to chunk."""
    def __init__(self, n_tokens=11, emb=4, hidden=6):
        super().__init__()
        self.encoder = nn.Embedding(n_tokens, emb)
        self.rnn = nn.GRU(emb, hidden, batch_first=True)
        self.decoder = nn.Linear(hidden, n_tokens)

    def forward(self, input, hidden, lengths=None):
        emb = self.encoder(input)
        output, h = self.rnn(emb, hidden.unsqueeze(0))
        return self.decoder(output), h.squeeze(0)
'''


def test_a_carried_state_returned_after_an_op_is_not_a_padding_read(tmp_path):
    """The state returned is the squeeze of the call's state: that call was handed a state."""
    torch = pytest.importorskip("torch")
    assert _lint(tmp_path, _CHUNK_LM) == []
    ns: dict = {}
    exec(HEADER + textwrap.dedent(_CHUNK_LM), ns)
    model = ns["LanguageModel"]()
    hidden = torch.zeros(2, 6)
    for _ in range(2):  # chunk after chunk, the state carried on
        _, hidden = model(torch.randint(0, 11, (2, 5)), hidden)
    assert hidden.shape == (2, 6)


def test_a_fresh_state_returned_after_an_op_is_still_a_padding_read(tmp_path):
    code = '''
    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(4, 6, batch_first=True)

        def forward(self, x, lengths):
            out, hn = self.rnn(x)
            return out, hn.squeeze(0)
    '''
    assert _lint(tmp_path, code) == [("LST205", _line(code, "self.rnn(x)"))]


def test_an_input_from_an_unknown_helper_is_not_known_unpacked(tmp_path):
    """``to_packed`` comes from a package the linter cannot read: it may well pack."""
    code = '''
    from seqlib import to_packed, from_packed

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(4, 6, batch_first=True)

        def forward(self, x, lengths):
            out, hn = self.rnn(to_packed(x, lengths))
            return from_packed(out), hn
    '''
    assert _lint(tmp_path, code) == []


_ATTN_DECODER = '''
class AttnDecoder(nn.Module):
    """Luong-style decoder: LENS mask the attention over the encoder's memory."""
    def __init__(self, vocab=20, emb=4, hidden=6):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.rnn = nn.GRU(emb, hidden, batch_first=True)
        self.out = nn.Linear(2 * hidden, vocab)

    def forward(self, tgt, memory, LENS):
        emb = self.embedding(tgt)
        dec_out, hidden = self.rnn(emb)
        scores = torch.bmm(dec_out, memory.transpose(1, 2))
        mask = torch.arange(memory.size(1))[None, :] < LENS[:, None]
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        ctx = torch.bmm(scores.softmax(-1), memory)
        logits = self.out(torch.cat([dec_out, ctx], -1))
        return logits, hidden
'''


@pytest.mark.parametrize("lens", ["memory_lengths", "src_lengths", "enc_lens"])
def test_lengths_of_the_attention_memory_are_not_the_rnns(tmp_path, lens):
    """The decoder's RNN runs over the targets (unpadded here: teacher forcing over a batch of
    equal length); the lengths mask the memory, which never reaches the RNN."""
    torch = pytest.importorskip("torch")
    code = _ATTN_DECODER.replace("LENS", lens)
    assert _lint(tmp_path, code) == []
    ns: dict = {}
    exec(HEADER + textwrap.dedent(code), ns)
    model = ns["AttnDecoder"]()
    memory = torch.randn(2, 7, 6)
    memory[1, 4:] = 0.0
    logits, hidden = model(torch.randint(0, 20, (2, 5)), memory, torch.tensor([7, 4]))
    assert logits.shape == (2, 5, 20) and hidden.shape == (1, 2, 6)


def test_lengths_of_the_sequence_the_rnn_runs_over_still_count(tmp_path):
    code = '''
    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(20, 4)
            self.rnn = nn.GRU(4, 6, batch_first=True)

        def forward(self, src, src_lengths):
            out, hn = self.rnn(self.embedding(src))
            return out, hn
    '''
    assert _lint(tmp_path, code) == [("LST205", _line(code, "self.rnn(self.embedding"))]


def test_a_child_whose_parent_packs_its_input_is_not_a_padding_read(tmp_path):
    """The parent packs before calling the child: the child's RNN runs over a PackedSequence,
    its h_n is each sequence's own last state."""
    torch = pytest.importorskip("torch")
    code = '''
    class Child(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(4, 6)

        def forward(self, x, lengths=None):
            out, (h, c) = self.rnn(x)
            return out, (h, c)


    class Parent(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = Child()

        def forward(self, x, lengths):
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), enforce_sorted=False)
            out, (h, c) = self.enc(packed, lengths)
            return h[-1]
    '''
    assert _lint(tmp_path, code) == []
    ns: dict = {}
    exec(HEADER + textwrap.dedent(code), ns)
    torch.manual_seed(0)
    model = ns["Parent"]().eval()
    x = torch.randn(8, 2, 4)
    x[3:, 1] = 0.0
    with torch.no_grad():
        batched = model(x, torch.tensor([8, 3]))
        alone = model(x[:3, 1:], torch.tensor([3]))
    assert torch.allclose(batched[1], alone[0], atol=1e-5)


_ZERO_STATE = '''
class Encoder(nn.Module):
    def __init__(self, num_layers=2, hidden_size=6):
        super().__init__()
        self.num_layers = num_layers
        self.hidden_size = hidden_size
        self.rnn = nn.GRU(4, 6, num_layers=2, batch_first=True)

    def forward(self, x, lengths):
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
        out, hn = CALL
        return out, hn
'''


@pytest.mark.parametrize("call", ["self.rnn(x, h0)", "self.rnn(x, None)", "self.rnn(x, hx=None)"])
def test_a_zero_or_none_initial_state_is_a_fresh_state(tmp_path, call):
    """Zeros built in forward (or None) start every batch afresh, as no state does: the state
    returned is the one after the padding."""
    torch = pytest.importorskip("torch")
    code = _ZERO_STATE.replace("CALL", call)
    assert _lint(tmp_path, code) == [("LST205", _line(code, call))]
    ns: dict = {}
    exec(HEADER + textwrap.dedent(code), ns)
    torch.manual_seed(0)
    model = ns["Encoder"]().eval()
    x = torch.randn(2, 8, 4)
    x[1, 3:] = 0.0
    with torch.no_grad():
        _, batched = model(x, torch.tensor([8, 3]))
        _, alone = model(x[1:, :3], torch.tensor([3]))
    assert not torch.allclose(batched[:, 1], alone[:, 0], atol=1e-5)
