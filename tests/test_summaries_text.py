"""The plain-text test before the pattern that marks a function as worth following from
another file (:func:`lstm_lint.summaries.may_build`): it never says no where the pattern
matches, whatever the case of the text."""

from __future__ import annotations

import pytest

from lstm_lint.summaries import BUILDS, may_build

MATCHING = ["x = torch.zeros(3)", "return NN.Linear(a, b)", "h = F.relu(h)", "f.Linear",
            "cls = getattr(nn, kind)", "self.LSTM = x", "return GRUCell(a)", "BiRNN(a)",
            "from . import Module", "lſtm = 1", "TORCH", "y = nn\n"]
NOT_MATCHING = ["def helper(a, b):\n    return a + b", "self.fnn = 1", "ssf.x", "nnx = 2"]


@pytest.mark.parametrize("src", MATCHING)
def test_a_text_the_pattern_matches_passes(src: str) -> None:
    assert BUILDS.search(src) is not None
    assert may_build(src)


@pytest.mark.parametrize("src", NOT_MATCHING)
def test_the_answer_is_the_pattern_s(src: str) -> None:
    assert (may_build(src) and BUILDS.search(src) is not None) == \
        (BUILDS.search(src) is not None)
