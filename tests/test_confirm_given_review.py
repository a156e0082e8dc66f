"""Review rv12 of the table's forms (issue 16): a dict batch whose key ``forward`` stores
into, given sizes that coincide, ``LST203`` on lengths that pad nothing, a bad ``--args``
expression, the dtype of a given tensor and ``shapes --input``'s dict batch.  Each case
failed before its fix."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from lstm_lint.analyze import analyze_module
from lstm_lint.cli import main
from lstm_lint.confirm_values import given_sizes
from lstm_lint.given_values import input_spec
from lstm_lint.lint import load
from lstm_lint.project import Project
from lstm_lint.symbolic import sym
from lstm_lint.values import Shape, Tensor

torch = pytest.importorskip("torch")

#: forward turns its batch's key time-major in place, then reads it: correct
STORED = """\
import torch.nn as nn


class Seq(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, batch):
        batch["x"] = batch["x"].transpose(0, 1)
        out, _ = self.lstm(batch["x"])
        return self.fc(out[-1])


class Flip(nn.Module):
    def __init__(self, n_in, hidden, flip):
        super().__init__()
        self.flip = flip
        self.lstm = nn.LSTM(n_in, hidden)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, batch):
        if self.flip:
            batch["x"] = batch["x"].transpose(0, 1)
        out, _ = self.lstm(batch["x"])
        return self.fc(out[-1])
"""

PADDED = """\
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True)
        return out[:, -1]
"""

ENC = """\
import torch.nn as nn


class Enc(nn.Module):
    def __init__(self, rnn_type, hidden):
        super().__init__()
        self.rnn = rnn_type(6, hidden, batch_first=True)

    def forward(self, batch):
        out, _ = self.rnn(batch["x"])
        return out
