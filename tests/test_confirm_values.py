"""--confirm builds models only from values the analysis stands behind, with agreed sizes."""

from __future__ import annotations

import json
from pathlib import Path

from lstm_lint.cli import main
from lstm_lint.confirm import confirm_file
from lstm_lint.confirm_evidence import Evidence
from lstm_lint.confirm_sizes import solve
from lstm_lint.confirm_verdicts import unexplained_crashes
from lstm_lint.evidence import ObservedOp, RunError
from lstm_lint.findings import Finding, Related
from lstm_lint.lint import Options, check_file, load
from lstm_lint.positions import Span

VALUES = Path(__file__).resolve().parent / "corpus" / "confirm" / "values"


def _confirm(name: str, forced: list[Finding] | None = None,
             ) -> tuple[list[Finding], list[Evidence], list[Finding], object]:
    path = VALUES / name
    fm = load(str(path))
    assert fm is not None and not isinstance(fm, Finding)
    res = check_file(fm, None, Options())
    assert res.analysis is not None
    findings = res.findings if forced is None else forced
    ev, extra = confirm_file(res.analysis, findings, None, 60, "cpu")
    return findings, ev, extra, fm


def _line(name: str, needle: str) -> int:
    lines = (VALUES / name).read_text().splitlines()
    return next(i + 1 for i, t in enumerate(lines) if needle in t)


def test_probability_flag_and_configuration_come_from_the_files_own_call():
    findings, ev, extra, _fm = _confirm("own_values.py")
    assert [f.code for f in findings] == ["LST201"] and not extra
    assert findings[0].confirmation is not None
    assert findings[0].confirmation["verdict"] == "confirmed", findings[0].confirmation
    [net] = ev
    assert net.constructor == {"n_in": 8, "hidden": 16, "n_out": 3, "dropout_p": 0.25,
                               "bidirectional": True}
    assert net.ops[0].config["num_layers"] == 2  # from the file's EncoderConfig(num_layers=2)
    assert not net.invented


def test_defaults_are_used_and_only_sizes_get_primes():
    findings, ev, extra, _fm = _confirm("defaults.py")
    assert findings[0].confirmation is not None
    assert findings[0].confirmation["verdict"] == "confirmed" and not extra
    [net] = ev
    assert net.constructor == {"n_in": 5, "hidden": 11, "n_out": 13, "dropout_p": 0.1,
                               "bidirectional": False}
    assert net.invented


def test_nothing_is_invented_for_a_probability_a_flag_or_a_configuration():
    findings, [net], extra, _fm = _confirm("no_values.py")
    assert extra == []  # no LST900 from a model that needed a value nobody gave
    # built with placeholders for what has no value: the first use of one stops the model
    assert net.no_value == ["bidirectional", "dropout_p"] and net.invented
    assert net.standins == ["cfg"]  # only its size attribute (cfg.num_layers) holds a value
    assert net.error is None and net.ops == []
    [f] = findings
    # the configuration's size (cfg.num_layers) has a value; its first use of a flag stops it
    assert f.confirmation == {
        "verdict": "unconfirmed", "method": "", "device": "cpu",
        "evidence": "Net not run: no value for constructor parameter 'bidirectional' (not "
                    "known to be a size), which building it uses at line 8: give it in "
                    "[tool.lstm-lint.confirm] or --args, or build the model in the file",
        "built": "defaults, and distinct primes for the required sizes"}


def test_a_one_layer_rnn_with_dropout_is_confirmed_by_building_it_alone():
    findings, ev, _extra, _fm = _confirm("rnn_dropout_no_input.py")
    [f] = findings
    assert f.code == "LST501" and f.confirmation is not None
    assert f.confirmation["verdict"] == "confirmed", f.confirmation
    assert f.confirmation["method"] == "build"
    [net] = ev
    assert net.ops == [ObservedOp(8, "build", "RNN", config={
        "input_size": 5, "hidden_size": 11, "num_layers": 1, "dropout": 0.2,
        "bidirectional": False, "batch_first": False, "proj_size": 0})]


def test_a_crash_under_invented_values_is_never_a_finding():
    err = RunError("RuntimeError", "mat1 and mat2 shapes cannot be multiplied (3x8 and 5x2)",
                   line=9, stage="forward")

    def ev(invented: bool, error: RunError = err) -> Evidence:
        return Evidence("Net", [], error, [], "eager", "cpu", None, {"B": 3, "T": 7},
                        invented=invented)

    fm = load(str(VALUES / "no_values.py"))
    assert fm is not None and not isinstance(fm, Finding)
    assert unexplained_crashes(fm, [], [ev(True)]) == []
    [f] = unexplained_crashes(fm, [], [ev(False)])
    assert f.code == "LST900" and f.line == 9
    # a RuntimeError that is no shape error is no LST900 either
    rpc = RunError("RuntimeError", "RPC has not been initialized. Call "
                   "torch.distributed.rpc.init_rpc first.", line=9, stage="construct")
    assert unexplained_crashes(fm, [], [ev(False, rpc)]) == []
    # nor is Python's own unpacking ("expected 2" of a value that is no tensor)
    unpack = RunError("ValueError", "not enough values to unpack (expected 2, got 0)", line=9,
                      stage="construct")
    assert unexplained_crashes(fm, [], [ev(False, unpack)]) == []


