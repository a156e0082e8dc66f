"""Findings under the configurations a project builds its models with: a configuration class
a constructor is annotated with (its defaults), a factory method's defaults in another file,
argparse defaults, a dict config; and the silent cases, where a value is only known at run
time (a ``-1`` placeholder, a value overwritten from data, ``**kwargs`` from a file)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lstm_lint.lint import Options, lint_paths


def _write(folder: Path, files: dict[str, str]) -> dict[str, Path]:
    out = {}
    for name, text in files.items():
        p = folder / name
        p.write_text(textwrap.dedent(text))
        out[name] = p
    return out


def _findings(path: Path) -> list:
    return [f for r in lint_paths([str(path)], Options()) for f in r.findings]


def _torch_fails(files: dict[str, Path], build: str, call: str) -> bool:
    """Does real torch fail to run ``call`` on the model ``build`` gives (the files importable)?"""
    torch = pytest.importorskip("torch")
    import sys

    folder = str(next(iter(files.values())).parent)
    sys.path.insert(0, folder)
    try:
        ns: dict = {"torch": torch}
        for name in files:
            mod = name[:-3]
            sys.modules.pop(mod, None)
        exec(build, ns)
        try:
            exec(call, ns)
        except RuntimeError:
            return True
        return False
    finally:
        sys.path.remove(folder)
        for name in files:
            sys.modules.pop(name[:-3], None)


DATACLASS_MODEL = '''
    from dataclasses import dataclass

    import torch.nn as nn


    @dataclass
    class TaggerConfig:
        vocab: int = 100
        emb_dim: int = 32
        hidden: int = 64
        layers: int = 1


    class Tagger(nn.Module):
        def __init__(self, cfg: TaggerConfig):
            super().__init__()
            self.emb = nn.Embedding(cfg.vocab, cfg.emb_dim)
            self.rnn = nn.LSTM(RNN_IN, cfg.hidden, cfg.layers, batch_first=True)
            self.out = nn.Linear(cfg.hidden, 5)

        def forward(self, x):
            h, _ = self.rnn(self.emb(x))
            return self.out(h)
'''


@pytest.mark.parametrize("rnn_in, codes", [("cfg.emb_dim", []), ("cfg.hidden", ["LST101"])])
def test_a_dataclass_config_s_defaults_decide_a_size_equality(tmp_path, rnn_in, codes):
    files = _write(tmp_path, {"tagger.py": DATACLASS_MODEL.replace("RNN_IN", rnn_in)})
    found = _findings(files["tagger.py"])
    assert [f.code for f in found] == codes, [f.message for f in found]
    if codes:
        assert found[0].message.endswith(
            "(with the defaults cfg=TaggerConfig(), where cfg.emb_dim=32, cfg.hidden=64)")
        assert "expects 64" in found[0].message and "receives 32" in found[0].message
    assert _torch_fails(files, "from tagger import Tagger, TaggerConfig\n"
                               "m = Tagger(TaggerConfig())",
                        "m(torch.randint(0, 100, (3, 7)))") == bool(codes)


PLAIN_CONFIG_PARENT = '''
    import torch.nn as nn


    class EncoderConfig:
        def __init__(self, vocab_size=30, input_size=INPUT, hidden_size=256, **kwargs):
            self.vocab_size = vocab_size
            self.input_size = input_size
            self.hidden_size = hidden_size


    class Layer(nn.Module):
        def __init__(self, input_size, hidden_size):
            super().__init__()
            self.lstm = nn.LSTM(hidden_size, hidden_size, batch_first=True)

        def forward(self, x):
            return self.lstm(x)[0]


    class Encoder(nn.Module):
        def __init__(self, config: EncoderConfig):
            super().__init__()
            self.embed = nn.Embedding(config.vocab_size, config.input_size)
            self.layer = Layer(config.input_size, config.hidden_size)

        def forward(self, ids):
            return self.layer(self.embed(ids))
'''


@pytest.mark.parametrize("default, codes", [("128", ["LST101"]), ("256", []),
                                            # a placeholder the run fills in: unknown
                                            ("-1", [])])
def test_a_parent_built_from_a_config_class_s_defaults_reaches_its_child(tmp_path, default,
                                                                        codes):
    files = _write(tmp_path, {"enc.py": PLAIN_CONFIG_PARENT.replace("INPUT", default)})
    found = _findings(files["enc.py"])
    assert [f.code for f in found] == codes, [f.message for f in found]
    if codes:
        assert found[0].message.endswith("(with the defaults config=EncoderConfig(), where "
                                         "config.hidden_size=256, config.input_size=128)")
        assert _torch_fails(files, "from enc import Encoder, EncoderConfig\n"
                                   "m = Encoder(EncoderConfig())",
                            "m(torch.randint(0, 30, (2, 5)))")


def test_a_config_class_that_needs_an_argument_or_is_not_named_so_is_no_configuration(
        tmp_path):
    """No default for a field (the caller must give it), or a class whose name does not say
    it is a configuration: nothing is assumed, the size equality stays a constraint."""
    no_default = PLAIN_CONFIG_PARENT.replace("INPUT", "128").replace(
        "vocab_size=30", "vocab_size")
    files = _write(tmp_path, {"a.py": no_default})
    assert _findings(files["a.py"]) == []
    not_named = PLAIN_CONFIG_PARENT.replace("INPUT", "128").replace("EncoderConfig", "Sizes")
    files = _write(tmp_path, {"b.py": not_named})
    assert _findings(files["b.py"]) == []


FACTORY_CHILD = '''
    import torch.nn as nn


    class TextureEncoder(nn.Module):
        def __init__(self, emb_size, hidden_dim, z_dim):
            super().__init__()
            self.fc = nn.Linear(16, emb_size)
            self.gru = nn.GRU(RNN_IN, hidden_dim, batch_first=True)
            self.mu = nn.Linear(hidden_dim, z_dim)

        def forward(self, x):
            h = self.gru(self.fc(x))[1]
            return self.mu(h[-1])
'''

FACTORY_PARENT = '''
    import torch.nn as nn
    from texture import TextureEncoder


    class Vae(nn.Module):
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder

        def forward(self, x):
            return self.encoder(x)

        @staticmethod
        def init_model(SIGNATURE):
            encoder = TextureEncoder(256, 1024, z_size)
            return Vae(encoder)
'''


@pytest.mark.parametrize("rnn_in, signature, codes", [
    ("hidden_dim", "device=None, z_size=128", ["LST101"]),
    ("emb_size", "device=None, z_size=128", []),
])
def test_a_factory_method_of_another_file_is_a_configuration(tmp_path, rnn_in, signature,
                                                              codes):
    files = _write(tmp_path, {"texture.py": FACTORY_CHILD.replace("RNN_IN", rnn_in),
                              "model.py": FACTORY_PARENT.replace("SIGNATURE", signature)})
    found = _findings(files["texture.py"])
    assert [f.code for f in found] == codes, [f.message for f in found]
    if codes:
        assert found[0].message.endswith(
            "(as built by Vae.init_model() with its defaults at model.py:16)")
        assert _torch_fails(files, "from model import Vae\nm = Vae.init_model()",
                            "m(torch.randn(2, 5, 16))")


def test_a_factory_parameter_without_a_default_stays_unknown(tmp_path):
    child = FACTORY_CHILD.replace("RNN_IN", "hidden_dim").replace(
        "nn.Linear(16, emb_size)", "nn.Linear(16, emb_size)")
    parent = FACTORY_PARENT.replace("SIGNATURE", "emb, z_size=128").replace(
        "TextureEncoder(256, 1024, z_size)", "TextureEncoder(emb, emb, z_size)")
    files = _write(tmp_path, {"texture.py": child, "model.py": parent})
    assert _findings(files["texture.py"]) == []


ARGPARSE_MODEL = '''
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self, opt):
            super().__init__()
            self.emb = nn.Embedding(100, opt.emb_dim)
            self.rnn = nn.LSTM(opt.hidden_dim, opt.hidden_dim, batch_first=True)
            self.fc = nn.Linear(opt.hidden_dim, 2)

        def forward(self, x):
            out, _ = self.rnn(self.emb(x))
            return self.fc(out[:, -1])
'''

ARGPARSE_TRAIN = '''
    import argparse

    from model import Net

    parser = argparse.ArgumentParser()
    parser.add_argument("--emb_dim", type=int, default=EMB)
    parser.add_argument("--hidden_dim", type=int, default=128)
    args = parser.parse_args()
    OVERWRITE
    model = Net(args)
'''


@pytest.mark.parametrize("emb, overwrite, codes", [
    ("64", "", ["LST101"]),
    ("128", "", []),
    # filled in from the data at run time: no value the project stands behind
    ("-1", "", []),
    ("64", "args.emb_dim = len(open('vocab.txt').read().split())", []),
])
def test_an_argparse_namespace_passed_as_opt(tmp_path, emb, overwrite, codes):
    files = _write(tmp_path, {"model.py": ARGPARSE_MODEL,
                              "train.py": ARGPARSE_TRAIN.replace("EMB", emb)
                              .replace("OVERWRITE", overwrite)})
    found = _findings(files["model.py"])
    assert [f.code for f in found] == codes, [f.message for f in found]
    if codes:
        assert found[0].message.endswith(
            "(as built at train.py:11, where opt.emb_dim=64, opt.hidden_dim=128)")


def test_a_dict_config_and_an_open_kwargs(tmp_path):
    model = '''
        import torch.nn as nn


        class Net(nn.Module):
            def __init__(self, config, dropout=0.3, **kwargs):
                super().__init__()
                self.emb = nn.Embedding(100, config["emb_dim"])
                self.rnn = nn.GRU(config["hidden_dim"], config["hidden_dim"],
                                  num_layers=kwargs.get("num_layers", 2), dropout=dropout)

            def forward(self, x):
                return self.rnn(self.emb(x))[0]
    '''
    run = '''
        import yaml
        from model import Net

        CONFIG = {"emb_dim": 64, "hidden_dim": 128}


        def main():
            return Net(CONFIG, **yaml.safe_load(open("extra.yaml")))
    '''
    files = _write(tmp_path, {"model.py": model, "run.py": run})
    found = _findings(files["model.py"])
    # the sizes come from the dict; num_layers may come from the file: no LST501
    assert [f.code for f in found] == ["LST101"], [f.message for f in found]
    assert found[0].message.endswith("(as built at run.py:9, where config.emb_dim=64, config.hidden_dim=128)")


def test_names_of_a_module_not_in_the_tree_are_left_symbolic(tmp_path):
    """``Net(hp.n_in, hp.hidden, 1, 0.3)`` with no ``hparams.py`` to read: the unread sizes stay
    the symbolic run's symbols and the literal ones decide (a configuration with nothing
    but such names is the symbolic run again, and is not analysed)."""
    from lstm_lint.analyze import analyze_file
    from lstm_lint.configurations import configurations
    from lstm_lint.lint import load
    from lstm_lint.project import Project

    model = '''
        import torch.nn as nn


        class Net(nn.Module):
            def __init__(self, n_in, hidden, layers, dropout):
                super().__init__()
                self.rnn = nn.LSTM(n_in, hidden, layers, dropout=dropout)

            def forward(self, x):
                return self.rnn(x)[0]
    '''
    for args, labels, codes in [("hp.n_in, hp.hidden, 1, 0.3", ["as built at train.py"],
                                 ["LST501"]),
                                ("hp.n_in, hp.hidden, hp.layers, hp.dropout", [], [])]:
        files = _write(tmp_path, {"model.py": model, "train.py": (
            "import hparams as hp\nfrom model import Net\n\n"
            f"model = Net({args})\n")})
        found = _findings(files["model.py"])
        assert [f.code for f in found] == codes, [f.message for f in found]
        fm = load(str(files["model.py"]))
        project = Project([str(files["model.py"])])
        contexts = configurations(analyze_file(fm, project), project)
        assert [c.base_label for c in contexts] == labels


def test_confirm_builds_a_config_class_s_defaults_not_primes(tmp_path):
    """``--confirm`` of a finding under ``cfg: NetConfig``'s defaults builds the stand-in for
    ``cfg`` with the class's sizes (``layers=1``): primes (two layers) would refute it."""
    pytest.importorskip("torch")
    from lstm_lint.confirm import confirm_file
    from lstm_lint.lint import check_file, load
    from lstm_lint.project import Project

    model = '''
        from dataclasses import dataclass

        import torch.nn as nn


        @dataclass
        class NetConfig:
            n_in: int = 8
            hidden: int = 16
            layers: int = 1


        class Net(nn.Module):
            def __init__(self, cfg: NetConfig):
                super().__init__()
                self.rnn = nn.GRU(cfg.n_in, cfg.hidden, cfg.layers, dropout=0.3)

            def forward(self, x):
                return self.rnn(x)[0]
    '''
    path = _write(tmp_path, {"net.py": model})["net.py"]
    fm = load(str(path))
    project = Project([str(path)])
    res = check_file(fm, project, Options(script=True))
    [f] = res.findings
    assert f.code == "LST501" and f.message.endswith(
        "(with the defaults cfg=NetConfig(), where cfg.layers=1)")
    confirm_file(res.analysis, res.findings, project, 60, "cpu")
    assert f.confirmation is not None
    assert f.confirmation["verdict"] == "confirmed", f.confirmation
    assert "num_layers=1" in f.confirmation["evidence"]


