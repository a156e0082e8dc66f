"""A copy of a configuration dict or a list (``dict(cfg)``, ``cfg.copy()``, ``copy.copy(cfg)``,
``copy.deepcopy(cfg)``, ``sizes.copy()``) is a new value with the same contents: a store into
the copy leaves the original as it was (the copy used to be the original itself, so the store
reached every holder of it).  A store into a caller's value whose type the run does not know
(``args.hidden = 2 * args.hidden``, ``cfg.update(...)``, or one into a copy of it) makes that
item unknown, never the caller's symbol.  Each claim checked against real torch."""

from __future__ import annotations

import textwrap
from types import SimpleNamespace

import pytest
from test_engine_facts import HEADER, run_both

from lstm_lint.analyze import analyze_module
from lstm_lint.lint import load
from lstm_lint.project import Project
from lstm_lint.values import Seq, Tensor

COPIED = '''
import copy


class Net(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        wide = COPY
        wide["hidden"] = 2 * cfg["hidden"]
        self.rnn = nn.LSTM(cfg["emb"], cfg["hidden"], batch_first=True)
        self.up = nn.Linear(cfg["hidden"], wide["hidden"])

    def forward(self, x):
        out, _ = self.rnn(x)
        return out, self.up(out)
'''

COPIES = ["dict(cfg)", "cfg.copy()", "copy.copy(cfg)", "copy.deepcopy(cfg)"]


@pytest.mark.parametrize("how", COPIES)
def test_a_copied_config_dict_changed_leaves_the_original(tmp_path, how):
    """Built with ``cfg = {"emb": 8, "hidden": 16}``: the LSTM keeps 16, the copy says 32."""
    static, real = run_both(tmp_path, COPIED.replace("COPY", how),
                            {"cfg": {"emb": 8, "hidden": 16}}, ["float32[3,7,8]"])
    assert real == [(3, 7, 16), (3, 7, 32)]
    assert static == real


def _symbolic_claims(tmp_path, src: str, env: dict[str, int]):
    """The symbolic run's output, each axis evaluated with ``env`` (None where unknown)."""
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(src))
    fm = load(str(path), prefilter=False)
    [c] = [c for c in fm.module_classes() if c.name == "Net"]

    def tree(v):
        if isinstance(v, Tensor):
            assert v.shape is not None and not v.shape.star
            return tuple(None if d is None else d.evaluate(env) for d in v.shape.dims)
        assert isinstance(v, Seq)
        return [tree(x) for x in v.items]

    out = analyze_module(fm, c, Project([str(path)])).output
    return [tree(out)] if isinstance(out, Tensor) else tree(out)


def _torch_out(tmp_path, src: str, cfg) -> list:
    torch = pytest.importorskip("torch")
    ns: dict = {}
    exec(compile(HEADER + textwrap.dedent(src), str(tmp_path / "model.py"), "exec"), ns)
    with torch.no_grad():
        out = ns["Net"](cfg)(torch.randn(3, 7, 8))
    return [tuple(o.shape) for o in out] if isinstance(out, tuple) else [tuple(out.shape)]


def _agree(claims, real) -> bool:
    return len(claims) == len(real) and all(
        len(c) == len(r) and all(a is None or a == b for a, b in zip(c, r, strict=True))
        for c, r in zip(claims, real, strict=True))


@pytest.mark.parametrize("how", [*COPIES, "cfg"])
def test_the_symbolic_run_claims_nothing_a_store_into_a_copy_changed(tmp_path, how):
    """``cfg`` is the caller's (a symbol per item): ``copy.copy(cfg)`` was ``cfg`` itself and
    the store into it went nowhere, so ``wide["hidden"]`` read ``cfg.hidden`` (torch: twice
    that); ``wide = cfg`` (no copy) changes ``cfg`` too."""
    src = COPIED.replace("COPY", how)
    env = {"B": 3, "T": 7, "cfg.emb": 8, "cfg.hidden": 16}
    claims = _symbolic_claims(tmp_path, src, env)
    real = _torch_out(tmp_path, src, {"emb": 8, "hidden": 16})
    assert _agree(claims, real), (claims, real)
    if how in ("dict(cfg)", "cfg.copy()"):
        assert claims[0] == (3, 7, 16)  # the original's value stays the caller's


STORED = '''
class Net(nn.Module):
    def __init__(self, args):
        super().__init__()
        STORE
        self.rnn = nn.LSTM(args.emb, args.hidden, batch_first=True)

    def forward(self, x):
        out, _ = self.rnn(x)
        return out
'''


@pytest.mark.parametrize("store", ["args.hidden = 2 * args.hidden",
                                   'setattr(args, "hidden", 2 * args.hidden)',
                                   "args.__dict__.update(hidden=2 * args.hidden)"])
def test_a_store_into_a_caller_s_value_makes_the_item_unknown(tmp_path, store):
    """The caller's ``args.hidden`` is 16; the constructor makes it 32 before the LSTM reads
    it: the engine claimed ``args.hidden`` (16)."""
    src = STORED.replace("STORE", store)
    env = {"B": 3, "T": 7, "args.emb": 8, "args.hidden": 16}
    claims = _symbolic_claims(tmp_path, src, env)
    real = _torch_out(tmp_path, src, SimpleNamespace(emb=8, hidden=16))
    assert real == [(3, 7, 32)]
    assert _agree(claims, real), (claims, real)
    assert claims[0][:2] == (3, 7)


def test_a_dict_method_on_a_caller_s_value_changes_only_the_keys_it_names(tmp_path):
    src = '''
class Net(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        cfg.update(hidden=2 * cfg["hidden"])
        self.rnn = nn.LSTM(cfg["emb"], cfg["hidden"], batch_first=True)
        self.proj = nn.Linear(cfg["hidden"], cfg["emb"])

    def forward(self, x):
        out, _ = self.rnn(x)
        return out, self.proj(out)
'''
    env = {"B": 3, "T": 7, "cfg.emb": 8, "cfg.hidden": 16}
    claims = _symbolic_claims(tmp_path, src, env)
    real = _torch_out(tmp_path, src, {"emb": 8, "hidden": 16})
    assert real == [(3, 7, 32), (3, 7, 8)]
    assert claims == [(3, 7, 32), (3, 7, 8)]  # the value stored is followed


def test_a_list_copy_is_a_list_of_its_own(tmp_path):
    """``wider = dims.copy(); wider.append(5)``: ``dims`` keeps two items, ``wider`` has
    three (the copy was unknown before)."""
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        dims = list(sizes)
        wider = dims.copy()
        wider.append(5)
        self.rnn = nn.LSTM(dims[0], dims[-1], batch_first=True)
        self.fc = nn.Linear(dims[-1], wider[-1])

    def forward(self, x):
        out, _ = self.rnn(x)
        return out, self.fc(out)
''', {"sizes": [8, 16]}, ["float32[3,7,8]"])
    assert static == real == [(3, 7, 16), (3, 7, 5)]
