"""Review rv18 of this stop's confirm and engine changes: each case failed before its fix
(real torch; files in tests/corpus/confirm/review)."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

from lstm_lint.cli import main

REVIEW = Path(__file__).resolve().parent / "corpus" / "confirm" / "review"
INIT_HIDDEN = Path(__file__).resolve().parent / "corpus" / "confirm" / "init_hidden_fixed_batch.py"


def _findings(capsys, *argv: str) -> list[dict]:
    capsys.readouterr()
    main(["--no-cache", "--format", "json", *argv])
    return json.loads(capsys.readouterr().out)


def test_a_state_forward_receives_says_nothing_of_the_codes_layout(capsys):
    """``forward(self, x, hidden)``: the state's shape is the layer's own expectation, not the
    code's statement; the names (batch_size = x.size(0) before a time-major GRU) stand (the
    engine's use-outweighs-names rule had dropped this true LST204)."""
    [f] = _findings(capsys, str(REVIEW / "state_argument_misnamed.py"))
    assert f["code"] == "LST204" and f["line"] == 12


def test_a_state_method_takes_the_batch_the_users_inputs_fix(tmp_path: Path, capsys,
                                                             monkeypatch):
    """The user's batch is the fixed 32: init_hidden(32) then forward runs; before, the verdict
    compared the state with the confirmer's B=3 and 'confirmed' it."""
    shutil.copy(INIT_HIDDEN, tmp_path / "m.py")
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""
        [tool.lstm-lint.confirm.Stored]
        inputs = ["int64[35,32]"]
        [tool.lstm-lint.confirm.Returned]
        inputs = ["int64[35,32]", "none"]
        """))
    monkeypatch.chdir(tmp_path)
    found = _findings(capsys, "--confirm", "m.py")
    assert len(found) == 4
    for f in found:
        c = f["confirmation"]
        assert c["verdict"] == "unconfirmed", c
        assert "init_hidden(bsz=32) was called before forward" in c["evidence"]


def test_a_state_method_whose_state_forward_replaces_is_not_confirmed(capsys):
    """forward starts a fresh state when the batch differs: init_hidden's fixed 64 never meets
    the RNN (before: confirmed from the shape the method built)."""
    [f] = _findings(capsys, "--confirm", str(REVIEW / "state_rebuilt_on_mismatch.py"))
    c = f["confirmation"]
    assert f["code"] == "LST305" and c["verdict"] == "unconfirmed", c
    assert c["evidence"].endswith("and forward then ran on the state it built without error")


def test_a_fixed_state_refused_at_the_line_does_not_confirm_a_layout(capsys):
    """A state of a fixed 32 refused where the misnamed, time-major input meets the layer: a
    fixed batch, not batch and time the other way round (before: LST204 confirmed)."""
    [f] = [f for f in _findings(capsys, "--confirm", str(REVIEW / "misnamed_fixed_state.py"))
           if f["code"] == "LST204"]
    assert f["confirmation"]["verdict"] == "unconfirmed", f["confirmation"]


def test_a_module_constant_state_batch_is_a_constant_too(tmp_path: Path, capsys, monkeypatch):
    """``h0 = zeros(2, N_ENVS, H)`` with N_ENVS = 9 at module level, the user's input [9, 5, 4]:
    the 9 refused is a constant, not the input's other axis (before: LST201 confirmed)."""
    shutil.copy(REVIEW / "module_constant_state.py", tmp_path / "rec.py")
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""
        [tool.lstm-lint.confirm.Recurrent]
        args = {n_in = 4, hidden = 16}
        inputs = ["float32[9,5,4]"]
        """))
    monkeypatch.chdir(tmp_path)
    by_code = {f["code"]: f["confirmation"] for f in _findings(capsys, "--confirm", "rec.py")}
    assert by_code["LST305"]["verdict"] == "confirmed"
    assert by_code["LST201"]["verdict"] == "unconfirmed", by_code["LST201"]


# ---- review rv19 ------------------------------------------------------------------------------

def _one(capsys, name: str) -> list[dict]:
    return [f["confirmation"] for f in _findings(capsys, "--confirm", str(REVIEW / name))]


def test_a_returned_state_is_handed_to_no_input_by_a_guess(capsys):
    """``forward(self, tokens, h0, c0)`` slicing a state kept for the largest batch (rv19: the
    pair handed whole to h0, and the confirmer's own TypeError 'confirmed' it), and
    ``forward(self, tokens, hidden=None)`` (rv19 wanted it handed there; rv20 showed a guess
    handing a state to another layer's input and 'confirming' a correct model): which input
    takes what the method returns the code does not say, so none does, and the method's
    claim alone confirms nothing."""
    for name in ("state_sliced_from_max_batch.py", "state_returned_hidden_none.py"):
        for c in _one(capsys, name):
            assert c["verdict"] == "unconfirmed", c
            assert c["evidence"].endswith("but no RNN refused a state it built (what it "
                                          "returned is handed to no input of forward's: which "
                                          "one takes it, the code does not say)")
            assert "TypeError" not in c["evidence"]


def test_a_state_is_never_handed_to_another_layers_state_input(tmp_path: Path, capsys,
                                                               monkeypatch):
    """A context GRU's state ``ctx_h`` (1, B, 8) is no place for the LM's (2, B, 16) (before:
    the substitution crashed the context GRU and 'confirmed' the LST305)."""
    shutil.copy(REVIEW / "state_and_context_state.py", tmp_path / "m.py")
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""
        [tool.lstm-lint.confirm.Stateful]
        inputs = ["int64[7,64]", "float32[1,64,8]"]
        """))
    monkeypatch.chdir(tmp_path)
    [f] = _findings(capsys, "--confirm", "m.py")
    assert f["confirmation"]["verdict"] == "unconfirmed", f["confirmation"]
    assert "given to forward" not in f["confirmation"]["evidence"]


def test_the_note_says_a_state_was_handed_over_only_when_it_was(capsys):
    """init_hidden keeps the state on self and returns None: nothing is handed to forward."""
    [c] = _one(capsys, "state_stored_returns_none.py")
    assert c["verdict"] == "confirmed", c
    assert "given to forward" not in c["evidence"]


def test_a_state_method_of_one_layer_never_meets_anothers_input(capsys):
    """Review rv20: init_hidden builds the bidirectional encoder's (2, B, 16) state, which
    forward keeps on self and rebuilds for another batch; forward's ``hidden`` goes to a
    two-layer decoder of the same width. Handing the returned state to ``hidden`` made the
    decoder refuse it and 'confirmed' the LST305 on a correct model."""
    [c] = _one(capsys, "state_for_the_encoder_decoder_takes_hidden.py")
    assert c["verdict"] == "unconfirmed", c
