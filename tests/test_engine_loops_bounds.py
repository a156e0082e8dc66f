"""Engine facts about loops with a ``break`` on the loop's index: a bound the index never
reaches leaves the count the range's, also when the count is a symbol; a break on the last
index skips what follows it on that pass.  Each checked against real torch on small models,
the symbolic answers at several sizes."""

from __future__ import annotations

import textwrap

import pytest
from test_engine_facts import HEADER, run_both

from lstm_lint.analyze import analyze_module
from lstm_lint.lint import load
from lstm_lint.project import Project
from lstm_lint.values import Seq, Tensor


def symbolic_dims(tmp_path, src: str, cls: str = "Net") -> list[tuple[str | None, ...]]:
    """The output dims of ``cls`` analysed with no arguments (each item of a tuple output)."""
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(src))
    fm = load(str(path), prefilter=False)
    c = next(c for c in fm.module_classes() if c.name == cls)
    out = analyze_module(fm, c, Project([str(path)])).output
    items = out.items if isinstance(out, Seq) else (out,)
    dims = []
    for t in items:
        assert isinstance(t, Tensor) and t.shape is not None and not t.shape.star, out
        dims.append(t.shape.dims)
    return dims


def torch_shapes(tmp_path, src: str, kwargs: dict, *inputs_shape, cls: str = "Net"):
    torch = pytest.importorskip("torch")
    code = HEADER + textwrap.dedent(src)
    ns: dict = {}
    exec(compile(code, str(tmp_path / "model.py"), "exec"), ns)
    torch.manual_seed(0)
    model = ns[cls](**kwargs).eval()
    with torch.no_grad():
        out = model(*[torch.randn(*s) if isinstance(s, tuple) else s for s in inputs_shape])
    return [tuple(t.shape) for t in (out if isinstance(out, tuple) else (out,))]


DECODER = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, num_step):
        super().__init__()
        self.gru = nn.GRU(n_in, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_in)
        self.num_step = num_step

    def forward(self, tok, h):
        outs = []
        for t in range(int(self.num_step / 4)):
            o, h = self.gru(tok, h)
            tok = self.out(o)
            outs.append(tok)
            if t == self.num_step - 1:
                break
        return torch.cat(outs, dim=1), h
'''


def test_a_break_on_an_index_past_the_last_never_fires_for_any_count(tmp_path):
    # t runs over range(num_step // 4): it never equals num_step - 1, so the loop runs its
    # whole count, a symbol (no constructor argument given)
    dims = symbolic_dims(tmp_path, DECODER)
    assert [str(d) for d in dims[0]] == ["B", "((num_step)//4)*T", "n_in"]
    for num_step in (4, 7, 9, 33, 70):
        real = torch_shapes(tmp_path, DECODER, {"n_in": 3, "hidden": 5, "num_step": num_step},
                            (2, 1, 3), (1, 2, 5))
        env = {"B": 2, "T": 1, "n_in": 3, "hidden": 5, "num_step": num_step}
        assert tuple(d.evaluate(env) for d in dims[0]) == real[0]


def test_a_long_loop_whose_break_bound_is_past_its_end(tmp_path):
    # a known count past the passes run one by one: the count stays 17
    static, real = run_both(tmp_path, DECODER, {"n_in": 3, "hidden": 5, "num_step": 70},
                            ["float32[2,1,3]", "float32[1,2,5]"])
    assert static[0] == (2, 17, 3) == real[0]


def test_a_break_on_the_last_index_before_an_append_skips_it(tmp_path):
    # `if t == 99: break` first in the body: the append after it runs 99 times, not 100;
    # the engine must not claim the range's count (it gave 100*T)
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.gru = nn.GRU(n_in, hidden, batch_first=True)

    def forward(self, tok):
        outs = []
        for t in range(100):
            if t == 99:
                break
            o, _ = self.gru(tok)
            outs.append(o)
        return torch.cat(outs, dim=1)
'''
    static, real = run_both(tmp_path, src, {"n_in": 3, "hidden": 5}, ["float32[2,1,3]"])
    assert real == (2, 99, 5) and static in ((2, None, 5), real)


