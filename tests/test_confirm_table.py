"""``[tool.lstm-lint.confirm]``: the constructor arguments and forward inputs a user gives a
class for ``--confirm``, end to end through the CLI (with torch)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from lstm_lint.cli import main
from lstm_lint.confirm_values import given_sizes, parse_table
from lstm_lint.discover import UsageError
from lstm_lint.symbolic import const, sym
from lstm_lint.values import UNKNOWN, Shape, Tensor

TAGGER = """\
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, vocab, hidden, dropout):
        super().__init__()
        self.emb = nn.Embedding(vocab, hidden)
        self.drop = nn.Dropout(dropout)
        self.lstm = nn.LSTM(hidden, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 5)

    def forward(self, x):
        out, _ = self.lstm(self.drop(self.emb(x)))
        return self.fc(out[-1])
"""

#: a configuration object the user gives as a table: attribute and key access
CONFIGURED = """\
import torch.nn as nn


class Configured(nn.Module):
    def __init__(self, opt):
        super().__init__()
        self.lstm = nn.LSTM(opt.n_in, opt.hidden, batch_first=True, dropout=opt["dropout"],
                            num_layers=2)
        self.fc = nn.Linear(opt.hidden, 3)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[-1])
"""


def _project(tmp_path: Path, files: dict[str, str], table: str | None) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / ".git").mkdir(exist_ok=True)
    if table is not None:
        (tmp_path / "pyproject.toml").write_text(textwrap.dedent(table))


def _confirmed(capsys, monkeypatch, tmp_path: Path, *paths: str) -> list[dict]:
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    code = main(["--no-cache", "--confirm", "--format", "json", *paths])
    out = capsys.readouterr().out
    assert code == 1, out
    return json.loads(out)


def test_values_from_the_table_build_the_model_and_the_evidence_says_so(
        tmp_path, capsys, monkeypatch):
    _project(tmp_path, {"pkg/model.py": TAGGER}, None)
    [f] = _confirmed(capsys, monkeypatch, tmp_path, "pkg")
    # without the table: a probability nobody gave
    assert f["confirmation"]["verdict"] == "unconfirmed"
    assert "no value for constructor parameter 'dropout'" in f["confirmation"]["evidence"]
    assert "give it in [tool.lstm-lint.confirm]" in f["confirmation"]["evidence"]
    _project(tmp_path, {}, """
        [tool.lstm-lint.confirm.Tagger]
        args = {vocab = 100, hidden = 16, dropout = 0.1}
        """)
    [f] = _confirmed(capsys, monkeypatch, tmp_path, "pkg")
    c = f["confirmation"]
    assert c["verdict"] == "confirmed", c
    assert c["built"] == "vocab=100, hidden=16, dropout=0.1 from [tool.lstm-lint.confirm]"
    assert "(B=3, T=7)" in c["evidence"]


def test_inputs_from_the_table_fix_the_batch_and_the_length(tmp_path, capsys, monkeypatch):
    _project(tmp_path, {"pkg/model.py": TAGGER}, """
        [tool.lstm-lint.confirm.Tagger]
        args = [100, 16, 0.1]
        inputs = ["int64[4,9]"]
        """)
    [f] = _confirmed(capsys, monkeypatch, tmp_path, "pkg")
    c = f["confirmation"]
    assert c["verdict"] == "confirmed", c
    assert c["evidence"].startswith("index -1 selected axis 0 of size 4 of [4, 9, 16]: the "
                                    "batch (B=4), not time (B=4, T=9)")
    assert c["evidence"].endswith("; forward input x int64[4,9] from [tool.lstm-lint.confirm]")
    assert c["built"] == "vocab=100, hidden=16, dropout=0.1 from [tool.lstm-lint.confirm]"


def test_an_integer_input_may_carry_its_values(tmp_path, capsys, monkeypatch):
    """Token ids beyond 0 and 1, or lengths: a table with the spec and its values."""
    _project(tmp_path, {"pkg/model.py": TAGGER}, """
        [tool.lstm-lint.confirm.Tagger]
        args = [100, 16, 0.1]
        inputs = [{spec = "int64[2,3]", values = [[1, 2, 99], [4, 5, 6]]}]
        """)
    [f] = _confirmed(capsys, monkeypatch, tmp_path, "pkg")
    assert f["confirmation"]["verdict"] == "confirmed", f["confirmation"]
    assert "(B=2, T=3)" in f["confirmation"]["evidence"]
    # a value outside the vocabulary: the embedding raises at its own line, not the finding's
    _project(tmp_path, {}, """
        [tool.lstm-lint.confirm.Tagger]
        args = [100, 16, 0.1]
        inputs = [{spec = "int64[2,3]", low = 100, high = 101}]
        """)
    [f] = _confirmed(capsys, monkeypatch, tmp_path, "pkg")
    assert f["confirmation"]["verdict"] == "unconfirmed", f["confirmation"]
    assert "IndexError at line 13: index out of range" in f["confirmation"]["evidence"]


def test_a_path_key_wins_over_a_class_name(tmp_path, capsys, monkeypatch):
    _project(tmp_path, {"a/model.py": TAGGER, "b/model.py": TAGGER}, """
        [tool.lstm-lint.confirm.Tagger]
        args = [100, 16, 0.1]

        [tool.lstm-lint.confirm."b/model.py::Tagger"]
        args = '{"vocab": 50, "hidden": 8, "dropout": 0.0}'
        inputs = ["int64[2,5]"]
        """)
    found = _confirmed(capsys, monkeypatch, tmp_path, "a", "b")
    built = {f["path"].split("/")[-2]: f["confirmation"]["built"] for f in found}
    assert built == {"a": "vocab=100, hidden=16, dropout=0.1 from [tool.lstm-lint.confirm]",
                     "b": "vocab=50, hidden=8, dropout=0.0 from [tool.lstm-lint.confirm]"}
    assert all(f["confirmation"]["verdict"] == "confirmed" for f in found)


def test_a_table_is_a_configuration_object_and_new_builds_one(tmp_path, capsys, monkeypatch):
    _project(tmp_path, {"m.py": CONFIGURED}, """
        [tool.lstm-lint.confirm.Configured]
        args = [{n_in = 6, hidden = 10, dropout = 0.2}]
        """)
    [f] = _confirmed(capsys, monkeypatch, tmp_path, "m.py")
    assert f["confirmation"]["verdict"] == "confirmed", f["confirmation"]
    assert f["confirmation"]["built"].startswith("opt={\"n_in\": 6")
    _project(tmp_path, {}, """
        [tool.lstm-lint.confirm.Configured]
        args = [{new = "Namespace", module = "argparse", kwargs = {n_in = 6, hidden = 10}}]
        """)
    [f] = _confirmed(capsys, monkeypatch, tmp_path, "m.py")
    # argparse's Namespace has no key access: the run stops where the code uses one
    c = f["confirmation"]
    assert c["verdict"] == "unconfirmed" and c["built"] == \
        "opt=Namespace(...) from [tool.lstm-lint.confirm]"
    assert "not subscriptable" in c["evidence"]


@pytest.mark.parametrize(("table", "error"), [
    ("[tool.lstm-lint.confirm.Tagger]\nargz = [1]",
     "[tool.lstm-lint.confirm] 'Tagger': unknown key(s) argz (expected args, inputs, kwargs)"),
    ("[tool.lstm-lint.confirm]\nTagger = 3",
     "[tool.lstm-lint.confirm] 'Tagger' must be a table with args and/or inputs"),
    ("[tool.lstm-lint.confirm.Tagger]\nargs = 3",
     "[tool.lstm-lint.confirm] 'Tagger': args must be a list, a table, or a JSON list or "
     "object"),
    ("[tool.lstm-lint.confirm.Tagger]\nargs = \"[100, 16\"",
     "[tool.lstm-lint.confirm] 'Tagger': args is not valid JSON"),
    ("[tool.lstm-lint.confirm.Tagger]\nargs = {vocab = 100, hiden = 16, dropout = 0.1}",
     "[tool.lstm-lint.confirm] 'Tagger' args: Tagger(vocab, hidden, dropout) has no "
     "parameter 'hiden'"),
    ("[tool.lstm-lint.confirm.Tagger]\nargs = [100, 16]",
     "[tool.lstm-lint.confirm] 'Tagger' args: Tagger(vocab, hidden, dropout) is missing "
     "dropout"),
    ("[tool.lstm-lint.confirm.Tagger]\nargs = [100, 16, 0.1]\ninputs = [\"int64[4,9]\", "
     "\"int64[4]\"]",
     "[tool.lstm-lint.confirm] 'Tagger' inputs: Tagger.forward(x) takes 1 input but 2 "
     "were given"),
    ("[tool.lstm-lint.confirm.Tagger]\ninputs = [\"int64[4,9\"]",
     "[tool.lstm-lint.confirm] 'Tagger' inputs: cannot read input spec 'int64[4,9'"),
    ("[tool.lstm-lint.confirm.Tagger]\ninputs = \"int64[4,9]\"",
     "[tool.lstm-lint.confirm] 'Tagger': inputs must be a list of input specs"),
    ("[tool.lstm-lint.confirm.Tagger]\ninputs = [{spec = \"int64[2]\", values = [1]}]",
     "[tool.lstm-lint.confirm] 'Tagger' inputs: {\"spec\": \"int64[2]\", \"values\": [1]} is no "
     "tensor table: low < high (integers), values of its shape, or one fill value of its "
     "dtype"),
    ("[tool.lstm-lint.confirm.Tagger]\ninputs = [{spec = \"float32[2]\", low = 0, high = 3}]",
     "is no tensor table"),
    ("[tool.lstm-lint.confirm.Tagger]\ninputs = [{values = [1]}]",
     "[tool.lstm-lint.confirm] 'Tagger' inputs: an input is a spec such as"),
    ("[tool.lstm-lint.confirm.\"not a class\"]\nargs = []",
     "[tool.lstm-lint.confirm]: 'not a class' is no class name"),
    ("[tool.lstm-lint.confirm.Tagger]\nargs = [{new = 3}]",
     "[tool.lstm-lint.confirm] 'Tagger' args: an object to build is"),
])
def test_a_bad_table_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch, table, error):
    _project(tmp_path, {"pkg/model.py": TAGGER}, table)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["--no-cache", "--confirm", "pkg"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and error in err, err
    assert "pyproject.toml" in err


def test_the_table_is_read_without_confirm_too():
    with pytest.raises(UsageError):
        parse_table({"Net": {"args": [1], "input": ["float32[1]"]}}, "pyproject.toml")
    values = parse_table({"Net": {"args": [1, 2], "kwargs": {"c": 3}}}, "/p/pyproject.toml")
    given = values.for_class("/p/x.py", "Net")
    assert given is not None and given.args == [1, 2] and given.kwargs == {"c": 3}
    assert values.for_class("/p/x.py", "Other") is None


def _t(*dims: object) -> Tensor:
    return Tensor(Shape(tuple(const(d) if isinstance(d, int) else sym(str(d)) for d in dims)),
                  "float")


def test_given_inputs_name_the_engines_sizes_only_when_every_axis_is_named():
    assert given_sizes([_t("B", "T", 16)], [{"tensor": [4, 9, 16]}], {}) == {"B": 4, "T": 9}
    # a known axis that disagrees, an input the engine has no shape for, a name twice
    assert given_sizes([_t("B", "T", 16)], [{"tensor": [4, 9, 10]}], {}) is None
    assert given_sizes([UNKNOWN], [{"tensor": [4, 9, 16]}], {}) is None
    assert given_sizes([_t("B", "B")], [{"tensor": [4, 5]}], {}) is None
    # a constructor size is checked against the constructor's value, not bound
    assert given_sizes([_t("B", "hidden")], [{"tensor": [4, 16]}], {"hidden": 16}) == {"B": 4}
    assert given_sizes([_t("B", "hidden")], [{"tensor": [4, 8]}], {"hidden": 16}) is None


def test_a_crash_on_given_inputs_or_free_sizes_is_no_lst900():
    """LST900 needs a second run with another batch and length: the user's inputs cannot
    change, and a free size (L, x_dim0) may be one the code ties to a constructor value the
    analysis never saw; a crash on either stays a reason, never a finding."""
    from types import SimpleNamespace

    from lstm_lint.confirm_evidence import read_evidence

    crash = {"class": "Net", "key": "Net", "ops": [], "method": "eager", "env": {},
             "error": {"type": "RuntimeError", "message": "size mismatch", "line": 9,
                       "stage": "forward", "frames": [9]}}
    plan = SimpleNamespace(invented=False, given_inputs=None, inputs=[], why_no_inputs="",
                           missing={}, calls=[], source="defaults", engine_values=False, witnesses=[])
    [ev], _f, _w = read_evidence({"classes": [crash]}, {"Net": plan})  # type: ignore[dict-item]
    assert not ev.invented
    plan.given_inputs = ["x float32[2,5,3]"]
    [ev], _f, _w = read_evidence({"classes": [crash]}, {"Net": plan})  # type: ignore[dict-item]
    assert ev.invented
    plan.given_inputs = None
    [ev], _f, _w = read_evidence({"classes": [dict(crash, env={"L": 13})]},
                                 {"Net": plan})  # type: ignore[dict-item]
    assert ev.invented
