"""The text test that skips files which cannot hold a swapped ``(h, c)`` pair
(:func:`lstm_lint.state_pairs.may_hold_pair`): it may answer yes for a file without one,
never no for a file with one."""

from __future__ import annotations

import textwrap

import libcst as cst

from lstm_lint.state_pairs import may_hold_pair, swapped_pairs

PAIR = textwrap.dedent("""
    import torch
    import torch.nn as nn

    class Enc(nn.Module):
        def init_state(self, bsz):
            return (torch.zeros(bsz, self.num_layers, self.hidden),
                    torch.zeros(self.num_layers, bsz, self.hidden))
""")


def _pairs(text: str) -> int:
    cls = cst.parse_module(text).body[2]
    return len(swapped_pairs(cls, text))


def test_a_swapped_pair_passes_the_text_test_and_is_found() -> None:
    assert may_hold_pair(PAIR)
    assert _pairs(PAIR) == 1


def test_a_pair_written_with_comments_strings_and_nested_calls_passes() -> None:
    text = PAIR.replace("torch.zeros(bsz,", "torch.zeros(  # (\n  x.size(0)[bsz],") \
        .replace("self.hidden))", 'self.hidden, device="cuda)"))')
    assert may_hold_pair(text)
    assert may_hold_pair(PAIR.replace("torch.zeros(bsz", "torch.zeros \\\n(bsz"))


def test_factory_calls_without_a_layer_count_in_their_arguments_are_skipped() -> None:
    text = textwrap.dedent("""
        import torch
        n_layers = 2
        a = torch.zeros(3, 4, 5)
        b = torch.ones(4, 3, 5)
        c = torch.zeros(n_layers)
    """)
    assert not may_hold_pair(text)
    # a name that only ends like a factory is no call of one
    assert not may_hold_pair("renew(n_layers, x)\nx.brand_new(y, num_layers)\nzeros(1)\n")
    assert may_hold_pair("renew(n_layers, x)\nx.new(y, num_layers)\nzeros(n_layers)\n")
