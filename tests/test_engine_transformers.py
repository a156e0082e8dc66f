"""Transformer layers beside recurrent ones (``nn.TransformerEncoderLayer``/``DecoderLayer``,
their stacks and ``nn.Transformer``): the input's shape with ``d_model`` features, which
every input must bring; each case checked against real torch."""

from __future__ import annotations

import textwrap

import pytest
from test_engine_facts import HEADER, run_both

from lstm_lint.analyze import analyze_module
from lstm_lint.cli import main
from lstm_lint.lint import load
from lstm_lint.project import Project

torch = pytest.importorskip("torch")

ENCODER = """
class Net(nn.Module):
    def __init__(self, d_model, nhead, hidden):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=16, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, num_layers=2)
        self.mha = nn.MultiheadAttention(d_model, nhead, batch_first=True)
        self.lstm = nn.LSTM(d_model, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 2)

    def forward(self, x):
        z = self.enc(x)
        a, _ = self.mha(z, z, z)
        out, _ = self.lstm(a)
        return self.fc(out[:, -1])
"""

DECODER = """
class Net(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(d, 2, 16), 2)
        self.lstm = nn.LSTM(d, 16)

    def forward(self, tgt, memory):
        out, _ = self.lstm(self.dec(tgt, memory))
        return out[-1]
"""

WHOLE = """
class Net(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.tr = nn.Transformer(d, 2, 1, 1, 16)
        self.fc = nn.Linear(d, 5)

    def forward(self, src, tgt):
        return self.fc(self.tr(src, tgt))
"""

LAYER = """
class Net(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.rnn = nn.GRU(d, d)
        self.block = nn.TransformerEncoderLayer(d, 2, 16)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.block(out)
"""


@pytest.mark.parametrize("src, kwargs, specs, expected", [
    (ENCODER, {"d_model": 8, "nhead": 2, "hidden": 6}, ["float32[3,5,8]"], (3, 2)),
    (DECODER, {"d": 8}, ["float32[5,3,8]", "float32[7,3,8]"], (3, 16)),
    (WHOLE, {"d": 8}, ["float32[7,3,8]", "float32[5,3,8]"], (5, 3, 5)),
    (LAYER, {"d": 8}, ["float32[5,3,8]"], (5, 3, 8)),
])
def test_a_transformer_keeps_its_inputs_shape(tmp_path, src, kwargs, specs, expected):
    static, real = run_both(tmp_path, src, kwargs, specs)
    assert static == real == expected


def test_the_symbolic_shapes_run_through_a_transformer(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(ENCODER))
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Net"], Project([str(path)]))
    assert ms.inputs[0].shape.render() == "(B, T, d_model)"
    assert ms.output.shape.render() == "(B, 2)"


BIDIRECTIONAL = """
class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.lstm = nn.LSTM(8, hidden, batch_first=True, bidirectional=True)
        layer = nn.TransformerEncoderLayer(hidden, 2, 16, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)
        self.fc = nn.Linear(hidden, 2)

    def forward(self, x):
        out, _ = self.lstm(x)
        z = self.enc(out)
        return self.fc(z[:, -1])
"""


def test_a_bidirectional_lstm_into_a_transformer_sized_for_one_direction(tmp_path, capsys):
    """LST101 at the encoder, and only there: its output has d_model features again."""
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(BIDIRECTIONAL))
    capsys.readouterr()
    assert main(["--no-cache", "--format", "json", str(path)]) == 1
    import json

    [f] = json.loads(capsys.readouterr().out)
    assert f["code"] == "LST101" and f["line"] == 15
    assert "self.enc (nn.TransformerEncoder) expects hidden features (d_model) but receives " \
        "2*hidden (bidirectional LSTM)" in f["message"]
    ns: dict = {}
    exec(HEADER + textwrap.dedent(BIDIRECTIONAL), ns)
    with pytest.raises(AssertionError, match="expecting embedding dimension of 6, but got 12"):
        ns["Net"](6)(torch.randn(3, 5, 8))


OWN = """
class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.proj = nn.Linear(d, 2 * d)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        return self.proj(src)


class Net(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.enc = nn.TransformerEncoder(Block(d), 1, enable_nested_tensor=False)
        self.tr = nn.Transformer(d, 2, 1, 1, 16, custom_decoder=nn.Identity())

    def forward(self, x, src, tgt):
        return self.enc(x), self.tr(src, tgt)
"""


