"""LST101's confirmation by the layer's own input check at another call counts only a call in
the finding's own class, the class as the analysis extracted it (its first and last line), not
as a scan of the file's text for ``class`` lines finds it: a class inside ``try``/``if``, or a
line at column 0 inside a method's string, gave the scan a wrong class or none (real torch)."""

from __future__ import annotations

import pytest
from test_confirm_related import RELATED, _confirmed
from test_confirm_table import _confirmed as table_confirmed
from test_confirm_table import _project as table_project


def test_another_class_s_crash_does_not_confirm_a_finding_when_the_classes_sit_in_a_try():
    """Both classes inside ``try:``: the scan found no class around either line (None for
    both, "the same class"), so the Encoder's own input check, raised at its ``self.nn`` call
    while the Tagger ran, confirmed the Tagger's finding at its own ``self.nn`` call."""
    findings, extra = _confirmed("same_layer_other_class_guarded.py")
    assert extra == []
    by_line = {f.line: f.confirmation for f in findings if f.code == "LST101"}
    assert set(by_line) == {12, 23}
    encoder, tagger = by_line[12], by_line[23]
    assert encoder is not None and encoder["verdict"] == "confirmed", encoder
    assert tagger is not None and tagger["verdict"] == "unconfirmed", tagger
    assert tagger["evidence"].startswith(
        "running Tagger raised RuntimeError at line 12: input.size(-1) must be equal to "
        "input_size. Expected 17, got 16 (the run stopped there without having gone through "
        "line 23")


def test_a_column_0_line_in_a_string_does_not_end_the_class(tmp_path, capsys, monkeypatch):
    """A string in ``forward`` whose line starts at column 0 ended the class for the scan: the
    finding's call (below it) was outside any class, the crash's call (above it) in the
    class, and the layer's own input check at its other call confirmed nothing."""
    text = (RELATED / "same_layer_other_call_column0.py").read_text()
    table_project(tmp_path, {"pkg/model.py": text}, """
        [tool.lstm-lint.confirm.Recurrent]
        inputs = ["float32[4,54]"]
        """)
    by_line = {f["line"]: f for f in table_confirmed(capsys, monkeypatch, tmp_path, "pkg")}
    c = by_line[23]["confirmation"]
    assert c["verdict"] == "confirmed", c
    assert c["evidence"].startswith(
        "PyTorch raised RuntimeError at line 18, where self.nn is called too: "
        "input.size(-1) must be equal to input_size. Expected 17, got 16")


NESTED = '''import torch
import torch.nn as nn


class Outer(nn.Module):
    class Inner(nn.Module):
        def __init__(self, hidden=16):
            super().__init__()
            self.proj = nn.Linear(hidden + 1, hidden)
            self.nn = nn.LSTM(hidden + 1, hidden, batch_first=True)

        def forward(self, x):
            out, _ = self.nn(self.proj(x))
            return out

    def __init__(self, hidden=16):
        super().__init__()
        self.enc = Outer.Inner(hidden)
        self.proj = nn.Linear(hidden + 1, hidden)
        self.nn = nn.LSTM(hidden + 1, hidden, batch_first=True)

    def forward(self, x):
        y = self.enc(x)
        out, _ = self.nn(self.proj(x))
        return out + y
'''


def test_a_nested_class_s_lines_are_its_own_not_the_outer_class_s(tmp_path):
    """Torch raises at the Inner's ``self.nn`` (line 13, 16 features for 17) while Outer
    runs: that line lies in Inner, the innermost class around it, not in Outer, so it cannot
    confirm Outer's own finding at its ``self.nn`` (line 24)."""
    torch = pytest.importorskip("torch")
    from lstm_lint.lint import load
    from lstm_lint.rules.lst101_feature_size_mismatch import class_around, class_spans

    ns: dict = {}
    exec(compile(NESTED, "nested.py", "exec"), ns)
    with pytest.raises(RuntimeError) as err:
        ns["Outer"]()(torch.randn(3, 7, 17))
    lines = [e.lineno + 1 for e in err.traceback if e.path == "nested.py" or
             str(e.path).endswith("nested.py")]
    assert lines[-1] == 13 and "Expected 17, got 16" in str(err.value)
    path = tmp_path / "nested.py"
    path.write_text(NESTED)
    spans = class_spans(load(str(path), prefilter=False))
    assert class_around(spans, 13) == 6  # class Inner
    assert class_around(spans, 24) == 5  # class Outer