"""


def _project(tmp_path: Path, name: str, text: str, table: str | None = None) -> Path:
    (tmp_path / ".git").mkdir(exist_ok=True)
    path = tmp_path / name
    path.write_text(text)
    if table is not None:
        (tmp_path / "pyproject.toml").write_text(textwrap.dedent(table))
    return path


def test_a_key_forward_stores_into_is_read_as_stored(tmp_path, capsys, monkeypatch):
    """Before: the store was dropped, the LSTM bound the key's entry to its own layout and the
    second pass read the transpose twice: a false LST204 (and the entry shown time-major)."""
    path = _project(tmp_path, "m.py", STORED)
    monkeypatch.chdir(tmp_path)
    assert main(["--no-cache", "m.py"]) == 0, capsys.readouterr().out
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Seq"], Project([str(path)]))
    [batch] = ms.inputs
    assert dict(batch.fields)["x"].shape.render() == "(B, T, n_in)"
    assert ms.output.shape.render() == "(B, 1)"
    ns: dict = {}
    exec(STORED, ns)
    real = ns["Seq"](2, 8)({"x": torch.randn(4, 9, 2)})
    assert tuple(real.shape) == (4, 1)  # B = 4
    # stored on one path only (Flip): the key is either layout, so nothing is said of it
    flip = analyze_module(fm, fm.classes["Flip"], Project([str(path)]))
    [unsolved] = flip.inputs
    assert isinstance(unsolved, Tensor) and unsolved.shape is None


def test_given_sizes_read_the_entry_of_a_key_forward_stores_into(tmp_path):
    """The user's batch names the engine's sizes by the shapes at forward's entry, never by
    what forward stored (before: B and T swapped, a manufactured LST204 confirmation)."""
    path = _project(tmp_path, "m.py", STORED)
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Seq"], Project([str(path)]))
    spec = {"dict": {"x": {"tensor": [4, 9, 2]}}}
    assert given_sizes(ms.inputs, [spec], {"n_in": 2}) == {"B": 4, "T": 9}


def test_given_sizes_that_coincide_name_nothing():
    x = Tensor(Shape((sym("B"), sym("T"), sym("F"))), "float")
    assert given_sizes([x], [{"tensor": [4, 9, 3]}], {}) == {"B": 4, "T": 9, "F": 3}
    # B == T: a verdict read off the sizes could not tell batch from time
    assert given_sizes([x], [{"tensor": [4, 4, 3]}], {}) is None
    # other names may meet (features as many as the batch; allanj's word_rep (L, T, F) with
    # lengths (B,): L is the batch)
    assert given_sizes([x], [{"tensor": [4, 9, 4]}], {}) == {"B": 4, "T": 9, "F": 4}


@pytest.mark.parametrize("lengths, verdict", [([9, 9, 9, 9], "unconfirmed"),
                                              ([9, 5, 3, 9], "confirmed")])
def test_lst203_is_never_refuted_by_lengths_that_pad_nothing(tmp_path, capsys, monkeypatch,
                                                             lengths, verdict):
    _project(tmp_path, "m.py", PADDED, f"""
        [tool.lstm-lint.confirm.Net]
        inputs = ["float32[4,9,10]", {{spec = "int64[4]", values = {lengths}}}]
        """)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["--no-cache", "--confirm", "--format", "json", "m.py"]) == 1
    [f] = json.loads(capsys.readouterr().out)
    assert f["code"] == "LST203"
    assert f["confirmation"]["verdict"] == verdict, f["confirmation"]
    if verdict == "unconfirmed":
        assert "every sequence of the run had the full length" in f["confirmation"]["evidence"]


def test_a_bad_args_expression_is_a_usage_error_naming_args(tmp_path, capsys):
    path = _project(tmp_path, "enc.py", ENC)
    capsys.readouterr()
    code = main(["shapes", "--confirm", "--args", '[{"expr": "nn.GRUU"}, 8]', "--input",
                 '{"dict": {"x": "float32[3,7,6]"}}', str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "the values --args gives Enc cannot be built" in err
    assert "[tool.lstm-lint.confirm]" not in err


def test_shapes_input_takes_the_tables_dict_batch(tmp_path, capsys):
    """``--input '{"dict": ...}'`` is a batch read by key, in the analysis and in the run
    (before: the child passed None to forward)."""
    path = _project(tmp_path, "enc.py", ENC)
    capsys.readouterr()
    assert main(["shapes", "--confirm", "--format", "json", "--args",
                 '[{"expr": "nn.GRU"}, 8]', "--input", '{"dict": {"x": "float32[3,7,6]"}}',
                 str(path)]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["output"] == [3, 7, 8]
    assert entry["observed"]["verdict"] == "confirmed", entry["observed"]


@pytest.mark.parametrize("spec, dtype", [("int32[4]", "int32"), ("float64[2,3]", "float64"),
                                         ("half[2]", "float16"), ("int64[4]", "int64"),
                                         ("float32[2]", "float32"), ("bool[3]", "bool")])
def test_a_given_tensor_keeps_its_dtype(spec, dtype):
    from lstm_lint.confirm_inputs import make_inputs

    [made] = make_inputs([input_spec(spec, "test")], None)
    assert str(made.dtype) == f"torch.{dtype}"
    [(a, (b, _none))] = make_inputs([input_spec(f"({spec},({spec},none))", "test")], None)
    assert str(a.dtype) == str(b.dtype) == f"torch.{dtype}"
    [filled] = make_inputs([input_spec({"spec": spec, "fill": 1}, "test")], None)
    assert str(filled.dtype) == f"torch.{dtype}"


FIXED = """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, hidden, batch_size):
        super().__init__()
        self.hidden, self.batch_size = hidden, batch_size
        self.gru = nn.GRU(10, hidden, batch_first=True)

    def forward(self, x):
        h0 = torch.zeros(1, self.batch_size, self.hidden)
        return self.gru(x, h0)[0]
"""


def test_a_line_fx_folded_into_a_constant_is_not_said_to_be_unreached(
        tmp_path, capsys, monkeypatch):
    """The user's batch is the fixed one: the run passes, and torch.fx folded line 11's
    ``torch.zeros`` into a constant (before: "finished without reaching line 11 (a branch
    these values and inputs do not take)", which the run did take)."""
    _project(tmp_path, "m.py", FIXED, """
        [tool.lstm-lint.confirm.Net]
        args = [8, 4]
        inputs = ["float32[4,9,10]"]
        """)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["--no-cache", "--confirm", "--format", "json", "m.py"]) == 1
    [f] = json.loads(capsys.readouterr().out)
    c = f["confirmation"]
    assert f["code"] == "LST305" and c["verdict"] == "unconfirmed", c
    assert "without reaching" not in c["evidence"]
    assert "torch.fx folded tensors built from constants" in c["evidence"]


# ---- review rv14 ------------------------------------------------------------------------------

UPDATED = """\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)
        self.fc = nn.Linear(20, 3)

    def forward(self, batch):
        x = batch["x"]
        batch["x"] = x.transpose(0, 1)
        batch.update(x=x)
        out, _ = self.lstm(batch["x"])
        return self.fc(out[:, -1])


class Merged(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)
        self.fc = nn.Linear(20, 3)

    def forward(self, batch, extra):
        batch["x"] = batch["x"].transpose(0, 1)
        batch.update(extra)
        out, _ = self.lstm(batch["x"])
        return self.fc(out[:, -1])
"""