REWRITTEN_CONFIG = '''
    from dataclasses import dataclass, field

    import torch.nn as nn


    @dataclass
    class TaggerConfig:
        vocab: int = 100
        emb_dim: int = 32
        hidden: int = 64
    REWRITE

    class Tagger(nn.Module):
        def __init__(self, cfg: TaggerConfig):
            super().__init__()
            self.emb = nn.Embedding(cfg.vocab, cfg.emb_dim)
            self.rnn = nn.LSTM(cfg.hidden, cfg.hidden, batch_first=True)

        def forward(self, x):
            h, _ = self.rnn(self.emb(x))
            return h
'''


@pytest.mark.parametrize("rewrite", [
    # __post_init__ makes hidden equal to emb_dim: the model runs (torch below)
    "\n        def __post_init__(self):\n            self.hidden = self.emb_dim\n",
    # an __init__ that sets attributes by name from what it reads (a file, say)
    "\n        def __init__(self, path='config.json'):\n"
    "            self.vocab, self.emb_dim, self.hidden = 100, 32, 64\n"
    "            for k, v in read_config(path).items():\n"
    "                setattr(self, k, v)\n",
    # a field the constructor does not take
    "    derived: int = field(init=False, default=0)\n",
])
def test_a_config_class_that_rewrites_its_attributes_is_no_configuration(tmp_path, rewrite):
    files = _write(tmp_path, {"tagger.py": REWRITTEN_CONFIG.replace("REWRITE", rewrite)})
    assert _findings(files["tagger.py"]) == []
    if "__post_init__" in rewrite:
        assert not _torch_fails(files, "from tagger import Tagger, TaggerConfig\n"
                                       "m = Tagger(TaggerConfig())",
                                "m(torch.zeros(2, 7, dtype=torch.long))")


