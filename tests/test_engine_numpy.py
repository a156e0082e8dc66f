"""NumPy arrays a model's layers are built from (a pretrained embedding's weights), each case
checked against real torch; and the sizes of an array of unknown shape unpacked by name."""

from __future__ import annotations

import textwrap

import pytest

from lstm_lint.lint import Options, lint_paths
from tests.test_engine_facts import run_both

HEADER = "import numpy as np\n"

# the weights of a pretrained embedding, an unknown word's row of zeros stacked on the table
PRETRAINED = '''
class Net(nn.Module):
    def __init__(self, table, hidden):
        super().__init__()
        table = np.asarray(table)  # (a table read from a file: its shape unknown)
        n_words, embed_size = table.shape
        unknown_word = np.zeros((1, embed_size))
        weights = torch.from_numpy(np.concatenate([unknown_word, table], axis=0).astype(np.float32))
        self.lookup = nn.Embedding(num_embeddings=n_words + 1,
                                   embedding_dim=embed_size).from_pretrained(weights)
        self.gru = nn.GRU(RNN_IN, hidden, bidirectional=True)

    def forward(self, tokens):
        return self.gru(self.lookup(tokens))[0]


def build(hidden=4):
    return Net(np.random.rand(9, 6), hidden)
'''


def _lint(tmp_path, src: str) -> list:
    path = tmp_path / "model.py"
    path.write_text("import torch\nimport torch.nn as nn\n" + HEADER + textwrap.dedent(src))
    return [f for r in lint_paths([str(path)], Options()) for f in r.findings]


def _torch_runs(src: str) -> bool:
    torch = pytest.importorskip("torch")
    import numpy as np

    ns: dict = {"torch": torch, "nn": torch.nn, "np": np}
    exec(textwrap.dedent(src), ns)
    try:
        ns["build"]()(torch.randint(0, 9, (5, 3)))
    except RuntimeError:
        return False
    return True


@pytest.mark.parametrize("rnn_in, codes", [("embed_size", []), ("embed_size + 1", ["LST101"])])
def test_an_embedding_built_from_a_numpy_table_is_as_wide_as_its_rows(tmp_path, rnn_in, codes):
    src = PRETRAINED.replace("RNN_IN", rnn_in)
    found = _lint(tmp_path, src)
    assert [f.code for f in found] == codes, [f.message for f in found]
    assert _torch_runs(src) == (not codes)
    if codes:
        assert "expects table.shape[1] + 1 input features" in found[0].message


def test_numpy_factories_and_joins_shape_what_torch_gets(tmp_path):
    pytest.importorskip("numpy")
    static, real = run_both(tmp_path, HEADER + '''
class Net(nn.Module):
    def __init__(self, n, width):
        super().__init__()
        rows = np.concatenate([np.zeros((1, width)), np.ones((n, width), dtype=np.float32)])
        self.table = torch.FloatTensor(rows)
        self.pad = torch.tensor(np.stack([np.full((width,), 2.0)] * 3, axis=1))
        self.peek = torch.from_numpy(np.zeros((n, width)).max(1))

    def forward(self, x):
        return self.table + x, self.pad, self.peek
''', {"n": 4, "width": 6}, ["float32[5,6]"])
    # NumPy's max returns the values only: the engine does not model it (unknown), never
    # torch's (values, indices)
    assert static == [(5, 6), (6, 3), None]
    assert real == [(5, 6), (6, 3), (4,)]


def test_sizes_unpacked_from_an_array_of_unknown_shape_are_sizes_of_their_own(tmp_path):
    # ``n, e = w.shape`` of an array read from a file: a layer built for another size shows
    # the constraint, one built for e + 1 is wrong for every e
    src = '''
class Net(nn.Module):
    def __init__(self, path, hidden=8):
        super().__init__()
        w = np.load(path)
        n, e = w.shape
        self.emb = nn.Embedding(n, e)
        self.rnn = nn.GRU(RNN_IN, hidden)

    def forward(self, x):
        return self.rnn(self.emb(x))[0]
'''
    assert _lint(tmp_path, src.replace("RNN_IN", "300")) == []
    assert _lint(tmp_path, src.replace("RNN_IN", "hidden")) == []
    assert _lint(tmp_path, src.replace("RNN_IN", "e")) == []
    found = _lint(tmp_path, src.replace("RNN_IN", "e + 1"))
    assert [f.code for f in found] == ["LST101"]