def test_a_break_on_the_last_index_as_the_last_statement_keeps_the_count(tmp_path):
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, steps):
        super().__init__()
        self.gru = nn.GRU(n_in, hidden, batch_first=True)
        self.steps = steps

    def forward(self, tok):
        outs = []
        for t in range(self.steps):
            o, _ = self.gru(tok)
            outs.append(o)
            if t == self.steps - 1:
                break
        return torch.cat(outs, dim=1)
'''
    dims = symbolic_dims(tmp_path, src)
    assert [str(d) for d in dims[0]] == ["B", "T*steps", "hidden"]
    static, real = run_both(tmp_path, src, {"n_in": 3, "hidden": 5, "steps": 30},
                            ["float32[2,1,3]"])
    assert static == (2, 30, 5) == real



def test_nonneg_rounds_a_whole_number_bound_up():
    # d*e >= -(d - 1) makes a whole number e at least 0: K - K//4 - 1 >= 0 for every K >= 1;
    # never claimed where some K makes it negative (checked by brute force)
    from lstm_lint.indexing import nonneg
    from lstm_lint.symbolic import sym

    k = sym("K")
    cases = [k - k // 4 - 1, k - k // 2 - 1, k - k // 2 - 2, k - 2 * (k // 3) - 1,
             k - k // 4 - 2, 2 * k - 3 * (k // 2) - 1, k - 1 - k // 5]
    proven = []
    for e in cases:
        holds = all(e.evaluate({"K": v}) >= 0 for v in range(1, 200))
        if nonneg(e):
            assert holds, e
            proven.append(str(e))
    assert len(proven) >= 3


TEACHER = '''
import random


class Net(nn.Module):
    def __init__(self, n_in, hidden, steps):
        super().__init__()
        self.gru = nn.GRU(n_in, hidden, batch_first=True)
        self.back = nn.Linear(hidden, n_in)
        self.steps = steps

    def forward(self, tok, forced, ratio):
        outs = []
        h = None
        tok = tok[:, :1]
        for t in range(1, self.steps):
            o, h = self.gru(tok, h)
            outs.append(o)
            if t == self.steps - 1:
                break
            teacher = random.random() < ratio
            if teacher:
                tok = forced[:, t].unsqueeze(1)
            else:
                tok = self.back(o)
        return torch.cat(outs, dim=1), h
'''


def test_a_last_index_break_before_rebinds_the_loop_end_does_not_read(tmp_path):
    # what the break skips on the last pass (a coin, a branch that picks the next input)
    # binds names only, none read after the loop: the count stays steps - 1
    dims = symbolic_dims(tmp_path, TEACHER)
    assert [str(d) for d in dims[0]] == ["B", "steps - 1", "hidden"]
    for steps in (2, 5, 12, 20):
        real = torch_shapes(tmp_path, TEACHER, {"n_in": 3, "hidden": 5, "steps": steps},
                            (2, 4, 3), (2, 30, 3), 0.5)
        env = {"B": 2, "T": 4, "hidden": 5, "steps": steps}
        assert tuple(d.evaluate(env) for d in dims[0]) == real[0]


@pytest.mark.parametrize("skipped, after", [
    ("outs.append(o)", ""),                       # grows the list on every pass but the last
    ("tok = self.back(o)\n            outs = outs + [o]", ""),  # rebinds a name read after
    ("tok = self.back(o)", "        outs.append(self.gru(tok)[0])\n"),  # read after the loop
])
def test_a_last_index_break_before_what_the_loop_end_sees(tmp_path, skipped, after):
    # the break skips on its last pass what the loop's end sees: the count is not the range's
    src = f'''