def test_methods_that_build_other_instances_leave_the_defaults_a_configuration(tmp_path):
    # from_dict sets attributes by name on another instance, __eq__ reads __dict__: the
    # instance the defaults build is as the class says, so a finding under them stands
    extra = ("\n        @classmethod\n        def from_dict(cls, d):\n            cfg = cls()\n"
             "            for k, v in d.items():\n                setattr(cfg, k, v)\n"
             "            return cfg\n\n        def __eq__(self, other):\n"
             "            return self.__dict__ == other.__dict__\n")
    files = _write(tmp_path, {"tagger.py": REWRITTEN_CONFIG.replace("REWRITE", extra)})
    found = _findings(files["tagger.py"])
    assert [f.code for f in found] == ["LST101"]
    assert "with the defaults cfg=TaggerConfig()" in found[0].message
    assert _torch_fails(files, "from tagger import Tagger, TaggerConfig\n"
                               "m = Tagger(TaggerConfig())",
                        "m(torch.zeros(2, 7, dtype=torch.long))")


def test_a_negative_factory_default_is_a_placeholder_not_a_size(tmp_path):
    files = _write(tmp_path, {"model.py": '''
        import torch.nn as nn


        class Net(nn.Module):
            def __init__(self, input_size, hidden):
                super().__init__()
                self.emb = nn.Linear(10, hidden)
                self.rnn = nn.LSTM(input_size, hidden, batch_first=True)

            def forward(self, x):
                h, _ = self.rnn(self.emb(x))
                return h

            @staticmethod
            def build(input_size=-1, hidden=64):
                # the caller fills input_size in from its data
                return Net(input_size, hidden)
    '''})
    assert _findings(files["model.py"]) == []


