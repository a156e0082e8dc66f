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
