"""--confirm runs a finding that lies in a branch the planned values do not take again, built
with the constructor values the branch's conditions ask for (real torch for the run)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from lstm_lint.cli import main
from lstm_lint.confirm_branches import branch_flags, state_method_call, wants_training

FLAGGED = '''\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, hidden=16, pooled=False, mode="last"):
        super().__init__()
        self.pooled = pooled
        self.mode = mode
        self.rnn = nn.LSTM(8, hidden, batch_first=True, bidirectional=True)
        self.head = nn.Linear(hidden, 3)

    def forward(self, x):
        y, _ = self.rnn(x)
        if self.pooled:
            return self.head(y.mean(1))
        if self.mode == "all":
            return y
        return y[:, -1]
'''


def test_a_finding_under_a_false_flag_is_run_with_the_flag_set(tmp_path: Path, capsys):
    path = tmp_path / "flagged.py"
    path.write_text(FLAGGED)
    assert main(["--no-cache", "--confirm", "--format", "json", str(path)]) == 1
    found = {f["line"]: f for f in json.loads(capsys.readouterr().out)}
    c = found[15]["confirmation"]
    assert found[15]["code"] == "LST101"
    # before: "the run of Net finished without reaching line 15" (pooled=False by default)
    assert c["verdict"] == "confirmed", c
    assert c["evidence"] == ("PyTorch raised RuntimeError at line 15: mat1 and mat2 shapes "
                             "cannot be multiplied (3x32 and 16x3); built with pooled=True, as "
                             "the conditions around line 15 ask (the run with the planned "
                             "values did not come to it)")
    # a finding the planned run reaches is judged by it, as before
    assert found[18]["confirmation"]["verdict"] == "confirmed"
    assert "built with" not in found[18]["confirmation"]["evidence"]


def _flags(body: str, line_text: str, init: str = "def __init__(self, a=False, b=True, "
           "mode='x', size=None):") -> dict:
    text = textwrap.dedent(f"""\
        class Net:
            {init}
                self.a = a
                self.b = b
                self.mode = mode
                self.size = size

            def forward(self, x):
        """) + textwrap.indent(textwrap.dedent(body), " " * 8)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if line_text in ln)
    return branch_flags(text, "Net", line)


def test_the_conditions_around_a_line_name_the_constructor_values():
    assert _flags("if self.a:\n    y = 1\n", "y = 1") == {"a": True}
    assert _flags("if not self.b:\n    y = 1\n", "y = 1") == {"b": False}
    assert _flags("if self.a and not self.b:\n    y = 1\n", "y = 1") == {"a": True, "b": False}
    assert _flags("if self.a or self.b:\n    pass\nelse:\n    y = 1\n", "y = 1") \
        == {"a": False, "b": False}
    assert _flags("if self.mode == 'lstm':\n    y = 1\n", "y = 1") == {"mode": "lstm"}
    assert _flags("if self.a:\n    pass\nelif self.mode != 'gru':\n    pass\nelse:\n"
                  "    y = 1\n", "y = 1") == {"a": False, "mode": "gru"}
    assert _flags("for i in x:\n    if self.b:\n        y = 1\n", "y = 1") == {"b": True}
    assert _flags("if self.size is None:\n    y = 1\n", "y = 1") == {"size": None}


def test_what_the_code_does_not_state_is_left_alone():
    # either of two flags would do: no single configuration
    assert _flags("if self.a or self.b:\n    y = 1\n", "y = 1") == {}
    # the truth of a value that is no flag (None by default): nothing to choose
    assert _flags("if self.size:\n    y = 1\n", "y = 1") == {}
    # another mode than one: nothing to choose
    assert _flags("if self.mode != 'x':\n    y = 1\n", "y = 1") == {}
    # a local name, not the constructor's
    assert _flags("if x.ndim == 3:\n    y = 1\n", "y = 1") == {}
    # conditions that contradict each other
    assert _flags("if self.a:\n    if not self.a:\n        y = 1\n", "y = 1") == {}
    # an attribute __init__ sets twice, or under a condition, is no parameter's own
    text = textwrap.dedent("""\
        class Net:
            def __init__(self, a=False, b=True):
                self.a = a
                if b:
                    self.a = not a

            def forward(self, x):
                if self.a:
                    y = 1
        """)
    assert branch_flags(text, "Net", 9) == {}
    assert branch_flags(text.replace("self.a = not a", "pass"), "Net", 9) == {"a": True}
    # a flag another method sets (forward resets it): the constructor does not decide it
    reset = text.replace("self.a = not a", "pass").replace(
        "    def forward(self, x):\n", "    def forward(self, x):\n        self.a = x > 0\n")
    assert branch_flags(reset, "Net", 10) == {}
    # a literal the run cannot be told (bytes): nothing (before: a crash serialising it)
    assert _flags("if self.mode == b'x':\n    y = 1\n", "y = 1") == {}


INIT_HIDDEN = Path(__file__).resolve().parent / "corpus" / "confirm" / "init_hidden_fixed_batch.py"


def test_a_state_method_forward_never_calls_is_called_before_it(tmp_path: Path, capsys):
    """``init_hidden(bsz)``, which the training loop calls (the word-language-model pattern):
    before, "the run of Stored finished without reaching line 15"."""
    assert main(["--no-cache", "--confirm", "--format", "json", str(INIT_HIDDEN)]) == 1
    found = {f["line"]: f["confirmation"] for f in json.loads(capsys.readouterr().out)}
    assert sorted(found) == [15, 16, 33, 34]
    # the state kept on self: forward's RNN refuses it
    for line in (15, 16):
        assert found[line]["verdict"] == "confirmed", found[line]
    assert found[15]["evidence"] == (
        "PyTorch raised RuntimeError at line 19: Expected hidden[0] size (2, 3, 16), got "
        "[2, 32, 16]; init_hidden(bsz=3) was called before forward, as a training loop calls "
        "it (forward never does)")
    # the state returned: which forward input takes it the code does not say (review rv20:
    # handing it over by a guess made another layer refuse it), so it never meets the RNN and
    # the shape the method built is only the finding's own claim
    for line in (33, 34):
        assert found[line]["verdict"] == "unconfirmed", found[line]
        assert found[line]["evidence"].endswith(
            "but no RNN refused a state it built (what it returned is handed to no input of "
            "forward's: which one takes it, the code does not say)")


def test_which_methods_are_called_for_the_batch():
    text = textwrap.dedent("""\
        class Net:
            def init_hidden(self, bsz, device=None):
                return 1

            def init_state(self, batch_size, layers):
                return 1

            def reset_hidden(self, x):
                return 1

            def helper(self, bs):
                return 1
        """)
    assert state_method_call(text, "Net", 3) == ("init_hidden", "bsz")
    assert state_method_call(text, "Net", 6) is None  # two values it needs
    assert state_method_call(text, "Net", 9) is None  # no batch size
    assert state_method_call(text, "Net", 12) is None  # no state method


TEACHER_FORCED = '''\
import torch
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden)
        self.out = nn.Linear(hidden, n_in)

    def forward(self, x):
        batch, steps, _ = x.shape
        state = (torch.zeros(1, batch, self.rnn.hidden_size),
                 torch.zeros(1, batch, self.rnn.hidden_size))
        outputs = []
        step = x[:, 0]
        for i in range(steps):
            if self.training:
                y, state = self.rnn(x[:, i].unsqueeze(1), state)
            else:
                y, state = self.rnn(step.unsqueeze(1), state)
            step = self.out(y[:, -1])
            outputs.append(step)
        return torch.stack(outputs, 1)
'''


def test_a_finding_under_if_self_training_is_run_in_training_mode(tmp_path: Path, capsys):
    """The teacher-forced call (line 19) only runs in training mode; the planned run, in eval
    mode, crashed at the other call (line 21) first (DeepADoTS' LSTMEDModule)."""
    path = tmp_path / "dec.py"
    path.write_text(TEACHER_FORCED)
    assert main(["--no-cache", "--confirm", "--format", "json", str(path)]) == 1
    found = {f["line"]: f["confirmation"] for f in json.loads(capsys.readouterr().out)}
    assert found[19]["verdict"] == "confirmed", found[19]
    assert "raised RuntimeError at line 19: Expected hidden[0] size" in found[19]["evidence"]
    assert "run in training mode, as the conditions around line 19 ask" \
        in found[19]["evidence"]
    assert found[21]["verdict"] == "confirmed"
    assert "training mode" not in found[21]["evidence"]


def test_which_lines_ask_for_training_mode():
    assert wants_training(TEACHER_FORCED, "Decoder", 19)
    assert not wants_training(TEACHER_FORCED, "Decoder", 21)  # the eval branch
    assert not wants_training(TEACHER_FORCED, "Decoder", 22)  # under no condition
    negated = TEACHER_FORCED.replace("if self.training:", "if not self.training:")
    assert not wants_training(negated, "Decoder", 19)
    assert wants_training(negated, "Decoder", 21)
    # a method that sets the mode itself: what it asks of it is its own
    reset = TEACHER_FORCED.replace("        outputs = []\n", "        self.training = False\n"
                                   "        outputs = []\n")
    assert not wants_training(reset, "Decoder", 20)