def test_a_batch_update_is_followed_or_forgets_the_keys(tmp_path, capsys, monkeypatch):
    """``batch.update(x=x)`` puts the entry back (before: the stale transpose was read, a
    false LST204); ``batch.update(extra)`` leaves no key known."""
    path = _project(tmp_path, "m.py", UPDATED)
    monkeypatch.chdir(tmp_path)
    assert main(["--no-cache", "m.py"]) == 0, capsys.readouterr().out
    fm = load(str(path), prefilter=False)
    ms = analyze_module(fm, fm.classes["Net"], Project([str(path)]))
    assert ms.output.shape.render() == "(B, 3)"
    merged = analyze_module(fm, fm.classes["Merged"], Project([str(path)]))
    assert merged.output.shape is None or merged.output.shape.star
    ns: dict = {}
    exec(UPDATED, ns)
    assert tuple(ns["Net"]()({"x": torch.randn(4, 9, 10)}).shape) == (4, 3)
    assert tuple(ns["Merged"]()({"x": torch.randn(4, 9, 10)},
                                {"x": torch.randn(4, 9, 10)}).shape) == (4, 3)


@pytest.mark.parametrize("table, said", [
    ({"spec": "int8[2,3]", "low": -300, "high": 300}, "int8 holds -128 to 127"),
    ({"spec": "uint8[2]", "values": [300, 3]}, "300 does not fit uint8 (0 to 255)"),
    ({"spec": "int32[2]", "values": [2 ** 40, 1]}, "does not fit int32"),
])
def test_numbers_a_dtype_cannot_hold_are_a_usage_error(table, said):
    from lstm_lint.discover import UsageError

    with pytest.raises(UsageError, match=re.escape(said)):
        input_spec(table, "inputs")


def test_a_table_with_only_a_spec_is_that_tensor():
    assert input_spec({"spec": "float32[4,9,10]"}, "inputs") == {"tensor": [4, 9, 10],
                                                                  "dtype": "float"}


def test_inputs_that_cannot_be_made_are_never_the_models_crash(tmp_path, capsys, monkeypatch):
    _project(tmp_path, "m.py", PADDED, """
        [tool.lstm-lint.confirm.Net]
        inputs = ["float32[4,9,10]", {value = {expr = "1 // 0"}}]
        """)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["--no-cache", "--confirm", "--format", "json", "m.py"]) == 1
    [f] = json.loads(capsys.readouterr().out)
    c = f["confirmation"]
    assert c["verdict"] == "unconfirmed", c
    assert "its forward inputs could not be made (ZeroDivisionError" in c["evidence"]


POPPED = """\
import torch.nn as nn


class Clf(nn.Module):
    def __init__(self, vocab, hidden):
        super().__init__()
        self.emb = nn.Embedding(vocab, 32)
        self.lstm = nn.LSTM(32, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 2)

    def forward(self, batch):
        labels = batch.pop("labels")
        out, _ = self.lstm(self.emb(batch["input_ids"]))
        logits = self.fc(out[-1])
        return nn.functional.cross_entropy(logits, labels)
"""


def test_popping_one_key_of_a_batch_forgets_that_key_only(tmp_path, capsys, monkeypatch):
    """``labels = batch.pop("labels")`` (rv15: before, the whole batch became unknown and the
    LST201 below was lost)."""
    _project(tmp_path, "m.py", POPPED)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["--no-cache", "--format", "json", "m.py"]) == 1
    [f] = json.loads(capsys.readouterr().out)
    assert f["code"] == "LST201" and f["line"] == 14
    ns: dict = {}
    exec(POPPED, ns)
    batch = {"input_ids": torch.randint(0, 5, (4, 7)), "labels": torch.randint(0, 2, (4,))}
    with pytest.raises(ValueError, match="Expected input batch_size"):
        ns["Clf"](5, 8)(batch)


def test_floats_a_dtype_rounds_to_inf_are_the_users_to_give():
    for table in ({"spec": "float32[3]", "values": [float("-inf"), 0.0, 3.4028e38]},
                  {"spec": "half[2]", "fill": 65519.0}, {"spec": "bfloat16[1]", "fill": 3.39e38}):
        assert "tensor" in input_spec(table, "inputs")
