"""Review rv11 of the copies and caller stores (commit 3843207), each case checked against
real torch: a store into a caller's value is followed with the value stored and joined path by
path (``if not args.hidden: args.hidden = 128``); ``getattr`` with a default reads a stored
item; a read of ``vars(args)``, a ``setdefault`` and a deepcopy of ``args`` store nothing into
``args``; a store into a dict or list a shallow copy shares reaches the original; a deepcopy's
user objects are not the original's; ``cfg.update(**kw)``, ``args.__setattr__`` and
``object.__setattr__`` are stores."""

from __future__ import annotations

import textwrap
from types import SimpleNamespace

import pytest

from lstm_lint.lint import Options, check_file, load
from lstm_lint.rule import Finding

HEADER = "import copy\nimport torch\nimport torch.nn as nn\n"


def _lint(tmp_path, code: str) -> list[str]:
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(code).lstrip("\n"))
    fm = load(str(path))
    assert fm is not None and not isinstance(fm, Finding), fm
    return [f.code for f in check_file(fm, None, Options()).findings]


def _torch_runs(code: str, cls: str, arg, x_shape=(3, 7, 8), dtype: str = "float") -> bool:
    """Whether ``cls(arg)`` (or ``cls()`` with arg None) runs on an input of ``x_shape``."""
    torch = pytest.importorskip("torch")
    ns: dict = {}
    exec(compile(HEADER + textwrap.dedent(code), "model.py", "exec"), ns)
    x = torch.randn(*x_shape) if dtype == "float" else torch.randint(0, 100, x_shape)
    try:
        with torch.no_grad():
            (ns[cls]() if arg is None else ns[cls](arg))(x)
    except (RuntimeError, ValueError):  # (ValueError: an LSTM of width 0)
        return False
    return True


# ---- correct models: no finding -------------------------------------------------------------

CLEAN = {
    "getattr_default_after_store": ('''
class Net(nn.Module):
    def __init__(self, args):
        super().__init__()
        args.hidden = 32
        self.rnn = nn.LSTM(8, getattr(args, "hidden", 16), batch_first=True)
        self.fc = nn.Linear(32, 4)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out)
''', SimpleNamespace()),
    "getattr_default_after_setattr": ('''
class Net(nn.Module):
    def __init__(self, args):
        super().__init__()
        setattr(args, "hidden", 32)
        self.rnn = nn.LSTM(8, getattr(args, "hidden", 16), batch_first=True)
        self.fc = nn.Linear(32, 4)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out)
''', SimpleNamespace()),
    # (called at the file's end: the findings were those of that call)
    "nested_dict_shared_by_a_shallow_copy": ('''
CFG = {"emb": 8, "enc": {"hidden": 16}}


class Net(nn.Module):
    def __init__(self, cfg=CFG):
        super().__init__()
        wide = dict(cfg)
        wide["enc"]["hidden"] = 32
        self.rnn = nn.LSTM(cfg["emb"], wide["enc"]["hidden"], batch_first=True)
        self.fc = nn.Linear(cfg["enc"]["hidden"], 4)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out)


if __name__ == "__main__":
    print(Net()(torch.randn(3, 7, 8)).shape)
''', None),
    "nested_list_shared_by_a_shallow_copy": ('''
CFG = {"emb": 8, "sizes": [16]}


class Net(nn.Module):
    def __init__(self, cfg=CFG):
        super().__init__()
        wide = cfg.copy()
        wide["sizes"].append(32)
        self.rnn = nn.LSTM(cfg["emb"], wide["sizes"][-1], batch_first=True)
        self.fc = nn.Linear(cfg["sizes"][-1], 4)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out)


if __name__ == "__main__":
    print(Net()(torch.randn(3, 7, 8)).shape)
''', None),
    "deepcopy_copies_a_user_object_inside": ('''
class Opts:
    def __init__(self):
        self.hidden = 16


class Net(nn.Module):
    def __init__(self, emb=8):
        super().__init__()
        cfg = {"emb": emb, "enc": Opts()}
        dec = copy.deepcopy(cfg)
        dec["enc"].hidden = 32
        self.rnn = nn.LSTM(cfg["emb"], cfg["enc"].hidden, batch_first=True)
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out)
''', None),
}

STALE = '''
class Net(nn.Module):
    def __init__(self, cfg, **overrides):
        super().__init__()
        self.emb = nn.Embedding(100, 2 * cfg["hidden"])
        STORE
        self.rnn = nn.LSTM(cfg["hidden"], 8, batch_first=True)

    def forward(self, x):
        out, _ = self.rnn(self.emb(x))
        return out
'''


