"""A ``torch.cat`` along the features of parts some of which have an unknown width (the
caller's data): the join is at least as wide as its known parts together, so a layer built
for fewer features is wrong for every width of the others.  Each case checked against torch."""

from __future__ import annotations

import textwrap

import pytest

from lstm_lint.lint import Options, lint_paths

DECODER = '''
import torch
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self, time_hid=24, note_emb=8, notes_hid=12):
        super().__init__()
        self.time_gru = nn.GRU(note_emb, time_hid, batch_first=True)
        self.notes_gru = nn.GRU(NOTES_IN, notes_hid, batch_first=True)

    def forward(self, notes, teacher):
        summary, _ = self.time_gru(torch.zeros(notes.size(0), 1, 8))
        if teacher:
            token = notes[:, 0].unsqueeze(1)  # the caller's ground truth: width not known
        else:
            token = torch.zeros(notes.size(0), 1, 8)
        out, _ = self.notes_gru(torch.cat([summary, token], dim=-1))
        return out
'''


def _lint(tmp_path, src: str) -> list:
    path = tmp_path / "model.py"
    path.write_text(textwrap.dedent(src))
    return [f for r in lint_paths([str(path)], Options()) for f in r.findings]


def _torch_fails(src: str, call: str) -> bool:
    torch = pytest.importorskip("torch")
    ns: dict = {}
    exec(textwrap.dedent(src), ns)
    net = ns["Decoder"]()
    try:
        eval(call, {"net": net, "torch": torch})
    except RuntimeError:
        return True
    return False


@pytest.mark.parametrize("notes_in, codes", [
    ("time_hid + note_emb", []),
    ("notes_hid", ["LST101"]),  # 24 + the token's width arrive, 12 expected
    ("time_hid", []),  # 24 + the token's: more than 24 unless the token is empty
])
def test_a_join_wider_than_expected_by_its_known_parts_alone(tmp_path, notes_in, codes):
    src = DECODER.replace("NOTES_IN", notes_in)
    found = _lint(tmp_path, src)
    assert [f.code for f in found] == codes, [f.message for f in found]
    call = "net(torch.randn(3, 5, 8), True)"
    assert _torch_fails(src, call) == (notes_in != "time_hid + note_emb")
    if codes:
        assert "expects 12 input features (input_size) but receives at least 24" \
            in found[0].message


def test_the_floor_is_dropped_by_an_op_on_the_axis_and_by_a_join_with_a_narrower_branch(tmp_path):
    src = '''
    import torch
    import torch.nn as nn


    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(16, 4)
            self.proj = nn.Linear(16, 16)

        def forward(self, x, extra, wide):
            if wide:
                h = torch.cat([torch.zeros(x.size(0), 24), extra], dim=-1)
            else:
                h = extra
            return self.head(h), self.head(torch.cat([x, extra], dim=-1)[:, :16])
    '''
    assert _lint(tmp_path, src) == []


KEEPS = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class Decoder(nn.Module):
    def __init__(self, hid, feat):
        super().__init__()
        self.feat = feat  # the caller's module: its width is not known
        self.enc = nn.GRU(4, hid, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(0.1)
        self.rnn = nn.GRU(hid, hid, batch_first=True)

    def forward(self, x, feat):
        out, _ = self.enc(x)
        j = torch.cat([out, self.feat(feat)], dim=2)
        return self.rnn(STEP)
'''


@pytest.mark.parametrize("step", [
    "self.drop(j)", "F.dropout(j, 0.1, self.training)", "j.contiguous()", "torch.tanh(j)",
    "j.float()", "j.to(torch.float32)",
])
def test_an_op_that_keeps_every_axis_keeps_the_floor(tmp_path, step):
    """``self.rnn(self.dropout(torch.cat(...)))``, the usual idiom: the join's width floor
    (2*hid from the bidirectional part) reaches the layer through ops that keep every axis."""
    src = KEEPS.replace("STEP", step)
    found = _lint(tmp_path, src)
    assert [f.code for f in found] == ["LST101"], [f.message for f in found]
    assert "receives at least 2*hid" in found[0].message
    torch = pytest.importorskip("torch")
    nn = torch.nn
    ns: dict = {}
    exec(textwrap.dedent(src), ns)
    with pytest.raises(RuntimeError):
        ns["Decoder"](8, nn.Identity())(torch.randn(2, 3, 4), torch.randn(2, 3, 5))


def test_assigning_a_tensor_s_data_replaces_its_shape(tmp_path):
    """``h.data = h.data[..., :16]`` cuts the features in place: the layer after it sees 16."""
    src = '''
    import torch
    import torch.nn as nn


    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.GRU(8, 16, batch_first=True)
            self.fc = nn.Linear(16, 3)

        def forward(self, x):
            out, _ = self.enc(x)
            h = torch.cat([out, out], dim=-1)
            h.data = h.data[..., :16]
            return self.fc(h)
    '''
    assert _lint(tmp_path, src) == []
    torch = pytest.importorskip("torch")
    ns: dict = {}
    exec(textwrap.dedent(src), ns)
    assert ns["Decoder"]()(torch.randn(2, 3, 8)).shape == (2, 3, 3)
