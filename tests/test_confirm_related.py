"""--confirm reads a crash at the line a finding names as related (the call that receives a
wrong state, the join a fixed batch meets) and a bidirectional RNN run over padding (real
torch)."""

from __future__ import annotations

from pathlib import Path

import libcst as cst

from lstm_lint.confirm import confirm_file
from lstm_lint.lint import Options, check_file, load
from lstm_lint.project import Project
from lstm_lint.rule import Finding
from lstm_lint.state_consumers import state_receiver

RELATED = Path(__file__).resolve().parent / "corpus" / "confirm" / "related"


def _confirmed(name: str) -> tuple[list[Finding], list[Finding]]:
    """The file's findings, confirmed (each with its verdict), and the LST900s the run adds."""
    path = RELATED / name
    fm = load(str(path))
    assert fm is not None and not isinstance(fm, Finding)
    project = Project([str(path)])
    res = check_file(fm, project, Options(script=True))
    assert res.analysis is not None
    _ev, extra = confirm_file(res.analysis, res.findings, project, 60, "cpu")
    return res.findings, extra


def _confirm(name: str) -> list[Finding]:
    findings, extra = _confirmed(name)
    assert extra == []
    return findings


def _related_lines(f: Finding) -> list[int]:
    return [r.span.line for r in f.related if r.span is not None]


def test_a_swapped_pair_names_the_call_it_is_passed_to_and_its_crash_confirms_it():
    [f] = _confirm("pair_local.py")
    assert f.code == "LST301" and f.line == 13 and _related_lines(f) == [17]
    assert f.confirmation is not None
    assert f.confirmation["verdict"] == "confirmed", f.confirmation
    assert f.confirmation["evidence"].startswith(
        "PyTorch raised RuntimeError at line 17: Expected hidden[0] size")
    # the same code with the pair in the right layout: no finding, and it runs
    assert _confirm("pair_local_ok.py") == []


def test_a_pair_in_a_branch_the_run_does_not_take_is_not_refuted_by_the_call():
    # the GRU branch builds the state: the LSTM pair is never built, so the RNN call running
    # clean says nothing about it
    [f] = _confirm("pair_in_branch_not_taken.py")
    assert f.code == "LST301" and f.line == 14 and _related_lines(f) == [23]
    assert f.confirmation is not None
    assert f.confirmation["verdict"] == "unconfirmed", f.confirmation


def test_a_fixed_batch_state_method_is_confirmed_at_the_call_that_receives_it():
    [f] = _confirm("fixed_batch_method.py")
    assert f.code == "LST305" and _related_lines(f) == [19]
    assert f.confirmation is not None
    assert f.confirmation["verdict"] == "confirmed", f.confirmation
    assert "at line 19: Expected hidden[0] size (1, 3, 16), got [1, 32, 16]" \
        in f.confirmation["evidence"]


def test_a_fixed_batch_joined_with_the_input_is_confirmed_by_the_join_naming_both_batches():
    [f] = _confirm("fixed_batch_joined.py")
    assert f.code == "LST305" and f.line == 13 and _related_lines(f) == [14]
    assert f.confirmation is not None
    assert f.confirmation["verdict"] == "confirmed", f.confirmation
    assert "at line 14: Sizes of tensors must match" in f.confirmation["evidence"]
    assert "Expected size 3 but got size 32" in f.confirmation["evidence"]


def test_a_bidirectional_rnn_run_over_padding_is_said_not_confirmed():
    """What the run shows is said (the backward direction started at step T-1, nothing was
    packed), but whether the batches are padded no run on chosen inputs shows (review rv22,
    rv23: clips of exactly 7 frames with their captions' lengths had been confirmed)."""
    [f] = _confirm("bilstm_padded.py")
    assert f.code == "LST205" and f.line == 13
    assert f.confirmation is not None
    assert f.confirmation["verdict"] == "unconfirmed", f.confirmation
    assert f.confirmation["evidence"].startswith(
        "bilstm ran over all T=7 steps of [3, 7, 8] (not packed): its backward direction "
        "started at step 6, in the padding of any shorter sequence; whether the batches are "
        "padded (sequences shorter than the steps run), a run on inputs lstm-lint or you "
        "chose cannot show: the bug is silent")
    assert _confirm("bilstm_packed.py") == []


def _receiver_line(code: str) -> int | None:
    from lstm_lint.positions import locate

    module = cst.parse_module(code)
    [cls] = [s for s in module.body if isinstance(s, cst.ClassDef)]
    methods = {s.name.value: s for s in cls.body.body if isinstance(s, cst.FunctionDef)}
    calls = [n for n in _walk(cls) if isinstance(n, cst.Call)
             and isinstance(n.func, cst.Attribute) and n.func.attr.value == "zeros"]
    got = state_receiver(methods, calls[0])
    if got is None:
        return None
    return locate(module, [got])[id(got)].line