def test_a_users_own_layer_in_a_stack_or_model_leaves_the_output_unknown(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(OWN))
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Net"], Project([str(path)]))
    assert all(t.shape is None for t in ms.output.items)


# ---- review rv15 -------------------------------------------------------------------------------

TUTORIAL = """
class Net(nn.Module):
    def __init__(self, ntoken, ninp):
        super().__init__()
        self.emb = nn.Embedding(ntoken, ninp)
        layer = nn.TransformerEncoderLayer(ninp, 2, 32)
        self.enc = nn.TransformerEncoder(layer, 2)
        self.lstm = nn.LSTM(ninp, 8)
        self.fc = nn.Linear(8, ntoken)

    def forward(self, src):
        mask = torch.triu(torch.full((src.size(0), src.size(0)), float("-inf")), diagonal=1)
        x = self.enc(self.emb(src), mask)
        one = self.enc.layers[0](x, mask, None)
        out, _ = self.lstm(x + one)
        return self.fc(out)
"""


def test_an_encoders_positional_mask_is_no_input_of_features(tmp_path, capsys):
    """PyTorch's word-language-model tutorial passes the causal mask positionally: (T, T) is
    the mask's, never the features' (before: a false LST101 with T against ninp)."""
    static, real = run_both(tmp_path, TUTORIAL, {"ntoken": 11, "ninp": 8}, ["int64[6,3]"])
    assert real == (6, 3, 11)
    capsys.readouterr()
    assert main(["--no-cache", str(tmp_path / "model.py")]) == 0, capsys.readouterr().out


def test_a_transformer_finding_is_confirmed_by_the_attention_assert(tmp_path, capsys):
    """Attention layers check their features with an assert, which confirms LST101."""
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent("""
        class Enc(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.lstm = nn.LSTM(d, d, batch_first=True, bidirectional=True)
                self.enc = nn.TransformerEncoderLayer(d, 1, 16, batch_first=True)

            def forward(self, x):
                out, _ = self.lstm(x)
                return self.enc(out)
        """))
    (tmp_path / ".git").mkdir()
    capsys.readouterr()
    assert main(["--no-cache", "--confirm", "--format", "json", str(path)]) == 1
    import json

    [f] = json.loads(capsys.readouterr().out)
    c = f["confirmation"]
    assert c["verdict"] == "confirmed", c
    assert "AssertionError" in c["evidence"] and "was expecting embedding dimension" \
        in c["evidence"]


HEADS = """
class Enc(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.lstm = nn.LSTM(d, d, batch_first=True, bidirectional=True)
        self.enc = nn.TransformerEncoderLayer(d, 4, 16, batch_first=True)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.enc(out)


class Mha(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.lstm = nn.LSTM(d, d, batch_first=True, bidirectional=True)
        self.mha = nn.MultiheadAttention(d, 4, batch_first=True)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.mha(out, out, out)[0]
"""


def test_a_width_with_several_heads_gets_a_size_they_divide(tmp_path, capsys):
    """``--confirm`` gives ``d`` a multiple of the heads (before: a prime, and building the
    layer failed with 'embed_dim must be divisible by num_heads': never run, unconfirmed)."""
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(HEADS))
    (tmp_path / ".git").mkdir()
    capsys.readouterr()
    assert main(["--no-cache", "--confirm", "--format", "json", str(path)]) == 1
    import json

    found = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in found] == ["LST101", "LST101"]
    for f in found:
        c = f["confirmation"]
        assert c["verdict"] == "confirmed", c
        assert "was expecting embedding dimension of 20, but got 40" in c["evidence"]


@pytest.mark.parametrize("message, verdict", [
    ("mat1 and mat2 shapes cannot be multiplied (21x10 and 5x2)", "confirmed"),
    ("was expecting embedding dimension of 5, but got 10", "confirmed"),
    # another bug's crash at the line (rv15: a mask built for 10 steps on the confirmer's 7)
    ("The shape of the 2D attn_mask is torch.Size([10, 10]), but should be (7, 7).", None),
])
def test_lst101_is_confirmed_by_a_crash_that_names_its_two_widths(message, verdict):
    from lstm_lint.catalogue import rule_by_code
    from lstm_lint.confirm_evidence import Evidence
    from lstm_lint.evidence import RunError
    from lstm_lint.findings import Finding

    kind = "AssertionError" if "expecting" in message else "RuntimeError"
    ev = Evidence("Net", [], RunError(kind, message, 9, "forward"), [], "eager", "cpu", None,
                  {"B": 3, "T": 7}, constructor={"h": 5})
    f = Finding("LST101", "feature-size-mismatch", "error", "LST101 self.fc (nn.Linear) expects "
                "h input features but receives 2*h (bidirectional LSTM); the tensor arriving is "
                "(B, T, 2*h)", "m.py", None, None, 9, 1, 9, 10)
    found = rule_by_code("LST101").confirm(f, [ev])
    assert (found[0] if found else None) == verdict, found


