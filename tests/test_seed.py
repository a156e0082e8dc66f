"""The seed article's three models: exact shapes, no findings; the per-step variant is flagged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lstm_lint.cli import main

EX = Path(__file__).resolve().parents[1] / "examples"
SEEDS = [
    ("seed_last_step.py", [10, 20, 5], [32, 5], ["B", "output_size"]),
    ("seed_all_steps.py", [10, 20, 5], [32, 50, 5], ["B", "T", "output_size"]),
    ("seed_multilayer.py", [10, 20, 2, 5], [32, 5], ["B", "output_size"]),
]


def _shapes(capsys, *argv: str):
    assert main(["shapes", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("name", "args", "concrete", "symbolic"), SEEDS)
def test_seed_shapes(capsys, name, args, concrete, symbolic):
    path = str(EX / name)
    [res] = _shapes(capsys, path)
    assert res["class"] == "MyLSTM"
    assert res["output"] == symbolic
    assert res["inputs"] == [{"name": "x", "shape": ["B", "T", "input_size"]}]
    [res] = _shapes(capsys, path, "--args", json.dumps(args), "--input", "float32[32,50,10]")
    assert res["output"] == concrete


@pytest.mark.parametrize("name", [s[0] for s in SEEDS])
def test_seed_models_are_clean(capsys, name):
    assert main([str(EX / name), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_seed_without_last_step_trained_per_sequence_is_flagged_at_the_head(capsys):
    path = EX / "seed_trained_per_step.py"
    assert main([str(path), "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in findings] == ["LST401"]
    lines = path.read_text().splitlines()
    assert lines[findings[0]["line"] - 1].strip() == "out = self.fc(out)"
    assert "(32, 50, 5)" in findings[0]["message"] and "(32,)" in findings[0]["message"]


def test_seed_text_shapes(capsys):
    assert main(["shapes", str(EX / "seed_last_step.py")]) == 0
    out = capsys.readouterr().out
    assert "forward(x: (B, T, input_size)) -> (B, output_size)" in out


EXPECTED_EXAMPLE_FINDINGS = {
    "bidirectional_classifier.py": ("LST101", "return self.head(self.dropout(summary))"),
    "forecaster.py": ("LST201", "last = out[-1]"),
    "tagger.py": ("LST301", "h0 = torch.zeros(words.size(0), self.num_layers, self.hidden_dim)"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_EXAMPLE_FINDINGS))
def test_buggy_examples(capsys, name):
    code, line_text = EXPECTED_EXAMPLE_FINDINGS[name]
    path = EX / name
    assert main([str(path), "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in findings] == [code]
    assert path.read_text().splitlines()[findings[0]["line"] - 1].strip() == line_text
