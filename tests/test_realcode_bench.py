"""The real-code benchmark's own logic, on the team's models (no snapshot, no fetch).

The benchmark compares lstm-lint's answer with what torch produced; these tests run that
comparison end to end on a tiny corpus laid out like the real one (a driver, a cut file, a
ground truth made by the same torch runner), and check that no third-party code can be
committed (the working folder is git-ignored).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "benchmarks" / "realcode")]

import rc_common  # noqa: E402
import realcode  # noqa: E402

from lstm_lint.shapes import parse_spec  # noqa: E402
from lstm_lint.symbolic import const, sym  # noqa: E402
from lstm_lint.values import UNKNOWN, Build, Const, Seq, Shape, Tensor  # noqa: E402


def _t(*dims):
    return Tensor(Shape(tuple(const(d) if isinstance(d, int) else d for d in dims)))


def test_compare_exact_unknown_wrong():
    assert realcode.compare({"t": [3, 5]}, _t(3, 5))[0] == "exact"
    assert realcode.compare({"t": [3, 5]}, _t(3, sym("n_out")))[0] == "unknown"
    assert realcode.compare({"t": [3, 5]}, _t(3, None))[0] == "unknown"
    assert realcode.compare({"t": [3, 5]}, Tensor(Shape((const(5),), star=True)))[0] == "unknown"
    assert realcode.compare({"t": [3, 5]}, _t(3, 4))[0] == "wrong"
    assert realcode.compare({"t": [3, 5]}, _t(3, 5, 1))[0] == "wrong"
    assert realcode.compare({"t": [3, 5]}, UNKNOWN)[0] == "unknown"
    pair = {"seq": [{"t": [3, 5]}, None], "len": 2}
    assert realcode.compare(pair, Seq((_t(3, 5), Const(None))))[0] == "exact"
    assert realcode.compare(pair, Seq((_t(3, 5), _t(3, 5))))[0] == "wrong"
    assert realcode.compare(pair, Seq((_t(3, 5),)))[0] == "wrong"
    # a tensor where torch returns None is a wrong claim, not an unknown
    assert realcode.compare(None, Tensor(None))[0] == "wrong"


def test_a_distribution_is_compared_by_its_kind_and_batch_shape():
    # torch's Normal(loc, scale) is recorded with its batch shape; the engine's Normal is
    # fully known when its batch is
    from lstm_lint.values import Distribution

    d = Distribution("Normal", _t(3, 256))
    assert realcode.fully_known(d) and not realcode.fully_known(Distribution("Normal", _t(3, None)))
    assert realcode.compare({"dist": "Normal", "batch": [3, 256]}, d)[0] == "exact"
    assert realcode.compare({"dist": "Normal", "batch": [3, 255]}, d)[0] == "wrong"
    assert realcode.compare({"dist": "Bernoulli", "batch": [3, 256]}, d)[0] == "wrong"
    assert realcode.compare({"dist": "Normal", "batch": [3, 256]}, _t(3, 256))[0] == "unknown"
    assert realcode.compare({"obj": "Normal"}, d)[0] == "unknown"  # a truth of the old form


def test_an_empty_list_is_known_and_a_list_of_unknown_length_is_not():
    assert realcode.fully_known(Seq((_t(3, 5), Seq((), True))))
    assert not realcode.fully_known(Seq((), True, repeated=_t(3, 5)))
    # one item per layer, n_layers of them: known when every item is
    assert realcode.fully_known(Seq((), True, repeated=_t(3, 5), length=sym("n_layers")))
    assert not realcode.fully_known(Seq((), True, repeated=_t(3, None), length=sym("n_layers")))


def test_driver_values_become_abstract_values():
    cfg = realcode.value_of({"ns": {"hidden": 11, "bidirectional": True}})
    assert cfg.get("hidden").expr == const(11)
    # an object built with known arguments: built by the engine as `shapes --args` takes it
    built = realcode.value_of({"new": "Encoder", "args": [5, {"new": "Attention"}]})
    assert isinstance(built, Build) and built.name == "Encoder" and built.module is None
    assert isinstance(built.args[1], Build) and built.args[0].expr == const(5)
    assert realcode.value_of({"expr": "char_dict()"}) is UNKNOWN
    # a namespace field that is a tensor is that tensor
    ns = realcode.value_of({"ns": {"c": {"tensor": "float32[3,7]"}, "n": 4, "d": {"a": 1}}})
    assert ns.get("c").shape.render() == "(3, 7)" and ns.get("n").expr == const(4)
    assert ns.get("d").get("a").expr == const(1)
    x = realcode.input_of({"spec": "int64[3,7]", "high": 50})
    assert x == parse_spec("int64[3,7]")
    batch = realcode.input_of({"dict": {"y": "float32[3,7,1]"}})
    assert batch.get("y").shape.render() == "(3, 7, 1)"


def _mini_corpus(tmp_path, monkeypatch):
    """One 'repository' holding a copy of the seed model, driven like a real class."""
    work = tmp_path / "work"
    repo = work / "team__seed"
    repo.mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "seed_last_step.py", repo / "model.py")
    monkeypatch.setattr(rc_common, "WORK", work)
    spec = {"path": "model.py", "class": "MyLSTM", "args": [5, 11, 3],
            "inputs": ["float32[3,7,5]"]}
    return rc_common.ClassDriver("team/seed", "0" * 40, "model.py", "MyLSTM", spec)


def test_shapes_against_torch_on_a_team_model(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    drv = _mini_corpus(tmp_path, monkeypatch)
    import torchrun

    truth = torchrun.run_class(drv)
    assert truth["status"] == "ok" and truth["output"]["t"] == [3, 3]
    assert truth["rnn_calls"][0]["config"]["batch_first"] is True
    _p, _fm, found, ms = realcode.shapes(drv, concrete=True)
    assert found
    assert realcode.compare(truth["output"], ms.output)[0] == "exact"
    _p, _fm, found, sym_ms = realcode.shapes(drv, concrete=False)
    assert realcode.fully_known(sym_ms.output)


def test_a_mutant_is_caught_at_its_line(tmp_path, monkeypatch):
    """The benchmark's recall check: the mutated text linted under the original path."""
    drv = _mini_corpus(tmp_path, monkeypatch)
    path = str(drv.file)
    clean, _secs = realcode.check(path)
    assert clean == []
    text = drv.file.read_text().replace("out[:, -1, :]", "out[-1, :, :]")
    assert text != drv.file.read_text()
    found, _secs = realcode.check(path, text)
    line = next(n for n, s in enumerate(text.splitlines(), 1) if "out[-1, :, :]" in s)
    assert any(f.code == "LST201" and abs(f.line - line) <= realcode.WINDOW for f in found)


