"""``[tool.lstm-lint.confirm]``'s forms for what lstm-lint cannot invent: a tensor or a Python
expression as a constructor value, and forward inputs that are dicts, lists and tuples of
inputs, tensors with a chosen fill or values, and plain values (issue 16)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from lstm_lint.cli import main
from lstm_lint.confirm_values import given_sizes, parse_table
from lstm_lint.discover import UsageError
from lstm_lint.given_values import SOURCE, child_value
from lstm_lint.shapes import from_json
from lstm_lint.symbolic import sym
from lstm_lint.values import UNKNOWN, Record, Seq, Shape, Tensor

#: a pretrained embedding matrix inside the configuration (wabyking's ``opt.embeddings``)
PRETRAINED = """\
import torch.nn as nn


class Clf(nn.Module):
    def __init__(self, opt):
        super().__init__()
        self.emb = nn.Embedding(opt.vocab, opt.dim)
        self.emb.weight = nn.Parameter(opt.embeddings, requires_grad=False)
        self.lstm = nn.LSTM(opt.dim, opt.hidden, batch_first=True)
        self.fc = nn.Linear(opt.hidden, 2)

    def forward(self, x):
        out, _ = self.lstm(self.emb(x))
        return self.fc(out[-1])
"""

#: an object built by an expression over the file's own names (RecBole's dataset, flair's
#: dictionary): only its length sizes the model
VOCAB = """\
import torch.nn as nn


class Vocab:
    def __init__(self, words):
        self.words = list(words)

    def __len__(self):
        return len(self.words)


class Tagger(nn.Module):
    def __init__(self, vocab, hidden):
        super().__init__()
        self.emb = nn.Embedding(len(vocab), hidden)
        self.lstm = nn.LSTM(hidden, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 5)

    def forward(self, x):
        out, _ = self.lstm(self.emb(x))
        return self.fc(out[-1])
"""

#: a batch the forward reads by key (neuralforecast's ``windows_batch``)
BATCHED = """\
import torch.nn as nn


class Forecaster(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, windows_batch):
        y = windows_batch["insample_y"]
        mask = windows_batch["mask"]
        out, _ = self.lstm(y)
        return self.fc(out[-1] * mask)
