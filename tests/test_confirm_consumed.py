"""--confirm on the bad value where it is consumed, and on what a run owes to the confirmer
(real torch): a state ``__init__`` builds and ``forward`` passes on, kept in ``self`` (fx's
trace must not leave a proxy there for the eager run)."""

from __future__ import annotations

from test_confirm_related import _confirmed, _verdicts


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
