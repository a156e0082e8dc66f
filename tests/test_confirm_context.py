"""--confirm judges a finding in the context it was reported in (real torch)."""

from __future__ import annotations

import json
from pathlib import Path

from lstm_lint.cli import main
from lstm_lint.confirm import confirm_file
from lstm_lint.confirm_evidence import Evidence
from lstm_lint.lint import Options, check_file, load
from lstm_lint.project import Project
from lstm_lint.rule import Finding

CONTEXT = Path(__file__).resolve().parent / "corpus" / "confirm" / "context"


def _confirm(path: Path) -> tuple[list[Finding], list[Evidence]]:
    fm = load(str(path))
    assert fm is not None and not isinstance(fm, Finding)
    project = Project([str(path)])
    res = check_file(fm, project, Options(script=True))
    assert res.analysis is not None
    ev, extra = confirm_file(res.analysis, res.findings, project, 60, "cpu")
    assert extra == []
    return res.findings, ev


def test_a_finding_in_a_childs_code_is_judged_by_the_parents_run():
    findings, ev = _confirm(CONTEXT / "through_parent.py")
    [f] = [f for f in findings if f.code == "LST101"]
    assert f.via == ("self.head (Head)",) and f.owner == "Tagger"
    assert f.confirmation is not None
    assert f.confirmation["verdict"] == "confirmed", f.confirmation
    assert f.confirmation["evidence"] == ("PyTorch raised RuntimeError at line 12: mat1 and "
                                          "mat2 shapes cannot be multiplied (3x22 and 11x3)")
    assert f.confirmation["context"] == "Tagger, which calls self.head (Head)"
    # the head alone is only built (nothing tells its input's shape): only the parent's run,
    # where the bidirectional LSTM feeds it, can decide
    [head] = [e for e in ev if e.key == "Head"]
    assert head.method == "build" and head.error is None
    [tagger] = [e for e in ev if e.key == "Tagger"]
    assert tagger.error is not None and tagger.error.line == 12


def test_a_finding_with_the_defaults_is_judged_with_the_defaults():
    findings, ev = _confirm(CONTEXT / "defaults_differ.py")
    [f] = findings
    assert f.code == "LST501" and f.configuration is not None
    assert f.configuration["kind"] == "defaults"
    assert f.confirmation is not None
    assert f.confirmation["verdict"] == "confirmed", f.confirmation
    assert "got dropout=0.3 and num_layers=1" in f.confirmation["evidence"]
    # the file's own call builds two layers: that run alone would refute it
    [own] = [e for e in ev if e.key == "Encoder"]
    assert own.ops[0].config["num_layers"] == 2
    [ctx] = [e for e in ev if e.key != "Encoder"]
    assert ctx.ops[0].config["num_layers"] == 1


def test_a_finding_as_built_by_a_script_beside_it_is_judged_as_that_script_builds_it(capsys):
    path = CONTEXT / "built_by_script" / "model.py"
    assert main(["--format", "json", "--confirm", str(path)]) == 1
    [f] = json.loads(capsys.readouterr().out)
    assert f["code"] == "LST501" and f["message"].endswith("(as built at train.py:20)")
    c = f["confirmation"]
    assert c["verdict"] == "confirmed", c
    # the configuration is train.py's own Config (dropout 0.4), evaluated among train.py's
    # definitions; the data it loads is absent: the vocabulary is a size (a prime), the
    # embeddings a placeholder the model never uses
    assert c["evidence"].startswith("PyTorch warned: dropout option adds dropout after all but "
                                    "last recurrent layer")
    assert "got dropout=0.4 and num_layers=1" in c["evidence"]
    assert "placeholder for 'embeddings'" in c["evidence"]
    assert c["context"].startswith("the call at train.py:20")
    assert c["built"] == ("the call at train.py:20, with vocab_size, embeddings not evaluable "
                          "there (a size gets a prime, anything else a placeholder)")


def test_cuda_calls_run_on_the_cpu_when_the_run_is_on_the_cpu(tmp_path, capsys):
    """No CUDA device, or ``--device cpu`` on a machine that has one (before, there the
    model's ``.cuda()`` moved its state to the GPU while the model ran on the CPU)."""
    src = tmp_path / "cuda_model.py"
    src.write_text(
        "import torch\n"
        "import torch.nn as nn\n\n\n"
        "class Net(nn.Module):\n"
        "    def __init__(self, n_in, hidden):\n"
        "        super().__init__()\n"
        "        self.hidden = hidden\n"
        "        self.lstm = nn.LSTM(n_in, hidden, batch_first=True)\n"
        "        self.fc = nn.Linear(hidden, 2)\n\n"
        "    def forward(self, x):\n"
        "        h0 = torch.zeros(1, x.size(0), self.hidden).cuda()\n"
        "        out, _ = self.lstm(x, (h0, h0))\n"
        "        return self.fc(out[-1])\n")
    assert main(["--format", "json", "--confirm", "--device", "cpu", str(src)]) == 1
    [f] = json.loads(capsys.readouterr().out)
    assert f["code"] == "LST201"
    c = f["confirmation"]
    assert c["verdict"] == "confirmed", c
    assert c["evidence"].endswith("; the model's .cuda() calls ran on the CPU, the run's "
                                  "device")


def test_a_finding_in_another_files_child_is_judged_at_that_files_lines(capsys):
    path = CONTEXT / "child_elsewhere" / "tagger.py"
    assert main(["--format", "json", "--confirm", str(path)]) == 1
    findings = json.loads(capsys.readouterr().out)
    # the crash passes through heads.py:11 (the finding) from tagger.py:15 (the call): it is
    # the finding's evidence, not an LST900 of its own
    assert [f["code"] for f in findings] == ["LST101", "LST202"]
    [f] = [f for f in findings if f["code"] == "LST101"]
    assert f["path"].endswith("heads.py") and f["line"] == 11
    c = f["confirmation"]
    assert c["verdict"] == "confirmed", c
    assert c["evidence"] == ("PyTorch raised RuntimeError at line 11: mat1 and mat2 shapes "
                             "cannot be multiplied (3x22 and 11x3)")
    assert c["context"] == "Tagger, which calls self.head (Head)"