def test_unknown_reasons_name_where_the_analysis_stopped(tmp_path):
    code = """
import torch.nn as nn
import mystery

class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = mystery.make_rnn(n_in, hidden)

    def forward(self, x):
        return self.rnn(x)
"""
    p = tmp_path / "net.py"
    p.write_text(code)
    from lstm_lint.analyze import analyze_module
    from lstm_lint.lint import load
    from lstm_lint.project import Project

    fm = load(str(p), prefilter=False)
    ms = analyze_module(fm, fm.classes["Net"], Project([str(p)]))
    reason, _where = realcode.unknown_reason(fm, True, ms)
    assert "not built statically" in reason


def test_working_folder_is_git_ignored_and_holds_no_tracked_file():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    probe = "benchmarks/realcode/work/some__repo/model.py"
    r = subprocess.run(["git", "check-ignore", "-q", probe], cwd=ROOT)
    assert r.returncode == 0, "benchmarks/realcode/work/ must be git-ignored"
    tracked = subprocess.run(["git", "ls-files", "benchmarks/realcode/work"], cwd=ROOT,
                             capture_output=True, text=True).stdout
    assert tracked == ""


def test_every_listed_class_has_a_driver_and_the_results_are_consistent():
    """The committed drivers cover the committed list, and the summary's keys exist."""
    listed = {(r["repo"], f["path"], c) for r in json.loads(rc_common.REPOS.read_text())
              for f in r["files"] for c in f["classes"]}
    driven = {(c.repo, c.path, c.cls) for c in rc_common.all_classes()}
    assert listed == driven
    results = ROOT / "benchmarks" / "results" / "realcode.json"
    if results.is_file():
        summary = json.loads(results.read_text())["summary"]
        for key in ("classes", "known_symbolic", "runnable", "exact", "unknown", "wrong",
                    "original_findings", "false_positives", "mutants", "caught_right_code",
                    "caught_any", "by_kind"):
            assert key in summary


def test_a_finding_counts_near_the_mutated_line_only_in_the_mutated_file():
    from lstm_lint.findings import Finding, Related
    from lstm_lint.positions import Span

    def finding(path: str, line: int, related: list[Related]) -> Finding:
        return Finding("LST101", "feature-size-mismatch", "error", "LST101 m", path, None,
                       None, line, 1, line, 2, related=related)

    here, other = "/w/repo/model.py", "/w/repo/layers.py"
    assert realcode._near(finding(here, 42, []), [43], here)
    # the same line number in another file (a child module's code) is no hit ...
    assert not realcode._near(finding(other, 42, []), [43], here)
    # ... but a related location in the mutated file is (where the child is built)
    rel = Related(here, None, None, "built here", Span(40, 5, 41, 9))
    assert realcode._near(finding(other, 7, [rel]), [43], here)
    assert not realcode._near(finding(here, 7, [Related(other, None, None, "", Span(42, 1, 42, 2))]),
                              [43], here)
