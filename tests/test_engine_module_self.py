"""A module's in-place methods return the module itself (``self.encoder = self.encoder.to(device)``,
``nn.Embedding(...).cuda()``, ``.eval()``); and ``torch.distributed.rpc``: ``rpc.remote(to,
Cls, args=...)`` builds the module on a worker, ``rpc.rpc_sync(to, f, args=...)`` runs ``f``
there, ``rref.local_value()`` gives the module back.  Each case checked against torch (the RPC
one in a single-process RPC group, in a child process)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from test_engine_facts import _static_tree, run_both

from lstm_lint.analyze import analyze_module
from lstm_lint.lint import load
from lstm_lint.project import Project
from lstm_lint.shapes import from_json, parse_spec


def test_module_methods_that_return_the_module(tmp_path):
    static, real = run_both(tmp_path, '''
class Block(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.fc = nn.Linear(n, 2 * n)

    def forward(self, x):
        return self.fc(x)


class Net(nn.Module):
    def __init__(self, ntoken, ninp, hidden, device="cpu"):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        if torch.cuda.is_available():
            self.encoder = self.encoder.cuda()
        self.encoder = self.encoder.to(device)
        self.rnn = nn.LSTM(ninp, hidden, batch_first=True).to(device).train()
        self.block = Block(hidden).to(device).eval().requires_grad_(False)

    def forward(self, tokens):
        out, _ = self.rnn(self.encoder(tokens).cpu())
        return self.block(out)
''', {"ntoken": 9, "ninp": 4, "hidden": 5}, ["int64[3,7]"])
    assert static == (3, 7, 10) == real


RPC_MODEL = '''
import torch
import torch.nn as nn
import torch.distributed.rpc as rpc


def _call_method(method, rref, *args, **kwargs):
    return method(rref.local_value(), *args, **kwargs)


def _remote_method(method, rref, *args, **kwargs):
    return rpc.rpc_sync(rref.owner(), _call_method, args=[method, rref] + list(args),
                        kwargs=kwargs)


class Table(nn.Module):
    def __init__(self, ntoken, ninp):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)

    def forward(self, tokens):
        return self.encoder(tokens)


class Net(nn.Module):
    def __init__(self, ps, ntoken, ninp, nhid):
        super().__init__()
        self.table = rpc.remote(ps, Table, args=(ntoken, ninp))
        self.rnn = nn.GRU(ninp, nhid)

    def forward(self, tokens):
        emb = _remote_method(Table.forward, self.table, tokens)
        out, h = self.rnn(emb)
        return out, h
'''

RUN = '''
import json, os, socket, sys
import torch
import torch.distributed.rpc as rpc
s = socket.socket(); s.bind(("localhost", 0)); port = s.getsockname()[1]; s.close()
os.environ["MASTER_ADDR"] = "localhost"; os.environ["MASTER_PORT"] = str(port)
sys.path.insert(0, sys.argv[1])
rpc.init_rpc("ps", rank=0, world_size=1)
try:
    import model
    out, h = model.Net("ps", 9, 4, 6)(torch.randint(0, 9, (5, 3)))
    print(json.dumps([list(out.shape), list(h.shape)]))
finally:
    rpc.shutdown()
'''


def test_rpc_remote_module_followed(tmp_path):
    torch = pytest.importorskip("torch")
    if not torch.distributed.is_available() or not torch.distributed.rpc.is_available():
        pytest.skip("torch built without RPC")
    path = tmp_path / "model.py"
    path.write_text(textwrap.dedent(RPC_MODEL))
    (tmp_path / "run.py").write_text(textwrap.dedent(RUN))
    done = subprocess.run([sys.executable, str(tmp_path / "run.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.skip(f"single-process RPC could not start here: {done.stderr[-300:]}")
    real = [tuple(x) for x in json.loads(done.stdout.strip().splitlines()[-1])]
    fm = load(str(path), prefilter=False)
    cls = next(c for c in fm.module_classes() if c.name == "Net")
    ms = analyze_module(fm, cls, Project([str(path)]), [],
                        {"ps": from_json("ps"), "ntoken": from_json(9), "ninp": from_json(4),
                         "nhid": from_json(6)}, [parse_spec("int64[5,3]")])
    assert _static_tree(ms.output) == [(5, 3, 6), (1, 3, 6)] == real