def _forced(name: str, code: str, needle: str, constraints: list[str] | None,
            related: str | None = None) -> Finding:
    fm = load(str(VALUES / name))
    line = _line(name, needle)
    f = Finding(code, "forced", "error", f"{code} (forced)", str(VALUES / name), None, fm,
                line, 1, line, 2)
    if related is not None:
        r = _line(name, related)
        f.related.append(Related(f.path, None, fm, "here", Span(r, 1, r, 2)))
    if constraints is not None:
        f.constraints = constraints  # type: ignore[attr-defined]
    return f


def test_seq_len_times_hidden_is_refuted_by_a_run_with_t_equal_to_seq_len():
    f = _forced("seq_len_hidden.py", "LST101", "self.fc(out", ["T == seq_len"])
    _findings, [net], extra, _fm = _confirm("seq_len_hidden.py", [f])
    assert not extra
    assert f.confirmation is not None and f.confirmation["verdict"] == "refuted", f.confirmation
    assert net.env["T"] == net.env["seq_len"]


def test_constructor_batch_size_is_refuted_by_a_run_with_b_equal_to_batch_size():
    f = _forced("ctor_batch_size.py", "LST301", "h0 = torch", ["B == batch_size"],
                related="self.gru(x, h0)")
    _findings, [net], extra, _fm = _confirm("ctor_batch_size.py", [f])
    assert not extra
    assert f.confirmation is not None and f.confirmation["verdict"] == "refuted", f.confirmation
    assert net.env["B"] == net.env["batch_size"]


def test_a_verdict_from_sizes_that_break_a_constraint_does_not_count():
    f = _forced("seq_len_hidden.py", "LST101", "self.fc(out", ["2 * T == seq_len"])
    _confirm("seq_len_hidden.py", [f])
    assert f.confirmation is not None and f.confirmation["verdict"] == "unconfirmed"
    assert "break 2 * T == seq_len" in f.confirmation["evidence"]


def test_sizes_satisfy_the_constraints_or_report_them():
    env, bad = solve({"B", "T", "n_in"}, ["T == seq_len", "B == batch_size"],
                     {"n_in": 5, "seq_len": 13}.get)
    assert env == {"B": 3, "T": 13, "n_in": 5, "seq_len": 13, "batch_size": 3} and bad == []
    env, bad = solve({"T"}, ["T == cfg.max_len (self.fc in_features)"],
                     {"cfg.max_len": 29}.get)
    assert env["T"] == 29 and bad == []
    env, bad = solve({"T_x", "B"}, ["hidden == 2 * n"], {"hidden": 10, "n": 7}.get)
    assert env["T_x"] == 13 and bad == ["hidden == 2 * n"]


def test_the_callers_free_sizes_get_primes_of_their_own():
    """An axis the code only slices (L, L2) and one read off an input before anything solves
    it (x_dim0) are the caller's, as B and T are: each gets a prime no other size has, unless
    a constraint ties it; a constructor value (hidden) or an element count stays unbound."""
    env, bad = solve({"B", "T", "L", "L2", "x_dim0", "x_numel", "hidden"}, ["L2 == T"],
                     lambda n: None)
    assert env == {"B": 3, "T": 7, "L2": 7, "L": 13, "x_dim0": 17} and bad == []


def test_a_configuration_built_in_a_function_is_taken_from_the_file():
    findings, [net], extra, _fm = _confirm("function_config.py")
    [f] = findings
    assert f.confirmation is not None and f.confirmation["verdict"] == "confirmed", f.confirmation
    assert not extra and not net.invented
    assert net.ops[0].config == {"input_size": 6, "hidden_size": 20, "num_layers": 2,
                                    "dropout": 0.3, "bidirectional": False,
                                    "batch_first": True, "proj_size": 0}