class Net(nn.Module):
    def __init__(self, n_in, hidden, steps):
        super().__init__()
        self.gru = nn.GRU(n_in, hidden, batch_first=True)
        self.back = nn.Linear(hidden, n_in)
        self.steps = steps

    def forward(self, tok):
        outs = []
        for t in range(self.steps):
            o, _ = self.gru(tok)
            outs.append(o)
            if t == self.steps - 1:
                break
            {skipped}
{after}        return torch.cat(outs, dim=1)
'''
    static, real = run_both(tmp_path, src, {"n_in": 3, "hidden": 5, "steps": 12},
                            ["float32[2,1,3]"])
    assert static in ((2, None, 5), real)
    dims = symbolic_dims(tmp_path, src)
    assert dims[0][1] is None  # the count of passes that grew the list is not the range's


def test_a_loop_with_an_else_keeps_its_break_open(tmp_path):
    # the `else` of a for runs where no break fired (here: always, the bound is past the end)
    # and appends once more: the engine must not claim the range's count
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, steps):
        super().__init__()
        self.gru = nn.GRU(n_in, hidden, batch_first=True)
        self.steps = steps

    def forward(self, tok):
        outs = []
        for t in range(self.steps):
            o, _ = self.gru(tok)
            outs.append(o)
            if t == self.steps + 5:
                break
        else:
            outs.append(o)
        return torch.cat(outs, dim=1)
'''
    static, real = run_both(tmp_path, src, {"n_in": 3, "hidden": 5, "steps": 12},
                            ["float32[2,1,3]"])
    assert real == (2, 13, 5) and static in ((2, None, 5), real)


def test_a_break_bound_the_body_changes_stays_open(tmp_path):
    # `self.stop` is lowered inside the loop: the bound past the end at the start is reached
    src = '''
class Net(nn.Module):
    def __init__(self, n_in, hidden, steps):
        super().__init__()
        self.gru = nn.GRU(n_in, hidden, batch_first=True)
        self.steps = steps
        self.stop = steps + 5

    def forward(self, tok):
        outs = []
        self.stop = self.steps + 5
        for t in range(self.steps):
            o, _ = self.gru(tok)
            outs.append(o)
            if t == self.stop:
                break
            self.stop = 3
        return torch.cat(outs, dim=1)
'''
    static, real = run_both(tmp_path, src, {"n_in": 3, "hidden": 5, "steps": 12},
                            ["float32[2,1,3]"])
    assert real == (2, 4, 5) and static in ((2, None, 5), real)


_CHANGED_ELSEWHERE = {
    # a method the body calls lowers the bound
    "method": ("", "        self.shrink()\n", "    def shrink(self):\n        self.stop = 4\n"),
    # a nested function rebinds it (nonlocal)
    "nonlocal": ("        stop = 100\n\n        def shrink():\n            nonlocal stop\n"
                 "            stop = 4\n", "        shrink()\n", ""),
}


@pytest.mark.parametrize("how", sorted(_CHANGED_ELSEWHERE))
def test_a_break_bound_a_call_in_the_body_changes_stays_open(tmp_path, how):
    # the bound is past the end when the loop starts, and a call inside the loop lowers it:
    # torch stops after 4 passes, so the count is not the range's
    setup, call, method = _CHANGED_ELSEWHERE[how]
    bound = "self.stop" if how == "method" else "stop"
    src = f'''
class Net(nn.Module):
    def __init__(self, n_in=3, hidden=5):
        super().__init__()
        self.cell = nn.GRUCell(n_in, hidden)
        self.stop = 100

{method}
    def forward(self, x):
        h = torch.zeros(x.size(0), 5)
        outs = []
{setup}        for t in range(12):
            if t == {bound}:
                break
            h = self.cell(x, h)
            outs.append(h)
    {call}        return torch.stack(outs, 1)
'''
    static, real = run_both(tmp_path, src, {}, ["float32[2,3]"])
    assert real == (2, 4, 5) and static in ((2, None, 5), real)


def test_a_break_bound_with_a_size_that_may_be_zero_stays_open(tmp_path):
    # `extra` is 0 by default: `steps + extra - 1` is then the last index, and the append
    # after the break is skipped on that pass; the algebra takes sizes as >= 1, so a bound
    # with any size but the range's own is not decided by it
    src = '''
class Net(nn.Module):
    def __init__(self, n_in=3, hidden=5, steps=12, extra=0):
        super().__init__()
        self.cell = nn.GRUCell(n_in, hidden)
        self.steps, self.extra = steps, extra

    def forward(self, x):
        h = torch.zeros(x.size(0), 5)
        outs = []
        for t in range(self.steps):
            h = self.cell(x, h)
            if t == self.steps + self.extra - 1:
                break
            outs.append(h)
        return torch.stack(outs, 1)
'''
    static, real = run_both(tmp_path, src, {}, ["float32[2,3]"])
    assert real == (2, 11, 5) and static in ((2, None, 5), real)
    dims = symbolic_dims(tmp_path, src)
    assert dims[0][1] is None or str(dims[0][1]) != "steps"
