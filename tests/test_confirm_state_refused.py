"""A recurrent layer refusing, at its call, the state the code built for the batch, with the
two leading axes of its input the other way round: the layer's own answer on layouts,
wherever the finding's line is (LST201, LST204).  Before, a crash before the finding's line
left it unconfirmed ("the run stopped there without having gone through line 17")."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from types import SimpleNamespace

from lstm_lint.cli import main
from lstm_lint.evidence import RunError
from lstm_lint.evidence_state import state_refused_by_layer

RECURRENT = '''\
import torch.nn as nn


class Recurrent(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.nn = nn.LSTM(n_in, hidden, num_layers=2)
        self.fc = nn.Linear(hidden, 2)

    def forward(self, obs, state):
        # the stored state is (batch, layers, hidden)
        obs, (h, c) = self.nn(
            obs,
            (state["hidden"].transpose(0, 1).contiguous(),
             state["cell"].transpose(0, 1).contiguous()),
        )
        return self.fc(obs[:, -1])
'''


def test_the_users_inputs_are_no_evidence_of_a_swap(tmp_path: Path, capsys, monkeypatch):
    """The user's batch and length (5, 9) with their state: the refusal looks like batch and
    time the other way round, but the user sizes inputs to fit the model's constants, so a
    state of a fixed size equal to one of their axes cannot be told from a swap (review rv19:
    N_ENVS imported from a config module); only the confirmer's own inputs count."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "rec.py").write_text(RECURRENT)
    (tmp_path / ".git").mkdir()
    # the user's batch and length (5, 9), not the confirmer's: the verdict reads the layer's
    # own input, not lstm-lint's names for its axes
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""
        [tool.lstm-lint.confirm.Recurrent]
        args = {n_in = 4, hidden = 16}
        [[tool.lstm-lint.confirm.Recurrent.inputs]]
        spec = "float32[5,9,4]"
        [[tool.lstm-lint.confirm.Recurrent.inputs]]
        dict = {hidden = "float32[5,2,16]", cell = "float32[5,2,16]"}
        """))
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["--no-cache", "--confirm", "--format", "json", "pkg"]) == 1
    [f] = json.loads(capsys.readouterr().out)
    assert f["code"] == "LST201" and f["line"] == 17
    c = f["confirmation"]
    assert c["verdict"] == "unconfirmed", c
    assert c["evidence"].startswith(
        "running Recurrent raised RuntimeError at line 12: Expected hidden[0] size (2, 9, 16), "
        "got [2, 5, 16] (the run stopped there without having gone through line 17")


def _finding(text: str, message: str, line: int) -> SimpleNamespace:
    return SimpleNamespace(message=message, fm=SimpleNamespace(text=text), line=line)


def _run(line: int, message: str, x: list[int], env: dict[str, int] | None = None
         ) -> SimpleNamespace:
    return SimpleNamespace(error=RunError("RuntimeError", message, line),
                           raised_in={"line": line, "name": "LSTM", "args": [x, None]},
                           env=env or {"B": 3, "T": 7}, ops=[])


SWAPPED = "Expected hidden[0] size (1, 7, 16), got [1, 3, 16]"


def _refused(body: str, at: int, message: str = SWAPPED, x: list[int] | None = None,
             line: int = 4, after: str = "") -> bool:
    """``body``'s lines as a method of class Net (line numbers as in ``body``); ``after``:
    code after the class."""
    text = "class Net:\n  def forward(self, x, h, h0, t):\n" \
        + "".join(f"    {ln}\n" for ln in body.splitlines()) + after
    f = _finding(text, "LST204 self.rnn is built with batch_first=False ...", line + 2)
    run = _run(at + 2, message, x or [3, 7, 8])
    return state_refused_by_layer(f, [run]) is not None  # type: ignore[arg-type]


def test_only_a_layout_disagreement_of_a_layer_the_finding_names_counts():
    text = "x\nout, h = self.rnn(x, h0)\ny = self.other(x, h0)\nz = out[:, -1]\n"
    assert _refused(text, 2)
    # a state built for a fixed batch (LST305's bug): not the input's other leading axis
    assert not _refused(text, 2, "Expected hidden[0] size (1, 3, 16), got [1, 32, 16]",
                        [7, 3, 8])
    # another layer's call
    assert not _refused(text, 3)
    # layers and hidden sizes must agree: only the batch differs
    assert not _refused(text, 2, "Expected hidden[0] size (2, 7, 16), got [1, 3, 16]")


def test_a_crash_at_another_call_speaks_only_for_the_same_input():
    # the finding's own line calls the layer: only a crash there counts (the other call
    # may be given another tensor)
    text = "x\nif t:\n  y = self.rnn(x, h)\nelse:\n  y = self.rnn(x * 1.0, h)\n"
    assert not _refused(text, 5, line=3)
    assert _refused(text, 3, line=3)
    # two calls given different tensors: a crash at one says nothing of what the other made
    text = "a, h = self.rnn(x, h0)\nb, h = self.rnn(x.transpose(0, 1), h0)\nz = b\nw = b\n"
    assert not _refused(text, 1)
    # the same tensor at both calls
    text = "a, h = self.rnn(x)\nb, h = self.rnn(\n  x, h0)\nz = b\nw = b[:, -1]\n"
    assert _refused(text, 2)


def test_the_run_speaks_only_for_a_layer_of_the_findings_class_and_a_state_never_fixed():
    text = "x\nout, h = self.rnn(x, h0)\ny = 1\nz = out[:, -1]\n"
    # the crash at a layer of the same name in another class: another layer
    other = "class Other:\n  def forward(self, x, h0):\n    return self.rnn(x, h0)\n"
    assert _refused(text, 2, after=other)  # (its own call: yes)
    assert not _refused(text, 7, after=other)
    # the state's batch a constant of the class (batch_size=7) equal to the input's other
    # axis by chance: a fixed state, not a swap
    assert not _refused("x\nout, h = self.rnn(x, zeros(1, 7, 16))\ny = 1\nz = out[:, -1]\n",
                        2, "Expected hidden[0] size (1, 3, 16), got [1, 7, 16]")
    # only the layer's own input decides, never lstm-lint's names for the run's sizes: a step
    # input [3, 1, 8] refusing a state for 7 is a fixed batch, whatever B and T were
    assert not _refused(text, 2, "Expected hidden[0] size (1, 3, 16), got [1, 7, 16]",
                        [3, 1, 8])


S2VT = '''\
import torch
import torch.nn as nn


class S2VT(nn.Module):
    def __init__(self, dim_vid, hidden, steps):
        super().__init__()
        self.rnn1 = nn.{cell}(dim_vid, hidden)
        self.out = nn.Linear(hidden, 5)
        self.steps = steps
        self.dim_vid = dim_vid

    def forward(self, vid_feats):
        batch_size, n_frames, _ = vid_feats.shape
        padding = vid_feats.new_zeros(batch_size, 1, self.dim_vid)
        output1, state1 = self.rnn1(vid_feats)
        outs = []
        for i in range(self.steps):
            output1, state1 = self.rnn1(padding, state1)
            outs.append(self.out(output1.squeeze(1)))
        return torch.stack(outs, 1)
'''


def test_a_layer_refusing_the_state_its_own_earlier_call_made(tmp_path: Path, capsys):
    """xiadingZ's S2VTModel with a time-major GRU: the frames (named batch first) run, then
    a padding step built ``(batch_size, 1, dim)`` is refused the state the first call made
    for axis 1's 3 sequences; both inputs agree on axis 0, where the code keeps the batch.
    Both calls' findings are confirmed (before: unconfirmed, the crash was at another call
    given another tensor)."""
    for cell, state in (("GRU", "hidden"), ("LSTM", "hidden[0]")):
        path = tmp_path / f"s2vt_{cell}.py"
        path.write_text(S2VT.replace("{cell}", cell))
        assert main(["--no-cache", "--confirm", "--format", "json", str(path)]) == 1
        found = {f["line"]: f["confirmation"] for f in json.loads(capsys.readouterr().out)
                 if f["code"] == "LST204"}
        assert set(found) == {16, 19}, found
        for c in found.values():
            assert c["verdict"] == "confirmed", c
            assert c["evidence"].startswith(
                f"PyTorch raised RuntimeError at line 19, where self.rnn1 is called: Expected "
                f"{state} size (1, 1, 11), got [1, 3, 11] (the layer took its batch from axis 1 "
                "of both its inputs, [7, 3, 5] at line 16 and [7, 1, 5] here: the state its "
                "call at line 16 made for 3 sequences cannot go on with 1, while the two "
                "inputs agree on axis 0 (7), where the code keeps the batch"), c


def _cross_call(x1: list[int], h_n: list[int], x2: list[int],
                message: str = "Expected hidden size (1, 1, 11), got [1, 3, 11]",
                finding_line: int = 16, name: str = "self.rnn1") -> bool:
    text = S2VT.replace("{cell}", "GRU")
    f = _finding(text, f"LST204 {name} is built with batch_first=False and reads ...",
                 finding_line)
    run = SimpleNamespace(error=RunError("RuntimeError", message, 19),
                          raised_in={"line": 19, "name": "GRU", "args": [x2, [1, 3, 11]]},
                          env={"B": 3, "T": 7}, given_inputs=False, resized=None,
                          ops=[SimpleNamespace(op="call_module", line=16, name="GRU",
                                               module="GRU", args=[x1],
                                               out=[[*x1[:2], 11], h_n])])
    return state_refused_by_layer(f, [run]) is not None  # type: ignore[arg-type]


def test_only_the_layers_own_state_between_inputs_sharing_the_other_axis_counts():
    assert _cross_call([7, 3, 5], [1, 3, 11], [7, 1, 5])
    # the inputs share no axis: no axis the code keeps the batch on
    assert not _cross_call([7, 3, 5], [1, 3, 11], [6, 1, 5])
    # the state is not the one the earlier call made (its batch is another)
    assert not _cross_call([7, 3, 5], [1, 2, 11], [7, 1, 5])
    # the finding is at neither call, or names another layer
    assert not _cross_call([7, 3, 5], [1, 3, 11], [7, 1, 5], finding_line=20)
    assert not _cross_call([7, 3, 5], [1, 3, 11], [7, 1, 5], name="self.rnn2")