def test_shapes_confirm_says_which_value_the_model_needed(capsys):
    assert main(["shapes", "--confirm", "--format", "json", str(VALUES / "no_values.py")]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    obs = entry["observed"]
    assert obs["verdict"] == "unconfirmed" and obs["observed"] is None
    assert obs["detail"] == ("no value for constructor parameter 'bidirectional', which the "
                             "model uses at line 8: give --args or build the model in the file")


def test_a_call_that_does_not_fit_the_constructor_is_not_used(tmp_path, capsys):
    src = tmp_path / "stale_call.py"
    src.write_text(
        "import torch.nn as nn\n\n\n"
        "class Net(nn.Module):\n"
        "    def __init__(self, n_in=4, hidden=6, layers=1):\n"
        "        super().__init__()\n"
        "        self.rnn = nn.GRU(n_in, hidden, num_layers=layers, dropout=0.2)\n\n"
        "    def forward(self, x):\n"
        "        return self.rnn(x)[0]\n\n\n"
        "net = Net(use_attention=True)\n")
    assert main(["--format", "json", "--confirm", str(src)]) == 1
    [f] = json.loads(capsys.readouterr().out)
    assert f["code"] == "LST501"
    c = f["confirmation"]
    assert c["verdict"] == "confirmed", c
    # the finding holds under the defaults and says so; the stale call builds nothing
    assert f["message"].endswith("(with the defaults n_in=4, hidden=6, layers=1)")
    assert c["built"].startswith("the constructor's defaults")


def test_a_builders_call_is_confirmed_with_the_values_the_engine_knows():
    """``Module(X.shape[1], self.hidden, ...)`` in an estimator's ``fit``: the call's text
    cannot run outside the method, but the engine knows every argument but the data's width
    (a size, given a prime): the model is built with the estimator's defaults."""
    findings, evidence, extra, _fm = _confirm("builder_values.py")
    [net] = [e for e in evidence if "@call" in e.key]
    [f] = findings
    assert f.code == "LST501" and f.message.endswith("(as built at builder_values.py:24)")
    assert f.confirmation is not None and f.confirmation["verdict"] == "confirmed", \
        f.confirmation
    assert f.confirmation["built"].startswith(
        "what the analysis knows of the call at builder_values.py:24, and distinct primes")
    assert net.constructor == {"n_features": 5, "hidden": 5, "activation": "tanh"}
    assert not extra


def _by_line(findings: list[Finding]) -> dict[int, dict[str, str]]:
    return {f.line: f.confirmation or {} for f in findings}


def test_a_configuration_objects_sizes_get_primes_and_nothing_else_a_value():
    """``Net(opt)`` that nobody builds: ``opt.n_in``, ``opt.hidden``, ``opt.n_out`` are sizes
    the analysis used, so a stand-in holds primes for them; ``opt.bidirectional`` (a flag) has
    no value, and the class that reads it is not run."""
    findings, ev, extra, _fm = _confirm("config_sizes.py")
    assert [f.code for f in findings] == ["LST201"] * 4 and not extra
    net, flagged = _by_line(findings)[13], _by_line(findings)[25]
    assert net["verdict"] == "confirmed", net
    assert net["evidence"].startswith("index -1 selected axis 0 of size 3 of [3, 7, 5]")
    assert "built with a stand-in for 'opt'" in net["evidence"]
    assert flagged["verdict"] == "unconfirmed"
    assert flagged["evidence"] == (
        "Flagged not run: no value for constructor parameter 'opt.bidirectional' (an "
        "attribute of a configuration object, not known to be a size), which building it "
        "uses at line 20: give it in [tool.lstm-lint.confirm] or --args, or build the "
        "model in the file")
    # config["n_in"] is read as config.n_in is; config["dropout"] (a probability) has no value
    keyed, sizes_only = _by_line(findings)[36], _by_line(findings)[46]
    assert keyed["verdict"] == "unconfirmed"
    assert "no value for constructor parameter 'config.dropout'" in keyed["evidence"]
    assert sizes_only["verdict"] == "confirmed", sizes_only
    runs = {e.cls: e for e in ev}
    assert runs["Net"].invented and runs["Net"].standins == ["opt"] and not runs["Net"].no_value
    assert runs["Net"].ops[0].config["input_size"] == 11  # opt.n_in
    assert runs["Net"].ops[0].config["hidden_size"] == 5  # opt.hidden


def test_ints_the_code_sizes_or_counts_with_get_values_and_a_float_does_not():
    """``Linear(hidden, 2 ** bits)`` and ``range(self.max_len)``: ints whose form the engine
    does not keep, given values (a small one for an exponent); ``padding_idx`` gets 0 (in any
    vocabulary); ``2 ** temperature`` used only as a factor is no size and stays unbuilt."""
    findings, ev, extra, _fm = _confirm("int_sizes.py")
    assert not extra
    by_line = _by_line(findings)
    assert by_line[18]["verdict"] == "confirmed", by_line[18]
    assert by_line[42]["verdict"] == "confirmed", by_line[42]
    assert by_line[31]["verdict"] == "unconfirmed"
    assert "no value for constructor parameter 'temperature'" in by_line[31]["evidence"]
    runs = {e.cls: e for e in ev}
    assert runs["Net"].constructor["bits"] == 2 and runs["Net"].invented
    assert runs["Net"].constructor["max_len"] not in (None, 2)
    # out[-1] is a batch row: (T, hidden) a step, 2 ** 2 classes each, max_len steps
    assert runs["Net"].output == [7, runs["Net"].constructor["max_len"], 4]
    assert runs["Tokens"].constructor["pad"] == 0


def test_a_model_built_only_in_a_builders_method_takes_the_values_the_engine_knows():
    """``Module(X.shape[1], self.hidden, self.dropout, self.bidirectional, seed)`` in ``fit``:
    the call cannot run from the file; the probability and the flag the analysis knows it
    passes (the estimator's defaults) build the model, the size gets a prime, and ``seed``
    (a parameter of ``fit`` nobody gives) stays a placeholder that nothing uses."""
    findings, [net], extra, _fm = _confirm("builder_own.py")
    [f] = findings
    assert f.code == "LST201" and not extra
    assert f.confirmation is not None and f.confirmation["verdict"] == "confirmed", \
        f.confirmation
    assert f.confirmation["built"].startswith(
        "the file's own call at line 23, with bidirectional, dropout as the analysis knows "
        "the file's own call passes them, and distinct primes")
    assert net.constructor["dropout"] == 0.25 and net.constructor["bidirectional"] is False
    assert net.no_value == ["seed"] and net.invented
    assert net.ops[0].config["dropout"] == 0.25


def test_a_size_with_a_default_that_the_files_call_cannot_evaluate_gets_a_prime():
    """``Net(4, 8, vocab=len(chars))``: ``n_in`` and ``hidden`` are the call's own; ``vocab``
    (a size, defaulted, passed as what only the data knows) gets a prime, not a placeholder,
    and the model runs to its output."""
    findings, [net], extra, _fm = _confirm("call_size_default.py")
    [f] = findings
    assert f.confirmation is not None and f.confirmation["verdict"] == "confirmed"
    assert not extra and net.invented and net.no_value == []
    assert net.constructor["n_in"] == 4 and net.constructor["hidden"] == 8
    vocab = net.constructor["vocab"]
    assert vocab not in (77, 3, 7) and net.output == [7, vocab]


def test_a_constructor_that_needs_one_of_two_sizes_is_built_with_the_one_that_sizes_a_layer():
    # both left at None raise; input_shape taken as a size sizes nothing; input_size does: it
    # gets a prime (input_shape stays None), and ``torch.nn.RNNCell(**kwargs)`` in the class
    # is torch's layer, not a call of the class that shares its name
    findings, ev, extra, _fm = _confirm("either_size.py")
    assert [f.code for f in findings] == ["LST305"] and not extra
    assert findings[0].confirmation is not None
    assert findings[0].confirmation["verdict"] == "confirmed", findings[0].confirmation
    [cell] = ev
    assert cell.constructor["input_shape"] is None and cell.constructor["num_layers"] == 1
    assert isinstance(cell.constructor["input_size"], int)
    assert cell.invented


def test_required_parameters_of_a_base_reached_through_kwargs_are_given():
    # Forecaster(n_in, hidden, **kwargs) hands kwargs to a base that needs two parameters: a
    # size it uses (output_chunk_length sizes the head: a prime) and one it only stores (a
    # placeholder, which stops the run only if used); without them building raised TypeError
    findings, ev, extra, _fm = _confirm("base_kwargs.py")
    assert [f.code for f in findings] == ["LST501"] and not extra
    assert findings[0].confirmation is not None
    assert findings[0].confirmation["verdict"] == "confirmed", findings[0].confirmation
    net = next(e for e in ev if e.cls == "Forecaster")
    assert isinstance(net.constructor["output_chunk_length"], int)
    assert "input_chunk_length" in findings[0].confirmation["evidence"]


def test_a_dtype_mismatch_is_no_shape_error():
    """'mat1 and mat2 must have the same dtype' shares words with a shape error, but a model
    that its caller turns into float64 (``.double()``) crashes that way for any sizes."""
    import re

    from lstm_lint.rule import SHAPE_ERROR

    assert not re.search(SHAPE_ERROR[1], "mat1 and mat2 must have the same dtype, but got "
                         "Double and Float")
    assert not re.search(SHAPE_ERROR[1], "expected scalar type Long but found Float")
    assert re.search(SHAPE_ERROR[1], "mat1 and mat2 shapes cannot be multiplied (3x8 and 4x2)")
    assert re.search(SHAPE_ERROR[1], "Expected hidden[0] size (1, 7, 5), got [1, 3, 5]")
