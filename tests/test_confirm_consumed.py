"""--confirm on the bad value where it is consumed, and on what a run owes to the confirmer
(real torch): a state ``__init__`` builds and ``forward`` passes on, kept in ``self`` (fx's
trace must not leave a proxy there for the eager run); index -1 on the axis a recurrent layer
itself ran as the batch; a crash of the machine's (a library version, the network, RPC)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from test_confirm_related import RELATED, _confirmed, _verdicts
from test_confirm_table import _confirmed as table_confirmed
from test_confirm_table import _project as table_project

from lstm_lint.confirm_evidence import environment_failure
from lstm_lint.evidence import ObservedOp, RunError, rnn_output_axes


def test_a_swapped_pair_built_in_init_is_confirmed_where_forward_passes_it():
    """``self.hidden = self.init_hidden()`` in ``__init__``, ``self.lstm(x, self.hidden)`` in
    ``forward``: the build went through the state's line, the call raises the state check."""
    findings, extra = _confirmed("state_built_in_init.py")
    assert extra == []
    [f] = [f for f in findings if f.code == "LST301"]
    assert f.line == 14 and f.confirmation is not None
    assert f.confirmation["verdict"] == "confirmed", f.confirmation
    assert f.confirmation["evidence"].startswith(
        "PyTorch raised RuntimeError at line 19: Expected hidden[0] size (1, 3, 16), "
        "got [3, 1, 16]")


def test_a_pair_in_init_hidden_a_build_does_not_take_stays_open():
    """The GRU branch of ``init_hidden`` runs while building: the LSTM pair's line never
    ran, so the state check the call raises (the GRU state's width) is not the pair's."""
    v = _verdicts("state_built_in_init_not_taken.py")
    assert v[("LST301", 16)] == "unconfirmed"
    assert v[("LST301", 18)] == "confirmed"


def test_index_minus_one_on_the_batch_the_layer_itself_ran_is_confirmed_on_any_input():
    """``x.reshape(len(x), d_feat, -1)`` then ``out[-1]`` of a batch_first GRU: the input's
    open axes are lstm-lint's naming, but the GRU's final state holds the batch it ran, and
    index -1 took that axis: confirmed whatever the input's axes are called."""
    findings, extra = _confirmed("flat_input_last_sample.py")
    assert extra == []
    [f] = findings
    assert f.code == "LST201" and f.confirmation is not None
    assert f.confirmation["verdict"] == "confirmed", f.confirmation
    assert "GRU at line 16 made it: its batch as the layer itself ran it (its final state " \
        "[2, 3, 16] holds 3 sequences)" in f.confirmation["evidence"]


def _ops(*outs: object) -> SimpleNamespace:
    return SimpleNamespace(ops=[ObservedOp(9, "call_module", "rnn", [], out, module="GRU")
                                for out in outs])


def test_the_layer_names_its_batch_only_when_its_sizes_leave_no_doubt():
    # batch_first output [3, 7, 16] with h_n [2, 3, 16]: axis 0 is the batch
    assert rnn_output_axes(_ops([[3, 7, 16], [2, 3, 16]]), [3, 7, 16])[:2] == (0, 1)
    # time-major: h_n holds axis 1's size
    assert rnn_output_axes(_ops([[3, 7, 16], [2, 7, 16]]), [3, 7, 16])[:2] == (1, 0)
    # an LSTM's (h_n, c_n)
    assert rnn_output_axes(_ops([[3, 7, 16], [[1, 7, 16], [1, 7, 16]]]),
                           [3, 7, 16])[:2] == (1, 0)
    # batch and time of one size, two calls that disagree, or no call that made the tensor
    assert rnn_output_axes(_ops([[5, 5, 16], [1, 5, 16]]), [5, 5, 16]) is None
    assert rnn_output_axes(_ops([[3, 7, 16], [1, 3, 16]], [[3, 7, 16], [1, 7, 16]]),
                           [3, 7, 16]) is None
    assert rnn_output_axes(_ops([[3, 7, 16], [1, 3, 16]]), [3, 7, 8]) is None


def test_a_crash_of_the_environment_says_so_and_decides_nothing():
    """numpy 2 removed ``numpy.cumproduct``; an RPC model needs ``init_rpc``: the reason says
    the machine lacks it, not a shape verdict; and PyTorch's dropout warning from another
    class's layer (the RPC model's worker) confirms no finding of the model that crashed."""
    import numpy

    if hasattr(numpy, "cumproduct"):
        pytest.skip("this numpy still has cumproduct")
    [f] = _confirmed("environment_numpy.py")[0]
    c = f.confirmation
    assert c is not None and c["verdict"] == "unconfirmed", c
    assert c["evidence"].endswith(
        "module 'numpy' has no attribute 'cumproduct' (an environment failure, not a verdict "
        "on shapes: the installed numpy has no numpy.cumproduct; the file needs a version of "
        "it that has)")
    v = {f.line: f.confirmation for f in _confirmed("environment_rpc.py")[0]}
    assert v[8] is not None and v[8]["verdict"] == "confirmed"
    assert "(the LSTM built at line 8 has dropout=0.3 and num_layers=1)" in v[8]["evidence"]
    assert v[15] is not None and v[15]["verdict"] == "unconfirmed", v[15]
    assert "the model needs torch.distributed.rpc running (init_rpc)" in v[15]["evidence"]