# ---- review rv16 -------------------------------------------------------------------------------

HEADS_BY_DEFAULT = """
class Net(nn.Module):
    def __init__(self, emb, d, n_heads=4):
        super().__init__()
        self.lstm = nn.LSTM(emb, d, batch_first=True, bidirectional=True)
        self.att = nn.MultiheadAttention(d, n_heads, batch_first=True)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.att(out, out, out)[0]
"""

WIDTH_EXPRESSION = """
class Net(nn.Module):
    def __init__(self, emb, d):
        super().__init__()
        self.lstm = nn.LSTM(emb, d, batch_first=True, bidirectional=True)
        self.att = nn.MultiheadAttention(2 * d, 4, batch_first=True)
        self.fc = nn.Linear(d, 3)

    def forward(self, x):
        out, _ = self.lstm(x)
        out = self.att(out, out, out)[0]
        return self.fc(out)
"""

WHOLE_BIDIRECTIONAL = """
class Net(nn.Module):
    def __init__(self, emb, d):
        super().__init__()
        self.lstm = nn.LSTM(emb, d, batch_first=True, bidirectional=True)
        self.tr = nn.Transformer(d, 1, 1, 1, 16, batch_first=True)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.tr(out, out)
"""


@pytest.mark.parametrize("src, said", [
    # heads from a default (before: d a prime, 'embed_dim must be divisible by num_heads')
    (HEADS_BY_DEFAULT, "was expecting embedding dimension of 44, but got 88"),
    # a width 2 * d: d a multiple of 4 / gcd(4, 2) = 2
    (WIDTH_EXPRESSION, "mat1 and mat2 shapes cannot be multiplied (21x44 and 22x3)"),
    # nn.Transformer's check names no size: the crash at the line decides
    (WHOLE_BIDIRECTIONAL, "the feature number of src and tgt must be equal to d_model"),
])
def test_attention_findings_are_confirmed_with_sizes_the_heads_divide(tmp_path, capsys, src,
                                                                       said):
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(src))
    (tmp_path / ".git").mkdir()
    capsys.readouterr()
    assert main(["--no-cache", "--confirm", "--format", "json", str(path)]) == 1
    import json

    [f] = json.loads(capsys.readouterr().out)
    c = f["confirmation"]
    assert f["code"] == "LST101" and c["verdict"] == "confirmed", c
    assert said in c["evidence"]


SOLVED = """
class Net(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.tr = nn.Transformer(d, 2, 1, 1, 16, batch_first=True)
        self.lstm = nn.LSTM(d, 7, batch_first=True)

    def forward(self, src, tgt):
        out, _ = self.lstm(self.tr(src, tgt))
        return out[:, -1]


class Dec(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(d, 2, 16), 2)

    def forward(self, tgt, memory):
        return self.dec(tgt, memory)
"""


@pytest.mark.parametrize("cls, inputs, output, specs, real", [
    ("Net", ["(B, T, d)", "(B, T_tgt, d)"], "(B, 7)", ["float32[3,5,8]", "float32[3,9,8]"],
     (3, 7)),
    ("Dec", ["(T, B, d)", "(T_memory, B, d)"], "(T, B, d)", ["float32[5,3,8]", "float32[9,3,8]"],
     (5, 3, 8)),
])
def test_the_inputs_a_transformer_reads_first_are_solved_each_with_its_length(
        tmp_path, cls, inputs, output, specs, real):
    """nn.Transformer's src and tgt, a decoder's memory: before, only the first input of an
    encoder or decoder was solved, and nn.Transformer's inputs stayed unknown."""
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(SOLVED))
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes[cls], Project([str(path)]))
    assert [v.shape.render() for v in ms.inputs] == inputs
    assert ms.output.shape.render() == output
    static, torch_out = run_both(tmp_path, SOLVED, {"d": 8}, specs, cls=cls)
    assert static == torch_out == real
