"""The real-code benchmark's mutators and proofs, on small models written here (no snapshot).

Each mutator is applied to models in the styles real code uses; the mutated text is checked,
and for a few kinds a real torch run of the mutant must be accepted by the proof logic (and
the original file must not be changed by the recipe)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks" / "realcode"))

import mutate  # noqa: E402
import proofs  # noqa: E402

BIDIR = """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, emb=5, hidden=11, n=13):
        super().__init__()
        self.lstm = nn.LSTM(emb, hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, n)

    def forward(self, x):
        out, (h_n, c_n) = self.lstm(x)
        last = out[:, -1]
        summary = torch.cat((h_n[-2], h_n[-1]), dim=1)
        return self.fc(summary), self.fc(last)
"""

TIME_MAJOR = """\
import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self, n_in=5, hidden=11):
        super(Tagger, self).__init__()
        self.hidden = hidden
        self.gru = nn.GRU(n_in,
                          hidden)
        self.head = nn.Linear(hidden, 4)

    def forward(self, x):
        h0 = torch.zeros(1, x.size(1), self.hidden)
        out, h = self.gru(x, h0)
        return self.head(out[-1])
"""

PACKED = """\
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class Packed(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 11, batch_first=True)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, (h, c) = self.lstm(packed)
        padded, _ = pad_packed_sequence(out, batch_first=True)
        return h[-1]
"""

SEQ_LOSS = """\
import torch.nn as nn
import torch.nn.functional as F


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(5, 11, batch_first=True, dropout=0)
        self.out = nn.Linear(11, 4)

    def forward(self, x, y):
        out, _ = self.rnn(x)
        logits = self.out(out)
        return F.cross_entropy(logits.permute(0, 2, 1), y)