def test_environment_failures_are_told_from_the_model_s_own_crashes():
    def said(kind: str, message: str) -> str | None:
        return environment_failure(RunError(kind, message))

    assert "cannot reach" in (said("ConnectionError", "HTTPSConnectionPool(host='x', port=443):"
                                    " Max retries exceeded with url: /r") or "")
    assert "scipy.misc has no scipy.misc.imresize" in (
        said("AttributeError", "module 'scipy.misc' has no attribute 'imresize'") or "")
    # the model's own: an attribute of the file's own module, a shape error
    assert said("AttributeError", "module 'model' has no attribute 'Net'") is None
    assert said("RuntimeError", "Expected hidden[0] size (1, 3, 16), got [3, 1, 16]") is None


def test_a_layer_s_own_input_check_at_another_call_stands_on_the_user_s_inputs(
        tmp_path, capsys, monkeypatch):
    """The forward input comes from ``[tool.lstm-lint.confirm]``, flat (the analysis names
    none of its axes):
    the LSTM's own input check, raised at its other call with the sizes the finding names,
    is the layer's answer, whatever the input's axes are."""
    text = (RELATED / "same_layer_other_call_flat.py").read_text()
    table_project(tmp_path, {"pkg/model.py": text}, """
        [tool.lstm-lint.confirm.Recurrent]
        inputs = ["float32[4,54]"]
        """)
    by_line = {f["line"]: f for f in table_confirmed(capsys, monkeypatch, tmp_path, "pkg")}
    c = by_line[21]["confirmation"]
    assert c["verdict"] == "confirmed", c
    assert c["evidence"].startswith(
        "PyTorch raised RuntimeError at line 18, where self.nn is called too: "
        "input.size(-1) must be equal to input_size. Expected 17, got 16")


def test_a_finding_the_run_never_went_through_says_why_torch_is_silent():
    """Eval mode takes the ``else`` branch: its call raises the state check (the finding
    there confirmed); the ``self.training`` call's finding is not judged by that crash but by
    a run in training mode, which says so.  A clean run that never reaches a line, in a
    branch no constructor value or mode leads to, says so too."""
    by_line = {f.line: f.confirmation for f in _confirmed("training_branch_after_crash.py")[0]}
    assert by_line[19] is not None and by_line[19]["verdict"] == "confirmed"
    assert "training mode" not in by_line[19]["evidence"]
    c = by_line[17]
    assert c is not None and c["verdict"] == "confirmed", c
    assert c["evidence"] == (
        "PyTorch raised RuntimeError at line 17: Expected hidden[0] size (1, 3, 16), got "
        "[1, 7, 16]; run in training mode, as the conditions around line 17 ask (the planned "
        "run, in eval mode, did not come to it)")
    [f] = _confirmed("training_branch_clean.py")[0]
    assert f.confirmation is not None and f.confirmation["verdict"] == "confirmed"
    assert f.confirmation["evidence"].endswith(
        "; run in training mode, as the conditions around line 14 ask (the planned run, in "
        "eval mode, did not come to it)")
    [f] = _confirmed("data_branch_clean.py")[0]
    assert f.confirmation is not None and f.confirmation["verdict"] == "unconfirmed"
    assert f.confirmation["evidence"] == (
        "the run of Tagger finished without reaching line 14 (a branch these values and "
        "inputs do not take; the model runs in eval mode)")


def test_a_batch_of_one_is_not_the_last_sample_bug():
    """From review rv7: ``self.lstm(x.unsqueeze(0))`` then ``out[-1]``: the batch is the
    literal 1, so index -1 is the only sequence; no finding, and the layer's own axes never
    confirm index -1 on a batch of one."""
    torch = pytest.importorskip("torch")
    findings, extra = _confirmed("batch_of_one_last.py")
    assert findings == [] and extra == []
    import importlib.util
    spec = importlib.util.spec_from_file_location("b1", RELATED / "batch_of_one_last.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert tuple(mod.Tagger()(torch.randn(7, 8)).shape) == (3,)
    assert rnn_output_axes(_ops([[1, 7, 16], [1, 1, 16]]), [1, 7, 16]) is None


def test_dropout_on_one_of_two_layers_built_on_one_line_is_confirmed():
    """From review rv7: ``self.deep, self.shallow = nn.LSTM(..., num_layers=2, dropout=.3),
    nn.LSTM(..., dropout=.3)``: the one-layer LSTM is the finding; the two-layer one built at
    the same line does not refute it."""
    v = _verdicts("dropout_two_on_one_line.py")
    assert v == {("LST501", 8): "confirmed"}


def test_a_run_without_a_time_size_is_read_without_a_crash():
    """A model whose input has no time axis of lstm-lint's naming (a CNN's map, the env
    holds B only): LST204's reading of the RNN call must not raise (the real-code confirm run
    stopped on KeyError: 'T' at an aster mutant)."""
    from lstm_lint.catalogue import rule_by_code
    from lstm_lint.confirm_evidence import Evidence
    from lstm_lint.findings import Finding

    ev = Evidence("Net", [ObservedOp(5, "call_module", "rnn", [[3, 25, 512]], [[3, 25, 256]],
                                     module="LSTM")], None, [], "fx", "cpu", None, {"B": 3})
    f = Finding("LST204", "input-layout", "error", "LST204 self.rnn is built with "
                "batch_first=False", "m.py", None, None, 5, 1, 5, 10)
    assert rule_by_code("LST204").confirm(f, [ev]) is None