def _walk(node: cst.CSTNode) -> list[cst.CSTNode]:
    out = [node]
    for c in node.children:
        out.extend(_walk(c))
    return out


def test_the_receiver_of_a_state_returned_kept_in_an_attribute_or_a_local():
    returned = """
class M(nn.Module):
    def init_hidden(self, bsz):
        return (torch.zeros(bsz, 1, 4), torch.zeros(1, bsz, 4))

    def forward(self, x):
        state = self.init_hidden(x.size(1))
        y = self.proj(x)
        out, state = self.core(y, state)
        return out
"""
    assert _receiver_line(returned) == 9
    attribute = """
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = self.init_hidden()

    def init_hidden(self):
        return (torch.zeros(3, 1, 4), torch.zeros(1, 3, 4))

    def forward(self, x):
        out, self.hidden = self.lstm(x, self.hidden)
        return out
"""
    assert _receiver_line(attribute) == 11
    handed_on = """
class M(nn.Module):
    def init_hidden(self, b):
        return torch.zeros(b, 1, 4)

    def forward(self, x):
        return self.gru(x, self.init_hidden(x.size(0)))
"""
    assert _receiver_line(handed_on) == 7
    local_unused = """
class M(nn.Module):
    def forward(self, x):
        h = torch.zeros(1, x.size(0), 4)
        return self.gru(x)
"""
    assert _receiver_line(local_unused) is None


def test_the_operations_a_crashed_eager_run_went_through_are_evidence():
    # h_n[-1] of a bidirectional GRU into a Linear sized for both directions: the Linear
    # raises at the same line (LST101); the index it ran before the crash shows LST303's
    # claim (one of the two layer-direction states)
    findings = {f.code: f for f in _confirm("backward_only_crash.py")}
    assert set(findings) == {"LST101", "LST303"}
    for f in findings.values():
        assert f.confirmation is not None
        assert f.confirmation["verdict"] == "confirmed", f.confirmation
        assert f.confirmation["method"] == "eager"
    assert findings["LST303"].confirmation["evidence"] == (
        "index -1 selected 1 of the 2 layer-direction states of [2, 3, 16]")


def test_a_layer_that_raises_its_input_check_at_another_call_of_it_confirms():
    # the run takes the `state is None` branch: self.nn raises at line 16; the finding at
    # line 19 (the other branch's call, fed the same features) is confirmed by the layer's
    # own check with the sizes it names (17 expected, 16 received)
    findings = {f.line: f for f in _confirm("same_layer_other_call.py")}
    assert sorted(findings) == [16, 19]
    other = findings[19].confirmation
    assert other is not None and other["verdict"] == "confirmed", other
    assert other["evidence"].startswith(
        "PyTorch raised RuntimeError at line 16, where self.nn is called too: "
        "input.size(-1) must be equal to input_size. Expected 17, got 16")


def _verdicts(name: str) -> dict[tuple[str, int], str]:
    """Each finding's verdict; the run may also report LST900 for a crash nothing explains."""
    findings, _extra = _confirmed(name)
    return {(f.code, f.line): (f.confirmation or {}).get("verdict", "") for f in findings}


def test_a_crash_at_the_receiving_call_for_another_reason_confirms_nothing():
    """The swapped pair sits in a branch the defaults do not take; the call it would be
    passed to raises an input-size error of its own: no confirmation (a review's case)."""
    assert _verdicts("receiver_raises_otherwise.py")[("LST301", 14)] == "unconfirmed"


def test_a_state_error_from_the_other_branch_does_not_confirm_the_fixed_batch():
    """The fixed batch of 32 is built only in the branch not taken; the other branch's state
    has the wrong width and the RNN says so: LST305 stays open, LST301 (the width) holds."""
    v = _verdicts("fixed_batch_branch_not_taken.py")
    assert v[("LST305", 14)] == "unconfirmed"
    assert v[("LST301", 16)] == "confirmed"


def test_a_state_built_but_not_passed_or_of_a_coinciding_shape_refutes_nothing():
    """``self.rnn(x, h) if self.stateful else self.rnn(x)`` with stateful off: the state's
    line ran, the RNN took no state; and num_layers equal to the run's batch makes a swapped
    state the right shape by chance: neither run refutes the swapped axes."""
    assert _verdicts("state_built_not_passed.py")[("LST301", 14)] != "refuted"
    assert _verdicts("state_sizes_coincide.py")[("LST301", 14)] != "refuted"