"""


def _project(tmp_path: Path, files: dict[str, str], table: str | None) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / ".git").mkdir(exist_ok=True)
    if table is not None:
        (tmp_path / "pyproject.toml").write_text(textwrap.dedent(table))
    elif (tmp_path / "pyproject.toml").exists():
        (tmp_path / "pyproject.toml").unlink()


def _confirmed(capsys, monkeypatch, tmp_path: Path, *paths: str) -> list[dict]:
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    code = main(["--no-cache", "--confirm", "--format", "json", *paths])
    out = capsys.readouterr().out
    assert code == 1, out
    return json.loads(out)


# ---- the parser ------------------------------------------------------------------------------


def test_each_new_form_is_read_and_made_as_the_child_makes_it():
    values = parse_table({"Net": {
        "args": [{"dim": 6, "embeddings": {"tensor": "float32[50,6]"}},
                 {"expr": " nn.LSTM "}, {"tensor": {"spec": "int64[2]", "values": [3, 4]}}],
        "inputs": [{"dict": {"y": "float32[3,7,4]", "m": {"spec": "float32[3,7,1]", "fill": 1}}},
                   {"list": ["float32[2,5]", {"tuple": ["none", "int64[2]"]}]},
                   {"spec": "bool[3,1,7]", "fill": True},
                   {"spec": "float32[2]", "values": [0.5, 1]},
                   {"value": {"steps": 5, "w": {"tensor": "float32[2]"}}},
                   "5"]}}, "/p/pyproject.toml")
    given = values.for_class("/p/x.py", "Net")
    assert given is not None and given.inputs is not None and len(given.inputs) == 6
    assert child_value(given.args) == [
        {"dim": 6, "embeddings": {"lstm_lint_tensor": {"tensor": [50, 6], "dtype": "float"}}},
        {"lstm_lint_expr": "nn.LSTM"},
        {"lstm_lint_tensor": {"tensor": [2], "dtype": "int", "high": 2, "values": [3, 4]}}]
    assert given.input_specs == [
        {"dict": {"y": {"tensor": [3, 7, 4], "dtype": "float"},
                  "m": {"tensor": [3, 7, 1], "dtype": "float", "fill": 1}}},
        {"list": [{"tensor": [2, 5], "dtype": "float"},
                  {"tuple": [None, {"tensor": [2], "dtype": "int", "high": 2}]}]},
        {"tensor": [3, 1, 7], "dtype": "bool", "fill": True},
        {"tensor": [2], "dtype": "float", "values": [0.5, 1]},
        {"user": {"steps": 5, "w": {"lstm_lint_tensor": {"tensor": [2], "dtype": "float"}}}},
        {"value": 5}]


def test_the_analysis_reads_a_tensor_and_an_expression_without_running_it():
    t = from_json({"tensor": "float32[50,300]"})
    assert isinstance(t, Tensor) and t.shape is not None and str(t.shape.render()) == "(50, 300)"
    assert from_json({"tensor": "(float32[1],float32[2])"}) is UNKNOWN
    assert from_json({"expr": "__import__('os').getcwd()"}) is UNKNOWN
    cfg = from_json({"embeddings": {"tensor": "float32[5,3]"}, "hidden": 8})
    assert isinstance(cfg, Record) and isinstance(cfg.get("embeddings"), Tensor)


@pytest.mark.parametrize(("table", "error"), [
    ({"args": [{"expr": "nn.LSTM("}]}, "args: 'nn.LSTM(' is no Python expression"),
    ({"args": [{"expr": 3}]}, "args: {expr = ...} holds a Python expression as a string"),
    ({"args": {"emb": {"tensor": "float32[5,x]"}}}, "args: input spec 'float32[5,x]': 'x' is not"),
    ({"args": [{"tensor": "(float32[1],float32[2])"}]}, "args: a tensor is a spec such as"),
    ({"args": [{"o": {"tensor": {"spec": "float32[2]", "values": [1]}}}]},
     "args: {\"spec\": \"float32[2]\", \"values\": [1]} is no tensor table"),
    ({"inputs": [{"spec": "int64[2]", "fill": 0.5}]}, "inputs: {\"spec\": \"int64[2]\", "
     "\"fill\": 0.5} is no tensor table"),
    ({"inputs": [{"spec": "float32[2]", "fill": 1, "values": [1, 2]}]}, "is no tensor table"),
    ({"inputs": [{"dicts": {"y": "float32[1]"}}]}, "inputs: an input is a spec such as"),
    ({"inputs": [{"dict": ["float32[1]"]}]}, "inputs: an input is a spec such as"),
    ({"inputs": [{"list": "float32[1]"}]}, "inputs: an input is a spec such as"),
    ({"inputs": [{"dict": {"y": "float32[1"}}]}, "inputs: cannot read input spec 'float32[1'"),
    ({"inputs": [{"value": {"new": 3}}]}, "inputs: an object to build is"),
    ({"inputs": [{"value": {"expr": "1 +"}}]}, "inputs: '1 +' is no Python expression"),
])
def test_a_bad_new_form_is_one_line(table, error):
    with pytest.raises(UsageError) as exc:
        parse_table({"Net": table}, "/p/pyproject.toml")
    msg = str(exc.value)
    assert len(msg.splitlines()) == 1 and error in msg, msg
    assert msg.startswith("/p/pyproject.toml: [tool.lstm-lint.confirm] 'Net'")


def _t(*dims: str) -> Tensor:
    return Tensor(Shape(tuple(sym(d) for d in dims)), "float")


def test_a_dict_input_names_the_sizes_of_the_keys_the_code_reads():
    batch = Record((("insample_y", _t("B", "T", "n_in")), ("mask", _t("B", "T"))))
    spec = {"dict": {"insample_y": {"tensor": [4, 9, 2]}, "mask": {"tensor": [4, 9]},
                     "unused": {"tensor": [1]}}}
    assert given_sizes([batch], [spec], {"n_in": 2}) == {"B": 4, "T": 9}
    # a key the code reads that the batch lacks, or a size that disagrees: no names
    assert given_sizes([batch], [{"dict": {"insample_y": {"tensor": [4, 9, 2]}}}],
                       {"n_in": 2}) is None
    assert given_sizes([batch], [spec], {"n_in": 3}) is None
    assert given_sizes([UNKNOWN], [spec], {}) is None
    # a list read item by item: every item is that item
    xs = Seq((), True, repeated=_t("N", "C"))
    two = {"list": [{"tensor": [10, 3]}, {"tensor": [10, 3]}]}
    assert given_sizes([xs], [two], {}) == {"N": 10, "C": 3}
    assert given_sizes([xs], [{"list": [{"tensor": [10, 3]}, {"tensor": [9, 3]}]}], {}) is None


# ---- end to end, with torch ------------------------------------------------------------------


def test_a_tensor_in_the_constructors_configuration_builds_the_model(
        tmp_path, capsys, monkeypatch):
    _project(tmp_path, {"m.py": PRETRAINED}, """
        [tool.lstm-lint.confirm.Clf]
        args = [{vocab = 50, dim = 6, hidden = 8}]
        """)
    [f] = _confirmed(capsys, monkeypatch, tmp_path, "m.py")
    # without the matrix: a configuration field nobody gave
    assert f["confirmation"]["verdict"] == "unconfirmed", f["confirmation"]
    assert "embeddings" in f["confirmation"]["evidence"]
    _project(tmp_path, {}, """
        [tool.lstm-lint.confirm.Clf]
        args = [{vocab = 50, dim = 6, hidden = 8, embeddings = {tensor = "float32[50,6]"}}]
        """)
    [f] = _confirmed(capsys, monkeypatch, tmp_path, "m.py")
    c = f["confirmation"]
    assert c["verdict"] == "confirmed", c
    assert "(B=3, T=7)" in c["evidence"]
    assert c["built"].startswith("opt={\"vocab\": 50") and c["built"].endswith(SOURCE)


def test_an_expression_over_the_files_own_names_builds_the_model(tmp_path, capsys, monkeypatch):
    _project(tmp_path, {"m.py": VOCAB}, None)
    [f] = _confirmed(capsys, monkeypatch, tmp_path, "m.py")
    assert f["confirmation"]["verdict"] == "unconfirmed", f["confirmation"]
    assert "no value for constructor parameter 'vocab'" in f["confirmation"]["evidence"]
    _project(tmp_path, {}, """
        [tool.lstm-lint.confirm.Tagger]
        args = [{expr = "Vocab(str(i) for i in range(40))"}, 16]
        inputs = [{spec = "int64[4,9]", low = 0, high = 40}]
        """)
    [f] = _confirmed(capsys, monkeypatch, tmp_path, "m.py")
    c = f["confirmation"]
    assert c["verdict"] == "confirmed", c
    assert c["evidence"].startswith("index -1 selected axis 0 of size 4 of [4, 9, 16]")
    assert c["built"].startswith("vocab=Vocab(str(i) for i in range(40)), hidden=16 from")


def test_an_expression_runs_only_in_the_confirm_child(tmp_path, capsys, monkeypatch):
    _project(tmp_path, {"m.py": VOCAB}, """
        [tool.lstm-lint.confirm.Tagger]
        args = [{expr = "__import__('pathlib').Path('ran').write_text('x') and Vocab('ab')"}, 4]
        """)
    monkeypatch.chdir(tmp_path)
    assert main(["--no-cache", "m.py"]) == 1  # the static path: read, never run
    assert not (tmp_path / "ran").exists()
    _confirmed(capsys, monkeypatch, tmp_path, "m.py")
    assert (tmp_path / "ran").exists()


def test_a_dict_batch_read_by_key_confirms_the_finding(tmp_path, capsys, monkeypatch):
    _project(tmp_path, {"m.py": BATCHED}, """
        [tool.lstm-lint.confirm.Forecaster]
        args = [2, 8]
        """)
    [f] = _confirmed(capsys, monkeypatch, tmp_path, "m.py")
    # without the batch: the engine knows its keys' shapes, but no input is invented for it
    assert f["confirmation"]["verdict"] == "unconfirmed", f["confirmation"]
    assert "forward argument 'windows_batch'" in f["confirmation"]["evidence"]
    _project(tmp_path, {}, """
        [tool.lstm-lint.confirm.Forecaster]
        args = [2, 8]
        inputs = [{dict = {insample_y = "float32[4,9,2]", mask = {spec = "float32[9,1]", fill = 1}}}]
        """)
    [f] = _confirmed(capsys, monkeypatch, tmp_path, "m.py")
    c = f["confirmation"]
    assert c["verdict"] == "confirmed", c
    assert "(B=4, T=9)" in c["evidence"]
    assert c["evidence"].endswith("; forward input windows_batch {insample_y: float32[4,9,2], "
                                  "mask: float32[9,1]} from [tool.lstm-lint.confirm]")
    # a batch without a key the code reads: its KeyError is the user's, never a confirmation
    _project(tmp_path, {}, """
        [tool.lstm-lint.confirm.Forecaster]
        args = [2, 8]
        inputs = [{dict = {insample_y = "float32[4,9,2]"}}]
        """)
    [f] = _confirmed(capsys, monkeypatch, tmp_path, "m.py")
    assert f["confirmation"]["verdict"] == "unconfirmed", f["confirmation"]
    assert "KeyError" in f["confirmation"]["evidence"]


def test_a_configurations_call_takes_from_the_table_what_it_cannot_evaluate(
        tmp_path, capsys, monkeypatch):
    """A finding under the call in train.py is judged as built there: the call's own values
    (its configuration) stay; the arguments its text cannot give (a dataset's vocabulary and
    vectors, read from files) take the table's values for those parameters, by name."""
    model = """\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, config, vocab_size, word_embeddings):
        super().__init__()
        self.embeddings = nn.Embedding(vocab_size, config.embed_size)
        self.embeddings.weight = nn.Parameter(word_embeddings, requires_grad=False)
        self.lstm = nn.LSTM(config.hidden_size, config.hidden_size)
        self.fc = nn.Linear(config.hidden_size, 2)

    def forward(self, x):
        out, _ = self.lstm(self.embeddings(x))
        return self.fc(out[-1])
"""
    files = {"model.py": model,
             "config.py": "class Config(object):\n    embed_size = 6\n    hidden_size = 8\n",
             "utils.py": "class Dataset:\n    def __init__(self, config):\n"
                         "        self.vocab = open('vocab.txt').read().split()\n"
                         "        self.word_embeddings = load_vectors('glove.txt')\n",
             "train.py": "from config import Config\nfrom model import Net\n"
                         "from utils import Dataset\n\nconfig = Config()\n"
                         "dataset = Dataset(config)\n"
                         "model = Net(config, len(dataset.vocab), dataset.word_embeddings)\n"}
    _project(tmp_path, files, None)
    [f] = _confirmed(capsys, monkeypatch, tmp_path, "model.py")
    assert f["message"].endswith("(as built at train.py:7)")
    assert f["confirmation"]["verdict"] == "unconfirmed", f["confirmation"]
    assert "no value for constructor parameter 'word_embeddings'" \
        in f["confirmation"]["evidence"]
    _project(tmp_path, {}, """
        [tool.lstm-lint.confirm.Net]
        args = [{embed_size = 100, hidden_size = 100}, 20, {tensor = "float32[20,6]"}]
        """)
    [f] = _confirmed(capsys, monkeypatch, tmp_path, "model.py")
    c = f["confirmation"]
    assert c["verdict"] == "confirmed", c
    # the call's own configuration (8 features), not the table's (100)
    assert c["evidence"] == ("PyTorch raised RuntimeError at line 13: input.size(-1) must be "
                             "equal to input_size. Expected 8, got 6")
    assert c["built"] == ("the call at train.py:7, with vocab_size, word_embeddings not "
                          "evaluable there from [tool.lstm-lint.confirm]")

    # the table's inputs: where the analysis makes the configuration's own inputs (x), those
    # (they fit it); where it cannot (a batch read by key), the table's
    _project(tmp_path, {}, """
        [tool.lstm-lint.confirm.Net]
        args = [{embed_size = 100, hidden_size = 100}, 20, {tensor = "float32[20,6]"}]
        inputs = [{spec = "int64[5,2]", low = 0, high = 20}]
        """)
    [f] = _confirmed(capsys, monkeypatch, tmp_path, "model.py")
    assert f["confirmation"]["verdict"] == "confirmed", f["confirmation"]
    assert "from [tool.lstm-lint.confirm]" not in f["confirmation"]["evidence"]
    batched = model.replace("def forward(self, x):", "def forward(self, batch):\n"
                            "        x = batch[\"x\"]")
    _project(tmp_path, {"model.py": batched}, """
        [tool.lstm-lint.confirm.Net]
        args = [{embed_size = 100, hidden_size = 100}, 20, {tensor = "float32[20,6]"}]
        inputs = [{dict = {x = {spec = "int64[5,2]", low = 0, high = 20}}}]
        """)
    [f] = _confirmed(capsys, monkeypatch, tmp_path, "model.py")
    c = f["confirmation"]
    assert c["verdict"] == "confirmed", c
    assert c["evidence"].endswith("Expected 8, got 6; forward input batch {x: int64[5,2]} from "
                                  "[tool.lstm-lint.confirm]")

def test_shapes_args_give_a_tensor_and_an_expression_as_the_table_does(tmp_path, capsys):
    """``shapes --confirm --args``: the same forms, read by the analysis (a library class
    as the file names it, a tensor's shape) and built in the child."""
    src = tmp_path / "enc.py"
    src.write_text("import torch.nn as nn\n\n\n"
                   "class Enc(nn.Module):\n"
                   "    def __init__(self, rnn_type, emb, hidden):\n"
                   "        super().__init__()\n"
                   "        self.emb = nn.Embedding.from_pretrained(emb)\n"
                   "        self.rnn = rnn_type(emb.shape[1], hidden, batch_first=True)\n\n"
                   "    def forward(self, x):\n"
                   "        out, _ = self.rnn(self.emb(x))\n"
                   "        return out\n")
    capsys.readouterr()
    assert main(["shapes", "--confirm", "--format", "json", "--args",
                 '[{"expr": "nn.GRU"}, {"tensor": "float32[20,6]"}, 8]', "--input",
                 "int64[3,7]", str(src)]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["output"] == [3, 7, 8]
    assert entry["observed"]["verdict"] == "confirmed", entry["observed"]
    assert entry["observed"]["observed"] == "(3, 7, 8)"
