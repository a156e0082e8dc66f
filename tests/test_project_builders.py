"""Where a project builds its model, as real training scripts write it: in one branch of an
``if`` / ``else`` (the other loads a checkpoint), with the recurrent layers wrapped the way
AWD-LSTM's ``WeightDrop`` wraps them (a method of the built layer replaced)."""

from __future__ import annotations

import pytest

from tests.test_project_configurations import _findings, _torch_fails, _write

MODEL = '''
    import torch
    import torch.nn as nn


    class WeightDrop(nn.Module):
        def __init__(self, module, weights, dropout=0.0):
            super().__init__()
            self.module = module
            self.weights = weights
            self.dropout = dropout
            self._setup()

        def noop(self, *args, **kwargs):
            return

        def _setup(self):
            if issubclass(type(self.module), nn.RNNBase):
                self.module.flatten_parameters = self.noop

        def forward(self, *args):
            return self.module.forward(*args)


    class RNNModel(nn.Module):
        def __init__(self, ntoken, ninp, nhid, nlayers, wdrop=0.5):
            super().__init__()
            self.encoder = nn.Embedding(ntoken, ninp)
            self.rnns = [nn.LSTM(FIRST_IN if l == 0 else nhid, nhid, 1) for l in range(nlayers)]
            if wdrop:
                self.rnns = [WeightDrop(rnn, ["weight_hh_l0"], dropout=wdrop) for rnn in self.rnns]
            self.rnns = nn.ModuleList(self.rnns)
            size = 0
            for p in self.parameters():
                size += p.nelement()

        def forward(self, input):
            out = self.encoder(input)
            for rnn in self.rnns:
                out, _ = rnn(out)
            return out
'''

MAIN = '''
    import argparse

    import torch

    import model

    parser = argparse.ArgumentParser()
    parser.add_argument("--emsize", type=int, default=40)
    parser.add_argument("--nhid", type=int, default=60)
    parser.add_argument("--nlayers", type=int, default=2)
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()

    if args.resume:
        model = torch.load("model.pt")
    else:
        model = model.RNNModel(100, args.emsize, args.nhid, args.nlayers)
'''


@pytest.mark.parametrize("first_in, codes", [("ninp", []), ("nhid", ["LST101"])])
def test_a_model_built_in_the_else_branch_of_a_script_with_wrapped_layers(tmp_path, first_in,
                                                                            codes):
    files = _write(tmp_path, {"model.py": MODEL.replace("FIRST_IN", first_in),
                              "main.py": MAIN})
    found = _findings(files["model.py"])
    assert [f.code for f in found] == codes, [f.message for f in found]
    fails = _torch_fails(files, "import model as m; net = m.RNNModel(100, 40, 60, 2)",
                         "net(torch.randint(0, 100, (7, 3)))")
    assert fails == bool(codes)
    if codes:
        assert found[0].message.endswith("(as built at main.py:18)")
        assert "expects 60 input features (input_size) but receives 40" in found[0].message


@pytest.mark.parametrize("condition, codes", [
    ("args.nlayers > 1", []),  # true with the defaults: the checkpoint is loaded
    ("args.nlayers > 5", ["LST101"]),
    ("len(open('x').read()) > 3", ["LST101"]),  # not known: either branch
])
def test_each_branch_of_a_script_s_if_is_run_as_its_condition_says(tmp_path, condition, codes):
    main = MAIN.replace("args.resume", condition)
    files = _write(tmp_path, {"model.py": MODEL.replace("FIRST_IN", "nhid"), "main.py": main})
    assert [f.code for f in _findings(files["model.py"])] == codes


SPLIT_CONSTANT = '''
    import torch
    import torch.nn as nn

    USE_GLOVE = False
    if USE_GLOVE:
        EMB_DIM = 300
    else:
        EMB_DIM = EMB_ELSE


    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(EMB_DIM, 64, batch_first=True)
            self.fc = nn.Linear(64, 2)

        def forward(self, x):
            out, (h, c) = self.lstm(x)
            return self.fc(h[-1])


    model = Classifier()
    print(model(torch.randn(8, 20, INPUT_WIDTH)).shape)
'''


@pytest.mark.parametrize("emb_else, width, codes", [
    ("100", "EMB_DIM", []),  # the script and the class both take the else branch: correct
    ("300", "EMB_DIM", []),
    ("300", "100", ["LST101"]),  # both branches agree on 300, the script feeds 100
])
def test_a_constant_the_branches_of_an_if_bind_differently_is_not_the_first_branch_s(
        tmp_path, emb_else, width, codes):
    """The script runs the ``else`` branch (its condition is known false); a class reading
    ``EMB_DIM`` must not take the first branch's 300 against the 100 the script builds its
    input with (a false LST101 a review found)."""
    text = SPLIT_CONSTANT.replace("EMB_ELSE", emb_else).replace("INPUT_WIDTH", width)
    files = _write(tmp_path, {"net.py": text})
    assert [f.code for f in _findings(files["net.py"])] == codes
    torch = pytest.importorskip("torch")
    ns: dict = {"__name__": "net"}
    if codes:
        with pytest.raises(RuntimeError):
            exec(compile(files["net.py"].read_text(), "net.py", "exec"), ns)
    else:
        exec(compile(files["net.py"].read_text(), "net.py", "exec"), ns)
    assert torch is not None