@pytest.mark.parametrize("case", sorted(CLEAN))
def test_a_correct_model_stays_clean(tmp_path, case):
    code, arg = CLEAN[case]
    assert _torch_runs(code, "Net", arg)
    assert _lint(tmp_path, code) == []


@pytest.mark.parametrize("store", ["cfg.update(**overrides)",
                                   'cfg.__setattr__("hidden", 2 * cfg.hidden)',
                                   'object.__setattr__(cfg, "hidden", 2 * cfg.hidden)'])
def test_a_store_the_engine_cannot_read_makes_the_item_unknown(tmp_path, store):
    """``Net(cfg, hidden=2 * cfg["hidden"])`` (or the attribute twice as wide): the LSTM
    reads the new width, the embedding's; the caller's symbol was stale (LST101)."""
    code = STALE.replace("STORE", store)
    if "update" in store:
        arg = {"hidden": 16}
        torch = pytest.importorskip("torch")
        ns: dict = {}
        exec(compile(HEADER + textwrap.dedent(code), "model.py", "exec"), ns)
        ns["Net"](arg, hidden=32)(torch.randint(0, 100, (3, 7)))
    else:
        code = code.replace('cfg["hidden"]', "cfg.hidden")
        assert _torch_runs(code, "Net", SimpleNamespace(hidden=16), (3, 7), "int")
    assert _lint(tmp_path, code) == []


# ---- real bugs (torch raises): the finding stays ----------------------------------------------

BUGGY = '''
class Tagger(nn.Module):
    def __init__(self, args):
        super().__init__()
        STORE
        self.rnn = nn.LSTM(args.emb, args.hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(args.hidden, 4)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out)
'''

BUGGY_STORES = {
    "vars_printed": "print(vars(args))",
    "vars_copied": "settings = dict(vars(args))",
    "guarded_store": "if not args.hidden:\n            args.hidden = 128",
    "flag_guarded_store": "if args.small:\n            args.hidden = 128",
    "known_value_stored": "args.hidden = args.hidden // 2",
    "deepcopy_of_args_stored_into": "dec = copy.deepcopy(args)\n        dec.hidden = 2 * args.hidden",
}


@pytest.mark.parametrize("case", sorted(BUGGY_STORES))
def test_a_real_bug_after_a_read_or_a_store_is_still_found(tmp_path, case):
    code = BUGGY.replace("STORE", BUGGY_STORES[case])
    assert not _torch_runs(code, "Tagger", SimpleNamespace(emb=8, hidden=16, small=False))
    assert not _torch_runs(code, "Tagger", SimpleNamespace(emb=8, hidden=0, small=True))
    assert _lint(tmp_path, code) == ["LST101"]


SETDEFAULT = '''
DEFAULTS = {"layers": 1, "dropout": 0.0}


class Net(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        STORE
        self.rnn = nn.LSTM(cfg["emb"], cfg["hidden"], num_layers=cfg["layers"], batch_first=True)
        self.fc = nn.Linear(cfg["hidden"] * 2, 4)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out)
'''


@pytest.mark.parametrize("store", ["for k, v in DEFAULTS.items():\n            cfg.setdefault(k, v)",
                                   'cfg.setdefault("hidden", 16)\n        '
                                   'cfg.setdefault("layers", 1)'])
def test_setdefault_changes_no_key_the_caller_gave(tmp_path, store):
    code = SETDEFAULT.replace("STORE", store)
    assert not _torch_runs(code, "Net", {"emb": 8, "hidden": 16})
    assert _lint(tmp_path, code) == ["LST101"]


def test_a_guarded_store_is_joined_with_the_caller_s_value_in_the_message(tmp_path):
    """The path that did not store keeps ``args.hidden`` (the flag's indicator is no
    substitute for the symbol of the same name: it rendered ``1 if args.hidden``)."""
    from lstm_lint.symbolic import cond, sym

    e = cond("args.hidden", sym("args.hidden"), 128)
    assert str(e) == "(args.hidden if args.hidden else 128)"
    assert e.evaluate({"args.hidden": 16}) == 16 and e.evaluate({"args.hidden": 0}) == 128


def test_a_store_after_an_early_return_of_a_helper_is_joined_with_the_return(tmp_path):
    """``setup(args)`` returns early when ``args.hidden`` is set: after the call it is the
    caller's 16 (torch runs), not the 32 of the path that went on (LST101 before)."""
    code = '''
def setup(a):
    if a.hidden:
        return
    a.hidden = 32


class Net(nn.Module):
    def __init__(self, args):
        super().__init__()
        setup(args)
        self.rnn = nn.LSTM(8, args.hidden, batch_first=True)
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out)
'''
    assert _torch_runs(code, "Net", SimpleNamespace(hidden=16))
    assert _lint(tmp_path, code) == []