#: a one-LSTM model whose layer count and dropout are constructor parameters
LSTM_NET = '''
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self, hidden, num_layers=1, dropout=0.0):
            super().__init__()
            self.lstm = nn.LSTM(8, hidden, num_layers=num_layers, dropout=dropout,
                                batch_first=True)

        def forward(self, x):
            out, _ = self.lstm(x)
            return out
'''

KWARGS_FACTORY = LSTM_NET + '''
        @staticmethod
        def build(SIGNATURE):
            return Net(hidden, dropout=0.3, SPLAT)
'''


@pytest.mark.parametrize("signature, splat", [
    ("hidden=64, **overrides", "**overrides"),
    ("hidden=64, *more", "*more"),
])
def test_a_factory_that_forwards_what_its_caller_gives_is_no_configuration(tmp_path, signature,
                                                                          splat):
    """``Net.build(num_layers=2)`` elsewhere: the factory's ``**overrides`` (or ``*more``) may
    carry num_layers, so its defaults alone do not say the LSTM has one layer."""
    torch = pytest.importorskip("torch")
    code = KWARGS_FACTORY.replace("SIGNATURE", signature).replace("SPLAT", splat)
    files = _write(tmp_path, {"model.py": code})
    assert _findings(files["model.py"]) == []
    import warnings

    ns: dict = {}
    exec(textwrap.dedent(code), ns)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns on dropout with one layer: not here
        net = ns["Net"].build(num_layers=2) if "**" in splat else ns["Net"].build(64, 2)
    assert net.lstm.num_layers == 2 and tuple(net(torch.randn(2, 3, 8)).shape) == (2, 3, 64)


