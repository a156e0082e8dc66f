"""States built in the branches of an ``if`` the analysis cannot decide (``if self.use_gpu``).

The joined value keeps only what the branches agree on; each branch's own value is kept beside
it (``Tensor.alts``) for facts that hold whatever the sizes: a branch that puts the batch on
the layers' axis of an RNN's initial state is wrong on the path through it.  A branch whose
sizes merely differ from the layer's (the branches may follow the layer's own configuration)
is never reported, and an op applied to the joined value forgets the branches.
"""

from __future__ import annotations

import textwrap

from lstm_lint.lint import Options, check_file, load
from lstm_lint.project import Project
from lstm_lint.symbolic import sym
from lstm_lint.values import BATCH, Shape, Tensor

HEADER = "import torch\nimport torch.nn as nn\n"


def _codes(tmp_path, body: str) -> list[tuple[str, int]]:
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(body))
    fm = load(str(path), None)
    res = check_file(fm, Project([str(path)]), Options())
    return [(f.code, f.line) for f in res.findings]


def test_batch_first_state_in_one_branch_is_reported_there(tmp_path):
    codes = _codes(tmp_path, """
        class Net(nn.Module):
            def __init__(self, n_in, hidden, flag):
                super().__init__()
                self.hidden = hidden
                self.on_gpu = flag == "cuda"
                self.lstm = nn.LSTM(n_in, hidden, batch_first=True)

            def forward(self, x):
                if self.on_gpu:
                    h = torch.zeros(1, x.size(0), self.hidden).cuda()
                else:
                    h = torch.zeros(x.size(0), 1, self.hidden)
                c = torch.zeros(1, x.size(0), self.hidden)
                return self.lstm(x, (h, c))[0]
        """)
    assert codes == [("LST301", 15)]  # the else branch's torch.zeros


def test_branches_that_differ_in_sizes_only_are_silent(tmp_path):
    # the number of layers follows a choice the analysis cannot decide, in the layer and in
    # the state alike: each branch is right with its own layer
    codes = _codes(tmp_path, """
        class Net(nn.Module):
            def __init__(self, n_in, hidden, depth):
                super().__init__()
                self.hidden = hidden
                self.deep = depth == "deep"
                if self.deep:
                    self.gru = nn.GRU(n_in, hidden, 2, batch_first=True)
                else:
                    self.gru = nn.GRU(n_in, hidden, 1, batch_first=True)

            def forward(self, x):
                if self.deep:
                    h = torch.zeros(2, x.size(0), self.hidden)
                else:
                    h = torch.zeros(1, x.size(0), self.hidden)
                return self.gru(x, h)[0]
        """)
    assert codes == []


def test_an_op_on_the_joined_tensor_forgets_the_branches():
    a = Tensor(Shape((sym("B"), sym("L"), sym("H"))), "float", (BATCH, None, None))
    b = Tensor(Shape((sym("L"), sym("B"), sym("H"))), "float", (None, BATCH, None))
    from lstm_lint.interp.joins import join

    joined = join(a, b)
    assert isinstance(joined, Tensor) and joined.alts == (a, b)
    assert joined.with_(shape=Shape((None, None, sym("H")))).alts == ()