"""


def sites(src: str) -> dict[tuple[str, str], list[mutate.Site]]:
    out: dict[tuple[str, str], list[mutate.Site]] = {}
    for s in mutate.find_sites(src, "model.py"):
        out.setdefault((s.code, s.mutator), []).append(s)
    return out


def mutated_line(src: str, site: mutate.Site) -> str:
    text = mutate.apply_edits(src, site.edits)
    assert text.count("\n") == src.count("\n"), "a mutant keeps the line numbers"
    return text.splitlines()[site.line - 1].strip()


def test_bidirectional_model_sites() -> None:
    s = sites(BIDIR)
    assert mutated_line(BIDIR, s[("LST201", "swap_time_index")][0]) == "last = out[-1]"
    assert mutated_line(BIDIR, s[("LST401", "drop_last_step")][0]) == "last = out"
    assert mutated_line(BIDIR, s[("LST303", "cat_directions_to_last")][0]) == "summary = h_n[-1]"
    assert (
        mutated_line(BIDIR, s[("LST202", "cat_directions_to_output_last_step")][0]) == "summary = out[:, -1]"
    )
    assert (
        mutated_line(BIDIR, s[("LST302", "last_layer_to_first")][0])
        == "summary = torch.cat((h_n[-2], h_n[0]), dim=1)"
    )
    assert (
        mutated_line(BIDIR, s[("LST304", "fold_state_into_batch")][0])
        == "summary = torch.cat((h_n[-2], h_n.view(-1, h_n.size(-1))), dim=1)"
    )
    assert mutated_line(BIDIR, s[("LST101", "halve_features")][0]) == "self.fc = nn.Linear(hidden, n)"
    assert mutated_line(BIDIR, s[("LST101", "input_size_plus_one")][0]).startswith(
        "self.lstm = nn.LSTM(emb + 1, hidden,"
    )
    assert mutated_line(BIDIR, s[("LST204", "drop_batch_first")][0]) == (
        "self.lstm = nn.LSTM(emb, hidden, num_layers=2, bidirectional=True)"
    )
    assert mutated_line(BIDIR, s[("LST502", "add_proj_size")][0]).endswith(
        "bidirectional=True, proj_size=hidden)"
    )
    assert ("LST501", "add_dropout") not in s  # two layers: dropout is legitimate


def test_time_major_model_sites() -> None:
    s = sites(TIME_MAJOR)
    assert mutated_line(TIME_MAJOR, s[("LST201", "swap_time_index")][0]) == "return self.head(out[:, -1])"
    assert mutated_line(TIME_MAJOR, s[("LST301", "swap_state_axes")][0]) == (
        "h0 = torch.zeros(x.size(1), 1, self.hidden)"
    )
    assert mutated_line(TIME_MAJOR, s[("LST305", "state_batch_to_constant")][0]) == (
        "h0 = torch.zeros(1, 32, self.hidden)"
    )
    add = s[("LST501", "add_dropout")][0]
    text = mutate.apply_edits(TIME_MAJOR, add.edits)
    assert "hidden, dropout=0.3)" in text and text.count("\n") == TIME_MAJOR.count("\n")
    assert ("LST302", "last_layer_to_first") not in s  # one layer: h[0] is h[-1]


def test_packed_and_loss_sites() -> None:
    s = sites(PACKED)
    assert mutated_line(PACKED, s[("LST203", "state_to_padded_last_step")][0]) == "return padded[:, -1]"
    unpack = s[("LST205", "unpack")][0]
    text = mutate.apply_edits(PACKED, unpack.edits)
    assert "packed = x\n" in text and "padded, _ = (out, lengths)" in text
    s = sites(SEQ_LOSS)
    assert mutated_line(SEQ_LOSS, s[("LST402", "drop_loss_permute")][0]) == (
        "return F.cross_entropy(logits, y)"
    )
    assert mutated_line(SEQ_LOSS, s[("LST501", "set_dropout")][0]).endswith("dropout=0.3)")


def test_dropped_argument_on_its_own_line_keeps_line_numbers() -> None:
    src = (
        "import torch.nn as nn\nrnn = nn.GRU(\n    5,\n    11,\n    batch_first=True,\n    num_layers=1,\n)\n"
    )
    (site,) = [x for x in mutate.find_sites(src, "m.py") if x.code == "LST204"]
    out = mutate.apply_edits(src, site.edits)
    assert out.count("\n") == src.count("\n") and "batch_first" not in out
    compile(out, "m.py", "exec")


def test_recipe_round_trip_and_stale_file() -> None:
    site = sites(BIDIR)[("LST201", "swap_time_index")][0]
    rec = mutate.record_of(site, None, "team/examples")
    assert mutate.mutant_source(rec, BIDIR) == mutate.apply_edits(BIDIR, site.edits)
    assert "__import__" not in mutate.mutant_source(rec, BIDIR)  # probes only in proof runs
    with pytest.raises(ValueError):
        mutate.mutant_source(rec, BIDIR.replace("last = out[:, -1]", "last = out[:, 0]"))


def test_examples_have_sites() -> None:
    src = (ROOT / "examples" / "bidirectional_classifier.py").read_text()
    got = {(s.code, s.mutator) for s in mutate.find_sites(src, "examples/bidirectional_classifier.py")}
    assert ("LST303", "cat_directions_to_last") in got and ("LST204", "drop_batch_first") in got


def driver(tmp_path: Path, src: str, cls: str, inputs: list) -> proofs.LocalDriver:
    (tmp_path / "model.py").write_text(src)
    return proofs.LocalDriver(
        "team/tests", "0" * 40, "model.py", cls, {"inputs": inputs}, "", "", str(tmp_path)
    )


def test_torch_proves_time_major_mutants(tmp_path: Path) -> None:
    drv = driver(tmp_path, TIME_MAJOR, "Tagger", ["float32[7,3,5]"])
    s = sites(TIME_MAJOR)
    chosen = [
        s[("LST201", "swap_time_index")][0],
        s[("LST305", "state_batch_to_constant")][0],
        s[("LST501", "add_dropout")][0],
    ]
    res = mutate.prove_sites(drv, chosen)
    (p201, why201), (p305, why305), (p501, why501) = res
    assert p201 and p201["batch"] == 3 and p201["time"] == 7, why201
    assert p201["original"] == [3, 11] and p201["mutant"] == [7, 11]
    assert p305 and p305["type"] == "crash" and "hidden size" in p305["message"], why305
    assert p305["through_line"] in chosen[1].focus
    assert p501 and p501["type"] == "warning", why501
    assert (tmp_path / "model.py").read_text() == TIME_MAJOR
    assert not (tmp_path / proofs.MUT_DIR).exists() or not any((tmp_path / proofs.MUT_DIR).iterdir())


def test_torch_proves_padded_last_step(tmp_path: Path) -> None:
    drv = driver(tmp_path, PACKED, "Packed", ["float32[3,7,5]", {"spec": "int64[3]", "values": [7, 5, 3]}])
    site = sites(PACKED)[("LST203", "state_to_padded_last_step")][0]
    ((proof, why),) = mutate.prove_sites(drv, [site])
    assert proof and proof["type"] == "silent" and proof["zero_rows"] == [1, 2], why
