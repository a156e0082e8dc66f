"""Engine facts of the ops that pick or encode elements: ``narrow`` with its arguments by
keyword, ``F.one_hot`` and ``masked_select``; each checked against real torch."""

from __future__ import annotations

from test_engine_facts import run_both, solved_run


def test_narrow_reads_its_arguments_by_keyword(tmp_path):
    # narrow(dim=, start=, length=) as the positional form: the axis keeps ``length``
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.rnn = nn.GRU(4, hidden, batch_first=True)

    def forward(self, x):
        out, _ = self.rnn(x)
        return (out.narrow(dim=2, start=1, length=3), out.narrow(1, 2, length=4),
                torch.narrow(out, 1, 0, 2), out.narrow(dim=1, start=0, length=out.size(1) - 1))
''', {"hidden": 6}, ["float32[3,7,4]"])
    assert static == real == [(3, 7, 3), (3, 4, 6), (3, 2, 6), (3, 6, 6)]


def test_narrow_without_its_length_stays_unknown(tmp_path):
    # a call torch rejects (no length) is no shape the engine makes up
    static, _real = run_both(tmp_path, '''
class Net(nn.Module):
    def forward(self, x):
        try:
            return x.narrow(1, 0)
        except TypeError:
            return x
''', {}, ["float32[3,7,4]"])
    assert static is None


def test_one_hot_adds_an_axis_of_num_classes(tmp_path):
    # by position or keyword; without num_classes (or -1) the axis is the data's largest
    # value plus one: its rank is known, its size not
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def __init__(self, n_labels):
        super().__init__()
        self.n_labels = n_labels
        self.proj = nn.Linear(n_labels, 5)

    def forward(self, label, tokens):
        onehot = F.one_hot(label % self.n_labels, self.n_labels).float()
        return (onehot, self.proj(onehot), F.one_hot(tokens, num_classes=9),
                torch.nn.functional.one_hot(tokens % 3, -1), F.one_hot(tokens % 2))
''', {"n_labels": 4}, ["int64[3]", "int64[3,7]"])
    assert real[:3] == [(3, 4), (3, 5), (3, 7, 9)]
    assert static[:3] == real[:3]
    assert static[3] == (3, 7, None) and real[3][:2] == (3, 7)
    assert static[4] == (3, 7, None) and real[4][:2] == (3, 7)


def test_one_hot_of_an_input_solved_later(tmp_path):
    # the labels' shape solved by the embedding and LSTM that read them after the encoding:
    # the encoding has the classes last
    inputs, out = solved_run(tmp_path, '''
class Net(nn.Module):
    def __init__(self, vocab, hidden, n_cls):
        super().__init__()
        self.n_cls = n_cls
        self.emb = nn.Embedding(vocab, hidden)
        self.rnn = nn.LSTM(hidden, hidden, batch_first=True)

    def forward(self, tokens):
        ids = tokens.long().abs()  # (the test feeds random floats)
        onehot = F.one_hot(ids % self.n_cls, self.n_cls)
        out, _ = self.rnn(self.emb(ids % 11))
        return out, onehot.float()
''', {"vocab": 11, "hidden": 6, "n_cls": 3, "B": 2, "T": 5})
    assert inputs == ["(B, T)"]
    assert out == "((B, T, hidden), (B, T, n_cls))"


def test_masked_select_gives_one_axis_of_unknown_size(tmp_path):
    # as many elements as the (broadcast) mask holds True values: one axis, the data's count;
    # a view with the other sizes given then knows them
    static, real = run_both(tmp_path, '''
class Net(nn.Module):
    def forward(self, keys, lengths):
        mask = lengths > 0
        picked = torch.masked_select(keys, mask.view(-1, 1, 1))
        return picked, picked.view(-1, keys.size(1), keys.size(2)), keys.masked_select(keys > 0)
''', {}, ["float32[3,7,4]", "int64[3]"])
    assert static == [(None,), (None, 7, 4), (None,)]
    assert len(real[0]) == 1 and real[1][1:] == (7, 4) and len(real[2]) == 1
