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


# ---- a loop of a size's count whose body tests its index: the first passes one by one ----

PEELED = '''
class Net(nn.Module):
    def __init__(self, units, max_length, vocab_size):
        super().__init__()
        self.max_length = max_length
        self.embed = nn.Linear(vocab_size + 1, units)
        self.cell = nn.LSTMCell(units, units)
        self.out = nn.Linear(units, vocab_size + 1)
        self.feat = nn.Conv1d(units, units, 1)

    def forward(self, features, holistic):
        features = self.feat(features)
        logits = []
        for t in range(self.max_length + 1):
            if t == 0:
                h = c = torch.zeros(features.size(0), features.size(1))
                prev = holistic
            elif t == 1:
                prev = self.embed(torch.zeros(features.size(0), self.out.out_features))
            else:
                prev = self.embed(torch.softmax(logits[t - 1], dim=-1))
            h, c = self.cell(prev, (h, c))
            logits.append(self.out(h))
        return torch.stack(logits[1:]).permute(1, 0, 2)
'''


def test_a_loop_whose_first_pass_sets_the_state_up(tmp_path):
    for length in (1, 4):
        ins, out = solved_run(tmp_path, PEELED, {"units": 5, "max_length": length,
                                                 "vocab_size": 6, "B": 3, "T": 4})
        assert out == "(B, max_length, vocab_size + 1)", ins


def test_a_loop_that_may_run_once_only_is_not_peeled(tmp_path):
    # range(max_length): one pass when max_length is 1, so t == 1 may never come; whatever
    # the engine says must be torch's for one pass and for several
    src = PEELED.replace("range(self.max_length + 1)", "range(self.max_length)").replace(
        "logits[1:]", "logits")
    for length in (1, 3):
        solved_run(tmp_path, src, {"units": 5, "max_length": length, "vocab_size": 6,
                                   "B": 3, "T": 4}, given={1: (3, 5)})


def test_an_assertion_holds_for_the_rest_of_the_function(tmp_path):
    src = PAD.replace('''        if x.size(-1) > self.out_channels:
            raise ValueError("too wide")
''', '''        assert x.size(-1) <= self.out_channels
''')
    for width in (4, 6):
        _ins, out = solved_run(tmp_path, src, {"out_channels": 6, "L": width, "L2": 3})
        assert out == "(L2, out_channels)"


# ---- what a path learned stays on that path (review of the facts above) ----

_WIDE_OR_PAD = '''
            if x.size(-1) < self.n:
                y = torch.cat([x, x.new_zeros(x.size(0), self.n - x.size(-1))], dim=1)
            else:
                y = x
'''


def test_a_trial_unroll_that_gave_up_leaves_no_fact_behind(tmp_path):
    # the trial passes of a short loop with a break learned width <= n on the path that did
    # not break; the loop may break, so the width after it is not known (torch: 6 wide)
    src = f'''
class Net(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.n = n

    def forward(self, x):
        for t in range(3):{_WIDE_OR_PAD}            if x.size(-1) > self.n:
                break
        return y
'''
    _ins, out = solved_run(tmp_path, src, {"n": 4, "L": 6, "L4": 3})
    assert out == "(L4, ?)"


def test_a_pass_that_continued_does_not_teach_the_next_pass(tmp_path):
    src = f'''
class Net(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.n = n
        self.layers = nn.ModuleList([nn.Identity(), nn.Identity()])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x){_WIDE_OR_PAD}            if x.size(-1) > self.n:
                continue
        return y
'''
    _ins, out = solved_run(tmp_path, src, {"n": 4, "L": 6, "L3": 3})
    assert out == "(L3, ?)"


CAUGHT = '''
class Net(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.n = n
        self.rnn = nn.LSTM(n + 1, 8)

    def forward(self, x):
        if x.size(-1) > self.n:
            RAISE
        if x.size(-1) < self.n:
            x = torch.cat([x, x.new_zeros(x.size(0), self.n - x.size(-1))], dim=1)
        return self.rnn(x.unsqueeze(1))[0]
'''


def test_a_raise_a_handler_or_a_context_manager_catches_does_not_end_the_path(tmp_path):
    # the wide input goes on past the caught raise: 5 wide = n + 1, the LSTM takes it
    from lstm_lint.lint import Options, lint_paths

    caught = {
        "try": '''try:
                raise ValueError("wide")
            except ValueError:
                pass''',
        "suppress": '''with contextlib.suppress(ValueError):
                raise ValueError("wide")''',
    }
    for name, body in caught.items():
        src = "import contextlib\n" + CAUGHT.replace("RAISE", body)
        _ins, out = solved_run(tmp_path, src, {"n": 4, "L": 5, "L2": 3})
        assert out == "(L2, 1, 8)", name
        f = tmp_path / f"{name}.py"
        f.write_text("import torch\nimport torch.nn as nn\n" + src)
        found = [x for r in lint_paths([str(f)], Options()) for x in r.findings]
        assert found == [], (name, [x.message for x in found])
