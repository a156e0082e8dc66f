"""A recurrent class the caller names (``getattr(nn, rnn_type)``): the symbolic run is the
join of one run per class the name can stand for, each checked against torch built with that
name.  Where LSTM, GRU and RNN agree (the output) the shape is known whatever the choice; where
they differ (the state: a tensor, or an LSTM's ``(h, c)`` pair) it stays unknown."""

from __future__ import annotations

import textwrap

from test_engine_facts import solved_run

from lstm_lint.choices import join_all, rnn_choices
from lstm_lint.lint import load
from lstm_lint.symbolic import sym
from lstm_lint.values import UNKNOWN, Const, Seq, Shape, Tensor

# darts' _RNNModule style: the class by name, the output through a head, the state returned
NAMED = '''
class Net(nn.Module):
    def __init__(self, name, n_in, hidden, n_layers, n_out):
        super().__init__()
        self.rnn = getattr(nn, name)(n_in, hidden, n_layers, batch_first=True,
                                     bidirectional=False)
        self.fc = nn.Linear(hidden, n_out)

    def forward(self, x):
        out, last = self.rnn(x)
        return self.fc(out), last
'''


def test_the_output_every_named_class_agrees_on_is_known_and_the_state_is_not(tmp_path):
    for name in ("LSTM", "GRU", "RNN"):
        ins, out = solved_run(tmp_path, NAMED, {"name": name, "n_in": 5, "hidden": 7,
                                                "n_layers": 2, "n_out": 3, "B": 4, "T": 6})
        assert ins == ["(B, T, n_in)"]
        assert out == "((B, T, n_out), unknown)"


UPPER = '''
class Net(nn.Module):
    def __init__(self, cell, n_in, hidden):
        super().__init__()
        self.cell = cell
        self.rnn = getattr(nn, cell.upper())(n_in, hidden, batch_first=True,
                                             bidirectional=False)

    def forward(self, x):
        out, h = self.rnn(x)
        if self.cell == "lstm":
            h = h[0]
        return out, h[-1]
'''


def test_a_spelling_the_code_does_not_compare_is_run_too(tmp_path):
    # 'lstm' takes h_n out of the pair; an LSTM named 'LSTM' does not, and h[-1] is then its
    # c_n, (1, B, hidden), where the others give (B, hidden): not known whatever the name
    for name in ("lstm", "LSTM", "gru", "GRU", "rnn"):
        ins, out = solved_run(tmp_path, UPPER, {"cell": name, "n_in": 5, "hidden": 7,
                                                "B": 4, "T": 6})
        assert ins == ["(B, T, n_in)"]
        assert out == "((B, T, hidden), unknown)"


# qlib's pytorch_tra RNN style: the LSTM's pair opened where the name says it is one
OPENED = '''
class Net(nn.Module):
    def __init__(self, rnn_arch, n_in, hidden, num_layers):
        super().__init__()
        assert rnn_arch in ("LSTM", "GRU", "RNN")
        self.rnn_arch = rnn_arch
        self.rnn = getattr(nn, rnn_arch)(input_size=n_in, hidden_size=hidden,
                                         num_layers=num_layers, batch_first=True)

    def forward(self, x):
        rnn_out, last_out = self.rnn(x)
        if self.rnn_arch == "LSTM":
            last_out = last_out[0]
        return rnn_out[:, -1], last_out.mean(dim=0)
'''


def test_a_state_each_name_reads_alike_is_known_whatever_the_name(tmp_path):
    for name in ("LSTM", "GRU", "RNN"):
        ins, out = solved_run(tmp_path, OPENED, {"rnn_arch": name, "n_in": 5, "hidden": 7,
                                                 "num_layers": 2, "B": 4, "T": 6})
        assert ins == ["(B, T, n_in)"]
        assert out == "((B, hidden), (B, hidden))"


def test_the_candidates_are_the_names_and_the_spellings_the_code_compares(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("import torch.nn as nn\n" + textwrap.dedent(UPPER))
    c = next(c for c in load(str(path), prefilter=False).module_classes())
    param, cands = rnn_choices(c)
    assert param == "cell"
    assert {"LSTM", "lstm", "GRU", "gru", "RNN", "rnn"} <= set(cands)
    path.write_text("import torch.nn as nn\n" + textwrap.dedent(NAMED))
    c = next(c for c in load(str(path), prefilter=False).module_classes())
    assert rnn_choices(c) == ("name", ("LSTM", "GRU", "RNN"))
    path.write_text("import torch.nn as nn\n" + textwrap.dedent(OPENED))
    c = next(c for c in load(str(path), prefilter=False).module_classes())
    assert rnn_choices(c) == ("rnn_arch", ("LSTM", "GRU", "RNN"))


def test_a_name_with_a_default_or_lowered_or_unproven_is_no_choice(tmp_path):
    # unproven: with no ``bidirectional`` and no assert, the name may be any nn class (a
    # TransformerEncoderLayer takes (d_model, nhead, dim_feedforward, batch_first=True))
    path = tmp_path / "m.py"
    for head, call in (("name='GRU'", "getattr(nn, name)"), ("name", "getattr(nn, name.lower())"),
                       ("name", "getattr(nn, 'GRU')"), ("name", "getattr(nn, name)"),
                       ("name", "getattr(nn, name.upper())")):
        path.write_text(f"import torch.nn as nn\nclass Net(nn.Module):\n"
                        f"    def __init__(self, n, {head}):\n        super().__init__()\n"
                        f"        self.rnn = {call}(n, n, batch_first=True)\n")
        c = next(c for c in load(str(path), prefilter=False).module_classes())
        assert rnn_choices(c) is None


def test_join_keeps_what_all_agree_on():
    B, T = sym("B"), sym("T")
    a = Tensor(Shape((B, T, sym("H"))), "float")
    b = Tensor(Shape((B, T, sym("H"))), "float")
    c = Tensor(Shape((B, sym("T2"), sym("H"))), "float")
    assert join_all([a, b]) == Tensor(Shape((B, T, sym("H"))), "float")
    assert join_all([a, c]) == Tensor(Shape((B, None, sym("H"))), "float")
    pair = Seq((a, a))
    assert join_all([Seq((a, pair)), Seq((a, b))]) == Seq((join_all([a, b]), UNKNOWN))
    assert join_all([Const(None), Const(None)]) == Const(None)
    assert join_all([Tensor(Shape((B,))), a]) == Tensor(None)