MUTATED_MODEL = LSTM_NET

MUTATED_TRAIN = '''
    import argparse

    from model import Net


    def finalize(args):
        if args.dropout > 0:
            args.layers = 2


    parser = argparse.ArgumentParser()
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--dropout", type=float, default=0.3)
    args = parser.parse_args([])
    CALL
    model = Net(args.hidden, num_layers=args.layers, dropout=args.dropout)
'''


@pytest.mark.parametrize("call, codes", [("finalize(args)", []), ("pass", ["LST501"])])
def test_a_configuration_a_called_function_stores_into_is_what_the_caller_builds_with(
        tmp_path, call, codes):
    """``finalize(args)`` sets ``args.layers = 2`` on the caller's namespace: the model is
    built with two layers, so its dropout is no LST501 (without the call it is)."""
    torch = pytest.importorskip("torch")
    files = _write(tmp_path, {"model.py": MUTATED_MODEL,
                              "train.py": MUTATED_TRAIN.replace("CALL", call)})
    found = _findings(files["model.py"])
    assert [f.code for f in found] == codes, [f.message for f in found]
    import sys
    import warnings

    sys.path.insert(0, str(tmp_path))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ns: dict = {"__name__": "train"}
            exec(textwrap.dedent(MUTATED_TRAIN.replace("CALL", call)), ns)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("model", None)
    assert ns["model"].lstm.num_layers == (2 if codes == [] else 1)
    assert any("dropout" in str(w.message) for w in caught) == bool(codes)
    assert torch is not None


