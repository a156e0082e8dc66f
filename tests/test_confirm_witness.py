"""--confirm runs forward on a witness input where the engine left an argument's shape open:
the target of its first reshape (lstm_lint/confirm_witness.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lstm_lint.confirm import confirm_file
from lstm_lint.confirm_plan import ClassPlan, plan_class
from lstm_lint.findings import Finding
from lstm_lint.lint import Options, check_file, load

WITNESS = Path(__file__).resolve().parent / "corpus" / "confirm" / "witness"


def _check(name: str) -> tuple[Any, list[Finding]]:
    fm = load(str(WITNESS / name))
    assert fm is not None and not isinstance(fm, Finding)
    res = check_file(fm, None, Options())
    assert res.analysis is not None
    return res, res.findings


def _plans(name: str) -> dict[str, ClassPlan]:
    fm = load(str(WITNESS / name))
    assert fm is not None and not isinstance(fm, Finding)
    return {c.name: plan_class(fm, c, None, None, {}) for c in fm.module_classes()}


def test_the_target_of_a_first_reshape_is_the_witness():
    [plan] = _plans("reshape_bad.py").values()
    assert plan.inputs == [{"tensor": ["B", "n_feat", "T"], "dtype": "float"}]
    [w] = plan.witnesses
    assert w.describe() == "x (B, n_feat, T): the target of x.reshape at line 13"
    # the engine's names for the open argument are the witness's sizes
    assert w.sizes["x_dim0"] == "B" and w.sizes["x_numel"] == "(B)*(n_feat)*(T)"
    [plan] = _plans("view_bad.py").values()
    assert plan.inputs == [{"tensor": ["B", 12, 12], "dtype": "float"}]


def test_no_witness_where_the_code_reads_the_argument_otherwise():
    plans = _plans("no_witness.py")
    why = {n: p.why_no_inputs for n, p in plans.items()}
    assert all(p.inputs is None for p in plans.values())
    assert "'x' is first read other than by a reshape of it" in why["ReadFirst"]
    assert "first read inside a compound statement" in why["InBranch"]
    assert "two -1" in why["TwoOpen"]
    assert "self.n_feat * 2" in why["UnknownSize"]


def test_a_state_the_code_lets_be_none_is_passed_as_none():
    plans = _plans("state_none.py")
    for name, why in (("Tested", "the code tests state is None at line 16"),
                      ("Passed", "its only use is as the state of self.lstm at line 34")):
        plan = plans[name]
        assert plan.inputs is not None and plan.inputs[1] is None, plan.why_no_inputs
        [w] = plan.witnesses
        assert why in w.describe() and not w.named_axes
    unpacked = plans["Unpacked"]
    assert unpacked.inputs is None
    assert "'hidden' is not first tested against None" in unpacked.why_no_inputs



def _confirm(name: str) -> list[Finding]:
    pytest.importorskip("torch")
    res, findings = _check(name)
    confirm_file(res.analysis, findings, None, 60, "cpu")
    return findings


def test_a_finding_after_the_reshape_is_confirmed_and_says_its_witness():
    for name, line in (("reshape_bad.py", 15), ("view_bad.py", 13)):
        [f] = _confirm(name)
        assert f.code == "LST101" and f.line == line
        assert f.confirmation is not None and f.confirmation["verdict"] == "confirmed", \
            f.confirmation
        assert "input_size" in f.confirmation["evidence"]
        assert "forward input " in f.confirmation["evidence"]
        assert "the target of" in f.confirmation["evidence"]


def test_findings_on_a_none_state_are_confirmed_and_one_without_a_witness_is_not():
    by_line = {f.line: f for f in _confirm("state_none.py")}
    assert sorted(by_line) == [17, 34, 48]
    for line in (17, 34):  # the state the code builds on None; the input the LSTM reads
        c = by_line[line].confirmation
        assert c is not None and c["verdict"] == "confirmed", c
        assert "= None: " in c["evidence"]
    c = by_line[48].confirmation  # Unpacked: built only, its reason said
    assert c is not None and c["verdict"] == "unconfirmed"
    assert "forward argument 'hidden' is unknown" in c["evidence"]


def test_a_correct_model_runs_clean_on_its_witness():
    pytest.importorskip("torch")
    res, findings = _check("reshape_ok.py")
    assert findings == []
    ev, extra = confirm_file(res.analysis, findings, None, 60, "cpu")
    assert extra == []  # no crash nobody explains
    [run] = ev
    assert run.error is None and run.method in ("fx", "eager")
    assert run.env["x_dim0"] == run.env["B"]  # the engine's name, at the run's size


def test_a_verdict_read_from_the_witness_axis_names_stays_unconfirmed():
    [f] = _confirm("named_axes_projected.py")
    assert f.code == "LST201"
    assert f.confirmation is not None and f.confirmation["verdict"] == "unconfirmed", \
        f.confirmation
    assert "lstm-lint named" in f.confirmation["evidence"]


def test_a_verdict_the_layer_itself_gives_stands_on_a_witness():
    """The index is on the GRU's own output: its final state holds the batch it ran (axis 1,
    the witness's 7), whatever lstm-lint called the witness's axes."""
    [f] = _confirm("named_axes.py")
    assert f.code == "LST201"
    assert f.confirmation is not None and f.confirmation["verdict"] == "confirmed", \
        f.confirmation
    assert "its batch as the layer itself ran it (its final state [1, 7, 16] holds 7 " \
        "sequences), not its 3 time steps" in f.confirmation["evidence"]


def test_a_batch_read_out_of_first_place_is_no_witness():
    """``x.reshape(self.n_feat, len(x), -1)``: a witness with B second would be moved by the
    reshape (len reads axis 0), so the code would not accept it as the engine analysed."""
    [plan] = _plans("batch_read_not_first.py").values()
    assert plan.inputs is None
    assert "reads its first axis into position 1, not 0" in plan.why_no_inputs


def test_a_crash_on_a_witness_is_never_an_unexplained_finding():
    """The flatten's -1 must be 5 * hidden for this correct model; the witness cannot know,
    its run crashes at the Linear, and that crash is the confirmer's choice: no LST900."""
    pytest.importorskip("torch")
    for name in ("flatten_head_ok.py", "batch_read_not_first.py"):
        res, findings = _check(name)
        assert findings == []
        _ev, extra = confirm_file(res.analysis, findings, None, 60, "cpu")
        assert extra == [], [f.message for f in extra]


def test_none_is_no_witness_where_the_code_refuses_it():
    plan = _plans("none_raises.py")["NeedsState"]
    assert plan.inputs is None
    assert "leaves forward then" in plan.why_no_inputs
    [f] = _confirm("none_raises.py")
    assert f.confirmation is not None and f.confirmation["verdict"] == "unconfirmed"


def test_a_none_input_runs_the_branch_the_code_takes_on_none():
    """fx would trace ``h is None`` as False (a proxy is never None) and refute the LST301
    in the None branch; the run is eager and crashes there, as torch does."""
    [f] = _confirm("none_branch_bad.py")
    assert f.code == "LST301" and f.line == 16
    assert f.confirmation is not None and f.confirmation["verdict"] == "confirmed", \
        f.confirmation
    assert "Expected hidden size" in f.confirmation["evidence"]
