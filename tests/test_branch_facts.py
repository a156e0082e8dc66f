"""Comparisons of sizes that a path passed (``if n > m: raise``, the else of ``if n < m:``)
prove sizes equal where branches join; each case checked against real torch."""

from __future__ import annotations

from test_engine_facts import solved_run

PAD = '''
class Net(nn.Module):
    def __init__(self, out_channels):
        super().__init__()
        self.out_channels = out_channels

    def forward(self, x):
        if x.size(-1) > self.out_channels:
            raise ValueError("too wide")
        if x.size(-1) < self.out_channels:
            zero = x.new_zeros(x.size(0), self.out_channels - x.size(-1))
            x = torch.cat([x, zero], dim=1)
        return x
'''


def test_a_raise_and_the_else_of_a_pad_prove_the_width(tmp_path):
    # padded up to out_channels, or else exactly out_channels wide (neither wider: raised)
    for width in (4, 6):
        ins, out = solved_run(tmp_path, PAD, {"out_channels": 6, "L": width, "L2": 3})
        assert ins == ["(L2, L)"] and out == "(L2, out_channels)"


def test_nested_raise_in_the_true_branch(tmp_path):
    src = '''
class Net(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.n = n

    def forward(self, x):
        if x.size(-1) >= self.n:
            if x.size(-1) > self.n:
                raise ValueError("wide")
        else:
            x = torch.cat([x, x.new_zeros(x.size(0), self.n - x.size(-1))], dim=1)
        return x
'''
    for width in (2, 5):
        _ins, out = solved_run(tmp_path, src, {"n": 5, "L": width, "L2": 3})
        assert out == "(L2, n)"


def test_without_the_guard_the_width_stays_unknown(tmp_path):
    # wider inputs go through as they came: the width is L or n, not known
    src = PAD.replace('''        if x.size(-1) > self.out_channels:
            raise ValueError("too wide")
''', "")
    _ins, out = solved_run(tmp_path, src, {"out_channels": 6, "L": 9, "L2": 3})
    assert out == "(L2, ?)"


def test_what_a_helper_learned_on_a_path_that_returned_stays_in_the_helper(tmp_path):
    src = '''
class Net(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.n = n

    def _check(self, x):
        if x.size(-1) > self.n:
            return x
        return x

    def forward(self, x):
        self._check(x)
        if x.size(-1) < self.n:
            x = torch.cat([x, x.new_zeros(x.size(0), self.n - x.size(-1))], dim=1)
        return x
'''
    _ins, out = solved_run(tmp_path, src, {"n": 3, "L": 7, "L2": 2})
    assert out == "(L2, ?)"


def test_a_pass_that_continued_learned_only_for_itself(tmp_path):
    src = '''
class Net(nn.Module):
    def __init__(self, n, k):
        super().__init__()
        self.n, self.k = n, k

    def forward(self, x):
        for _ in range(self.k):
            if x.size(-1) > self.n:
                continue
        if x.size(-1) < self.n:
            x = torch.cat([x, x.new_zeros(x.size(0), self.n - x.size(-1))], dim=1)
        return x
'''
    _ins, out = solved_run(tmp_path, src, {"n": 3, "k": 2, "L": 7, "L2": 2})
    assert out == "(L2, ?)"