DEFAULT_DROPOUT = '''
    import torch.nn as nn


    class Fixed(nn.Module):
        def __init__(self, hidden, dropout=0.3):
            super().__init__()
            self.lstm = nn.LSTM(8, hidden, dropout=dropout, batch_first=True)

        def forward(self, x):
            return self.lstm(x)[0]


    class Chosen(nn.Module):
        def __init__(self, hidden, num_layers=None, dropout=0.3):
            super().__init__()
            num_layers = num_layers or 1
            self.lstm = nn.LSTM(8, hidden, num_layers=num_layers, dropout=dropout,
                                batch_first=True)

        def forward(self, x):
            return self.lstm(x)[0]


    class Splat(nn.Module):
        def __init__(self, hidden, num_layers=None, dropout=0.3):
            super().__init__()
            kw = {"num_layers": num_layers or 1}
            self.lstm = nn.LSTM(8, hidden, dropout=dropout, batch_first=True, **kw)

        def forward(self, x):
            return self.lstm(x)[0]
'''


def test_a_finding_a_float_default_decides_names_it_and_its_fix_knows_who_chose():
    """dropout=0.3 is a default: the finding says so.  Fixed always has one layer (removing
    dropout is safe); Chosen's layers come from its caller (``Chosen(64, num_layers=2)``
    stacks two, where dropout acts): the fix is unsafe there."""
    import tempfile

    torch = pytest.importorskip("torch")
    with tempfile.TemporaryDirectory() as d:
        files = _write(Path(d), {"model.py": DEFAULT_DROPOUT})
        found = {f.line: f for f in _findings(files["model.py"])}
    assert sorted(found) == [8, 18, 29]
    for f in found.values():
        assert f.code == "LST501" and f.message.endswith("(with the default dropout=0.3)")
    assert found[8].fix is not None and found[8].fix["applicability"] == "safe"
    assert found[18].fix is not None and found[18].fix["applicability"] == "unsafe"
    assert found[29].fix is not None and found[29].fix["applicability"] == "unsafe"
    ns: dict = {}
    exec(textwrap.dedent(DEFAULT_DROPOUT), ns)
    assert ns["Chosen"](16, num_layers=2).lstm.dropout == 0.3
    assert tuple(ns["Chosen"](16, num_layers=2)(torch.randn(2, 3, 8)).shape) == (2, 3, 16)


SHARED_TRAIN = '''
    import argparse
    import copy

    from model import Net


    def finalize(args):
        FINALIZE


    def build(a, _=None):
        return Net(a.hidden, num_layers=a.layers, dropout=a.dropout)


    parser = argparse.ArgumentParser()
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--dropout", type=float, default=0.3)
    args = parser.parse_args([])
    BUILD
'''


@pytest.mark.parametrize("finalize, build, layers", [
    # an alias inside the callee
    ("a = args\n        a.layers = 2", "finalize(args)\n    model = build(args)", 2),
    # an alias in the caller, made before the call
    ("args.layers = 2", "cfg = args\n    finalize(args)\n    model = build(cfg)", 2),
    # a later argument's call stores into what an earlier argument holds
    ("args.layers = 2", "model = build(args, finalize(args))", 2),
    # through a comprehension's name
    ("args.layers = 2", "[finalize(a) for a in (args,)]\n    model = build(args)", 2),
    # a copy is stored into, not the caller's object: one layer, and torch warns
    ("args = copy.copy(args)\n        args.layers = 2", "finalize(args)\n    model = build(args)",
     1),
])
def test_a_store_into_a_configuration_reaches_every_holder_of_it(tmp_path, finalize, build,
                                                                 layers):
    pytest.importorskip("torch")
    train = SHARED_TRAIN.replace("FINALIZE", finalize).replace("BUILD", build)
    files = _write(tmp_path, {"model.py": MUTATED_MODEL, "train.py": train})
    found = _findings(files["model.py"])
    assert [f.code for f in found] == (["LST501"] if layers == 1 else []), \
        [f.message for f in found]
    import sys
    import warnings

    sys.path.insert(0, str(tmp_path))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ns: dict = {"__name__": "train"}
            exec(textwrap.dedent(train), ns)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("model", None)
    assert ns["model"].lstm.num_layers == layers
    assert any("dropout" in str(w.message) for w in caught) == (layers == 1)
