"""`lstm-lint graph`: pictures of the forward dataflow, drawn from the rules' own graph.

The seed's three models must show their inputs, layer calls, the last-step index and the
output, with every edge labelled by the shape that flowed (symbolic, or concrete under
``--args``/``--input``); a buggy model shows its finding's code on the node it points at;
the DOT is rendered by the real Graphviz.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lstm_lint.cli import main

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"

LAST_STEP = [
    ("input x", "self.lstm: LSTM", "(B, T, input_size)"),
    ("self.lstm: LSTM", "out[:, -1, :]", "(B, T, hidden_size)"),
    ("out[:, -1, :]", "self.fc: Linear", "(B, hidden_size)"),
    ("self.fc: Linear", "output", "(B, output_size)"),
]
ALL_STEPS = [
    ("input x", "self.lstm: LSTM", "(B, T, input_size)"),
    ("self.lstm: LSTM", "self.fc: Linear", "(B, T, hidden_size)"),
    ("self.fc: Linear", "output", "(B, T, output_size)"),
]
SEEDS = {
    "seed_last_step.py": ("[10,20,5]", True),
    "seed_all_steps.py": ("[10,20,5]", False),
    "seed_multilayer.py": ("[10,20,2,5]", True),
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    rc = main(["graph", *args])
    out = capsys.readouterr()
    return rc, out.out


def mermaid_edges(text: str) -> set[tuple[str, str, str]]:
    """(source text, target text, edge label): node texts up to the first <br>."""
    labels: dict[str, str] = {}
    for m in re.finditer(r'^\s+(m\d+_\w+)[(\[]+"(.*?)"[)\]]+$', text, re.M):
        labels[m.group(1)] = m.group(2).split("<br>")[0].replace("#quot;", '"')
    edges = set()
    for m in re.finditer(r'^\s+(\S+) -->\|"(.*?)"\| (\S+)$', text, re.M):
        edges.add((labels[m.group(1)], labels[m.group(3)], m.group(2)))
    return edges


def dot_edges(text: str) -> set[tuple[str, str, str]]:
    labels = {m.group(1): m.group(2).split("\\n")[0]
              for m in re.finditer(r'^\s+(m\d+_\w+) \[label="(.*?)"', text, re.M)}
    return {(labels[m.group(1)], labels[m.group(2)], m.group(3))
            for m in re.finditer(r'^\s+(\S+) -> (\S+) \[label="(.*?)"\];$', text, re.M)}


def has(edges: set[tuple[str, str, str]], src: str, dst: str, label: str) -> bool:
    return any(s.startswith(src) and d.startswith(dst) and lab == label
               for s, d, lab in edges)


@pytest.mark.parametrize("name", sorted(SEEDS))
@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_seed_models_symbolic(capsys: pytest.CaptureFixture[str], name: str, fmt: str) -> None:
    rc, text = run(capsys, str(EX / name), "--format", fmt)
    assert rc == 0
    edges = mermaid_edges(text) if fmt == "mermaid" else dot_edges(text)
    for src, dst, label in LAST_STEP if SEEDS[name][1] else ALL_STEPS:
        assert has(edges, src, dst, label), (src, dst, label, edges)
    if not SEEDS[name][1]:
        assert "-1" not in text
    assert "self.lstm: LSTM(input_size, hidden_size" in text
    assert "batch_first" in text
    assert "self.fc: Linear(hidden_size, output_size)" in text
    assert not re.search(r"LST\d{3}", text)  # no finding in the seed's models


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_models_concrete(capsys: pytest.CaptureFixture[str], name: str) -> None:
    args, last_step = SEEDS[name]
    rc, text = run(capsys, str(EX / name), "--args", args, "--input", "float32[32,50,10]")
    assert rc == 0
    edges = mermaid_edges(text)
    assert has(edges, "input x", "self.lstm", "(32, 50, 10)")
    if last_step:
        assert has(edges, "self.lstm", "out[:, -1, :]", "(32, 50, 20)")
        assert has(edges, "out[:, -1, :]", "self.fc", "(32, 20)")
        assert has(edges, "self.fc", "output", "(32, 5)")
    else:
        assert has(edges, "self.lstm", "self.fc", "(32, 50, 20)")
        assert has(edges, "self.fc", "output", "(32, 50, 5)")
    assert "LSTM(10, 20" in text


def test_finding_is_highlighted(capsys: pytest.CaptureFixture[str]) -> None:
    rc, text = run(capsys, str(EX / "forecaster.py"))
    assert rc == 0
    (node,) = [ln for ln in text.splitlines() if "LST201" in ln]
    node_id = node.split("(")[0].strip()
    assert "out[-1]" in node
    assert re.search(rf"^\s+class (\S+,)*{node_id}(,\S+)* finding$", text, re.M), text
    assert has(mermaid_edges(text), "self.lstm", "out[-1]", "(B, T, hidden_size)")
    assert has(mermaid_edges(text), "out[-1]", "self.head", "(T, hidden_size)")

    rc, dot = run(capsys, str(EX / "forecaster.py"), "--format", "dot")
    (node,) = [ln for ln in dot.splitlines() if "LST201" in ln]
    assert 'color="#d00000"' in node


def test_head_width_finding_on_bidirectional_classifier(
        capsys: pytest.CaptureFixture[str]) -> None:
    rc, text = run(capsys, str(EX / "bidirectional_classifier.py"))
    (node,) = [ln for ln in text.splitlines() if "LST101" in ln]
    assert "self.head: Linear(hidden_dim, num_classes)" in node
    assert "LSTM(embed_dim, hidden_dim, bidirectional, batch_first)" in text
    assert has(mermaid_edges(text), "cat", "self.dropout", "(B, 2*hidden_dim)")


def test_output_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    for fmt in ("mermaid", "dot"):
        outs = {run(capsys, str(EX), "--format", fmt)[1] for _ in range(3)}
        assert len(outs) == 1


def test_class_filter_and_output_file(capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path) -> None:
    dest = tmp_path / "tagger.mmd"
    rc, text = run(capsys, str(EX / "tagger.py"), "--class", "Tagger", "-o", str(dest))
    assert rc == 0 and text == ""
    assert dest.read_text().startswith("flowchart LR\n")
    assert main(["graph", str(EX / "tagger.py"), "--class", "Nope"]) == 2
    assert "no nn.Module class named 'Nope'" in capsys.readouterr().err


def test_mermaid_escapes_quotes_and_brackets() -> None:
    from lstm_lint.render import DEdge, Diagram, DNode, to_mermaid

    dg = Diagram('a "quoted" <title> #1', [DNode(0, "op", 'x["k"] | y'), DNode(-1, "output", "o")],
                 [DEdge(0, -1, "(B, T)")])
    text = to_mermaid([dg])
    assert '"x[#quot;k#quot;] #124; y"' in text
    assert '["a #quot;quoted#quot; #lt;title#gt; #35;1"]' in text
    assert '-->|"(B, T)"|' in text


def _dot_or_fail() -> str:
    """Graphviz's `dot`; without it the test is skipped, except under LSTM_LINT_REQUIRE_DOT=1
    (set by .ci/run, which installs Graphviz), where a missing `dot` is a failure."""
    exe = shutil.which("dot")
    if exe is None:
        reason = ("Graphviz's `dot` is not installed: install graphviz "
                  "(apt-get install -y graphviz, brew install graphviz) to run this test")
        if os.environ.get("LSTM_LINT_REQUIRE_DOT") == "1":
            pytest.fail(reason + " (LSTM_LINT_REQUIRE_DOT=1)")
        pytest.skip(reason)
    return exe


def test_dot_renders_with_graphviz(capsys: pytest.CaptureFixture[str]) -> None:
    exe = _dot_or_fail()
    rc, dot = run(capsys, str(EX), "--format", "dot")
    assert rc == 0
    proc = subprocess.run([exe, "-Tsvg"], input=dot.encode(), capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stderr == b"", proc.stderr.decode()  # no warnings either
    svg = proc.stdout.decode()
    assert "<svg" in svg and "self.lstm: LSTM" in svg


def test_svg_format(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _dot_or_fail()
    dest = tmp_path / "model.svg"
    rc, _ = run(capsys, str(EX / "bidirectional_classifier.py"), "--format", "svg",
                "-o", str(dest))
    assert rc == 0
    svg = dest.read_text()
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    assert "LST101" in svg and "(B, 2*hidden_dim)" in svg


def test_svg_without_graphviz_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    rc = main(["graph", str(EX / "forecaster.py"), "--format", "svg"])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and "graphviz" in err.lower()


def test_missing_dot_skips_unless_ci_requires_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh clone without Graphviz skips (with the reason); .ci/run turns that into a failure."""
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    monkeypatch.delenv("LSTM_LINT_REQUIRE_DOT", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Graphviz's `dot` is not installed"):
        _dot_or_fail()
    monkeypatch.setenv("LSTM_LINT_REQUIRE_DOT", "1")
    with pytest.raises(pytest.fail.Exception, match="LSTM_LINT_REQUIRE_DOT=1"):
        _dot_or_fail()


def test_ci_requires_dot() -> None:
    assert "LSTM_LINT_REQUIRE_DOT=1" in (ROOT / ".ci" / "run").read_text()


def test_dict_batches_and_rows_are_inputs(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    # each tensor of a dict batch, and each part of a tuple batch the code unpacks, is an
    # input node of its own, and a row of an input nothing solves (``for i, g in enumerate(x)``) is
    # linked to it: what a layer reads is traced back to the caller's data
    src = tmp_path / "batches.py"
    src.write_text('''
import torch.nn as nn

class DictNet(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)

    def forward(self, batch):
        out, _ = self.rnn(batch["x"])
        return out

class TupleNet(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, batch_first=True)

    def forward(self, inputs):
        x, lengths = inputs
        out, _ = self.rnn(x)
        return out

class RowNet(nn.Module):
    def __init__(self, n_in, hidden):
        super().__init__()
        self.rnn = nn.LSTM(n_in, hidden)

    def forward(self, x):
        outs = []
        for i, g in enumerate(x):
            out, _ = self.rnn(g.view(1, 1, -1))
            outs.append(out)
        return outs
''')
    rc, text = run(capsys, str(src), "--class", "DictNet")
    assert rc == 0
    assert has(mermaid_edges(text), 'input batch["x"]', "self.rnn", "(B, T, n_in)"), text
    rc, text = run(capsys, str(src), "--class", "TupleNet")
    assert rc == 0
    assert has(mermaid_edges(text), "input inputs[0]", "self.rnn", "(B, T, n_in)"), text
    rc, text = run(capsys, str(src), "--class", "RowNet")
    assert rc == 0
    edges = mermaid_edges(text)
    assert has(edges, "input x", "row", "unknown"), text
    assert has(edges, "row", "view", "unknown"), text
