"""--confirm with real torch: verdicts for every bug kind, isolation of misbehaving files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lstm_lint.cli import main
from lstm_lint.confirm import confirm_file
from lstm_lint.lint import Options, check_file, load
from lstm_lint.rule import Finding

ROOT = Path(__file__).resolve().parent
RULES = ROOT / "corpus" / "rules"
CONFIRM = ROOT / "corpus" / "confirm"
MARK = re.compile(r"#\s*expect:\s*(LST\d{3})")


def _bug_files() -> list[Path]:
    """One buggy corpus model per code (the first of each), plus every crashing one."""
    chosen: dict[str, Path] = {}
    for p in sorted(RULES.glob("*_bug.py")):
        code = MARK.search(p.read_text())
        assert code is not None
        chosen.setdefault(code.group(1), p)
    return [chosen[c] for c in sorted(chosen)]


def _run(capsys, *argv: str) -> list[dict]:
    code = main(["--format", "json", "--confirm", "--timeout", "60", *argv])
    out = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    return out


#: one bug kind in the quick suite; every kind under the slow marker (.ci/run)
QUICK_KIND = "LST201"


def _bug_params() -> list[object]:
    out: list[object] = []
    for p in _bug_files():
        m = MARK.search(p.read_text())
        quick = m is not None and m.group(1) == QUICK_KIND
        out.append(pytest.param(p, id=p.stem, marks=() if quick else pytest.mark.slow))
    return out


@pytest.mark.parametrize("path", _bug_params())
def test_every_bug_kind_is_confirmed(capsys, path):
    """(LST205 but said: see below.)"""
    want = MARK.search(path.read_text())
    assert want is not None
    text = path.read_text().splitlines()
    marked = next(i + 1 for i, t in enumerate(text) if MARK.search(t))
    findings = _run(capsys, str(path))
    hits = [f for f in findings if f["code"] == want.group(1) and abs(f["line"] - marked) <= 1]
    assert hits, findings
    verdicts = {f["confirmation"]["verdict"] for f in hits}
    if want.group(1) == "LST205":
        # silent unless the batches are padded, which no run on chosen inputs shows: what
        # the run saw is said, unconfirmed (review rv22, rv23)
        assert verdicts == {"unconfirmed"}, [f["confirmation"] for f in hits]
        assert all("the bug is silent" in f["confirmation"]["evidence"] for f in hits), hits
    else:
        assert verdicts == {"confirmed"}, [f["confirmation"] for f in hits]
    assert not [f for f in findings if f["confirmation"]["verdict"] == "refuted"]


def test_correct_model_traced_with_fx_agrees_with_static_answer(capsys):
    path = CONFIRM / "correct_model.py"
    assert main(["shapes", str(path), "--confirm", "--format", "json"]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    obs = entry["observed"]
    assert obs["verdict"] == "confirmed", obs
    assert obs["method"] == "fx"
    assert obs["static"] == obs["observed"] == "(3, 13)"  # B=3; n_in, hidden, n_out = 5, 11, 13


def test_packed_model_falls_back_to_eager(capsys):
    path = next(RULES.glob("lst203_packed_lstm_bug.py"))
    findings = _run(capsys, str(path))
    [f] = [f for f in findings if f["code"] == "LST203"]
    assert f["confirmation"]["method"] == "eager"
    assert "zeros" in f["confirmation"]["evidence"]


def test_a_wrong_static_claim_is_refuted(tmp_path):
    src = (RULES.parent.parent / "corpus" / "rules" / "lst201_batchfirst_neg1_ok.py")
    fm = load(str(src))
    assert fm is not None and not isinstance(fm, Finding)
    res = check_file(fm, None, Options())
    assert res.findings == [] and res.analysis is not None
    lines = src.read_text().splitlines()
    line = next(i + 1 for i, t in enumerate(lines) if "[:, -1" in t)
    fake = Finding("LST201", "wrong-time-axis", "warning", "LST201 (deliberately wrong)",
                   str(src), None, fm, line, 1, line, 2)
    confirm_file(res.analysis, [fake], None, 60, "cpu")
    assert fake.confirmation is not None
    assert fake.confirmation["verdict"] == "refuted", fake.confirmation


@pytest.mark.parametrize(("name", "reason", "timeout"), [
    pytest.param("sleeps_forever.py", "timed out", 20, marks=pytest.mark.slow),  # waits for it
    ("exits_hard.py", "exited with code 3", 20),
    # (the memory limit ends it within seconds; the generous timeout keeps a loaded machine,
    # where faulting in 3 GB can take longer than 20 s, from ending it first)
    pytest.param("allocates_forever.py", "MemoryError", 180, marks=pytest.mark.slow),
    ("raises_on_import.py", "KeyError", 20),
])
def test_misbehaving_files_are_isolated(capsys, name, reason, timeout):
    good = RULES / "lst201_batchfirst_neg1_bug.py"
    code = main(["--format", "json", "--confirm", "--timeout", str(timeout), "--memory-mb", "3072",
                 str(CONFIRM / name), str(good)])
    assert code == 1
    findings = json.loads(capsys.readouterr().out)
    bad = [f for f in findings if f["path"].endswith(name)]
    assert bad and all(f["confirmation"]["verdict"] == "unconfirmed" for f in bad)
    assert any(reason in f["confirmation"]["evidence"] for f in bad), bad
    ok = [f for f in findings if f["path"].endswith(good.name) and f["code"] == "LST201"]
    assert ok and ok[0]["confirmation"]["verdict"] == "confirmed"


def test_text_output_shows_the_verdict(capsys):
    main(["--confirm", str(RULES / "lst501_lstm_dropout_bug.py")])
    assert "[confirmed: PyTorch warned:" in capsys.readouterr().out


def test_a_layout_named_by_the_code_is_not_confirmed_by_a_nearby_crash(capsys, tmp_path):
    """LST204 from the code's own name for an axis (``batch_size, steps, feat = out.shape``):
    the run crashes two lines below for its own reasons (an odd step count), which proves
    nothing about which axis the code means; no run verdict is given."""
    path = tmp_path / "downsample.py"
    path.write_text(
        "import torch.nn as nn\n\n\n"
        "class Downsample(nn.Module):\n"
        "    def __init__(self, n_in, hidden):\n"
        "        super().__init__()\n"
        "        self.rnn = nn.GRU(n_in, hidden)\n\n"
        "    def forward(self, x):\n"
        "        out, _ = self.rnn(x)\n"
        "        batch_size, steps, feat = out.shape\n"
        "        return out.reshape(batch_size, steps // 2, feat * 2)\n")
    out = _run(capsys, str(path))
    assert [f["code"] for f in out] == ["LST204"]
    assert out[0]["confirmation"]["verdict"] == "unconfirmed", out[0]["confirmation"]


def test_a_layout_named_by_the_code_is_confirmed_when_the_layer_refuses_its_state(capsys,
                                                                                 tmp_path):
    """The same LST204 (``batch = x.size(0)`` before a time-major GRU) is confirmed when the
    GRU itself refuses, at the call, the state the code built for the batch it named."""
    path = tmp_path / "question.py"
    path.write_text(
        "import torch.nn as nn\n\n\n"
        "class QuestionEmbedding(nn.Module):\n"
        "    def __init__(self, in_dim, num_hid):\n"
        "        super().__init__()\n"
        "        self.num_hid = num_hid\n"
        "        self.rnn = nn.GRU(in_dim, num_hid)\n\n"
        "    def init_hidden(self, batch):\n"
        "        weight = next(self.parameters()).data\n"
        "        return weight.new(*(1, batch, self.num_hid)).zero_()\n\n"
        "    def forward(self, x):\n"
        "        batch = x.size(0)\n"
        "        output, hidden = self.rnn(x, self.init_hidden(batch))\n"
        "        return output[-1]\n")
    out = _run(capsys, str(path))
    assert [f["code"] for f in out] == ["LST204"]
    conf = out[0]["confirmation"]
    assert conf["verdict"] == "confirmed" and "Expected hidden size" in conf["evidence"], conf
