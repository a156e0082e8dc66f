"""--confirm on script-style files: definitions only, and the file's own crash as evidence."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from lstm_lint.cli import main
from lstm_lint.confirm_defs import definitions, instantiation_sources
from lstm_lint.confirm_verdicts import script_verdict
from lstm_lint.findings import Finding, Related
from lstm_lint.positions import Span

SCRIPTS = Path(__file__).resolve().parent / "corpus" / "confirm" / "script"
CONFIRM = SCRIPTS.parent
MARK = re.compile(r"#\s*expect:\s*(LST\d{3})")
BUGGY = ["bidir_head.py", "h0_batch_first.py", "out_last_batch_first.py", "per_step_head.py",
         "first_layer_state.py", "config_crash.py", "needs_module_data.py"]


def _expected(path: Path) -> tuple[str, int]:
    for i, line in enumerate(path.read_text().splitlines(), 1):
        m = MARK.search(line)
        if m:
            return m.group(1), i
    raise AssertionError(path)


def test_script_style_findings_are_all_confirmed_with_their_evidence(capsys):
    code = main(["--format", "json", "--confirm", "--timeout", "60",
                 *[str(SCRIPTS / n) for n in BUGGY]])
    assert code == 1
    findings = json.loads(capsys.readouterr().out)
    for name in BUGGY:
        want, line = _expected(SCRIPTS / name)
        mine = [f for f in findings if f["path"].endswith(name)]
        hits = [f for f in mine if f["code"] == want and f["line"] == line]
        assert hits, (name, mine)
        for f in mine:  # every finding of the file, and no LST900 beside them
            c = f["confirmation"]
            assert c["verdict"] == "confirmed", (name, c)
            assert c["evidence"], (name, c)
    by_name = {f["path"].rsplit("/", 1)[-1]: f["confirmation"]["evidence"] for f in findings}
    # built from the file's own sizes; the head's crash is observed on the finding's line
    assert "mat1 and mat2" in by_name["bidir_head.py"]
    assert "index 0 selected 1 of the 2 layer-direction states" in by_name["first_layer_state.py"]
    # the file's call Net(data.vocab_size, cfg) taken argument by argument: cfg is the file's
    # own Config (hidden 14), the vocabulary loaded at module level is a size (a prime)
    assert by_name["config_crash.py"].startswith("PyTorch raised RuntimeError at line 29: "
                                                 "mat1 and mat2 shapes cannot be multiplied "
                                                 "(3x28 and 14x3)")
    # the class body needs a vocabulary the module builds: the definitions cannot run alone
    assert by_name["needs_module_data.py"].startswith(
        "the file's own module-level run raised RuntimeError at line 25: mat1 and mat2")


def test_correct_script_is_traced_without_running_its_module_level_code(tmp_path, capsys):
    path = tmp_path / "correct_with_marker.py"
    shutil.copy(SCRIPTS / "correct_with_marker.py", path)
    marker = tmp_path / "MODULE_LEVEL_RAN"
    assert main(["shapes", str(path), "--confirm", "--format", "json"]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    obs = entry["observed"]
    assert obs["verdict"] == "confirmed" and obs["method"] == "fx", obs
    assert obs["static"] == obs["observed"] == "(3, 4)"  # B=3, the file's own N_OUT=4
    assert main(["--confirm", "--format", "json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert not marker.exists(), "--confirm ran the file's module-level code"


def test_a_module_level_hang_does_not_stop_the_model_from_being_traced(capsys):
    code = main(["--format", "json", "--confirm", "--timeout", "20",
                 str(CONFIRM / "hangs_at_module_level.py")])
    assert code == 1
    [f] = json.loads(capsys.readouterr().out)
    assert f["confirmation"]["verdict"] == "confirmed", f


def _finding(code: str, line: int, related: int | None = None) -> Finding:
    f = Finding(code, "x", "error", f"{code} x", "m.py", None, None, line, 1, line, 2)
    if related is not None:
        f.related.append(Related("m.py", None, None, "here", Span(related, 1, related, 2)))
    return f


def test_the_files_own_crash_is_a_verdict_only_through_the_line_with_the_predicted_error():
    crash = {"error": {"type": "RuntimeError", "line": 40, "frames": [40, 22],
                       "message": "mat1 and mat2 shapes cannot be multiplied (4x128 and 64x3)"}}
    verdict, said = script_verdict(_finding("LST101", 22), crash)
    assert verdict == "confirmed"
    assert said == ("the file's own module-level run raised RuntimeError at line 40: mat1 and "
                    "mat2 shapes cannot be multiplied (4x128 and 64x3) (its traceback passes "
                    "through line 22)")
    # through the related line only
    assert script_verdict(_finding("LST101", 10, related=22), crash)[0] == "confirmed"
    # elsewhere, or an error of another kind, or a silent rule: evidence, not a verdict
    assert script_verdict(_finding("LST101", 30), crash) == (
        None, "the file's own module-level run raised RuntimeError at line 40: mat1 and mat2 "
        "shapes cannot be multiplied (4x128 and 64x3)")
    other = {"error": {"type": "FileNotFoundError", "line": 22, "frames": [22],
                       "message": "data.csv"}}
    assert script_verdict(_finding("LST101", 22), other)[0] is None
    assert script_verdict(_finding("LST201", 22), crash)[0] is None
    assert script_verdict(_finding("LST101", 22), {"failed": "timed out after 60 s"}) == (
        None, "the file's own module-level run: timed out after 60 s")


def test_definitions_keep_imports_classes_functions_and_configuration():
    src = '''\
import argparse
import torch
import torch.nn as nn
from dataclasses import dataclass

HIDDEN = 32
SIZES = {"a": HIDDEN * 2, "b": [1, 2]}
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
parser = argparse.ArgumentParser()
parser.add_argument("--hidden", type=int, default=HIDDEN)
args = parser.parse_args()


@dataclass
class Config:
    hidden: int = 8


cfg = Config(hidden=HIDDEN)
data = load_dataset("train.csv")
model = Net(HIDDEN).to(device)
x = torch.randn(3, 4)
out = model(x)
for epoch in range(10):
    train(model)
while True:
    pass
with open("log") as fh:
    fh.write("x")
print("done")
if __name__ == "__main__":
    main()
try:
    import numpy
except ImportError:
    numpy = None


def train(model):
    pass
'''
    kept, skipped = definitions(src, "s.py")
    kept_lines = [m.body[0].lineno for m in kept]
    assert kept_lines == [1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 15, 19, 33, 39]
    assert skipped == [20, 21, 22, 23, 24, 26, 28, 30, 31]


def test_instantiations_are_found_module_level_first():
    src = "def f():\n    m = Net(a, b)\n\nmodel = Net(3, cfg=Config(2), *xs)\n"
    calls = instantiation_sources(src, "Net")
    assert [(c["line"], c["module_level"]) for c in calls] == [(4, True), (2, False)]
    assert calls[0]["call"] == "__lstm_lint_args__(3, *xs, cfg=Config(2))"


@pytest.mark.parametrize("name", ["sleeps_forever.py", "allocates_forever.py"])
def test_module_level_misbehaviour_is_not_run_for_definitions(name):
    src = (CONFIRM / name).read_text()
    kept, skipped = definitions(src, name)
    assert skipped and all("while" in src.splitlines()[ln - 1] for ln in skipped)


def test_an_rnn_fed_the_wrong_layout_is_confirmed_from_an_fx_trace(capsys):
    path = CONFIRM.parent / "rules" / "lst204_stacked_rnn_layout_bug.py"
    code = main(["--format", "json", "--confirm", str(path)])
    assert code == 1
    [f] = json.loads(capsys.readouterr().out)
    assert f["confirmation"]["method"] == "fx"
    assert f["confirmation"]["evidence"] == ("stage2 received [3, 7, 13]: it reads axis 0 "
                                             "(the batch, B=3) as time")


def test_a_file_in_a_package_runs_its_relative_imports(capsys):
    path = CONFIRM / "pkg" / "model" / "net.py"
    assert main(["--format", "json", "--confirm", str(path)]) == 1
    [f] = json.loads(capsys.readouterr().out)
    assert f["confirmation"]["verdict"] == "confirmed", f
    assert "[3, 7, 12]" in f["confirmation"]["evidence"]  # HIDDEN = 12 from .util


def test_a_module_named_like_its_package_runs_its_relative_imports(capsys):
    path = CONFIRM / "pkg_shadow" / "shadow" / "shadow.py"
    assert main(["--format", "json", "--confirm", str(path)]) == 1
    [f] = json.loads(capsys.readouterr().out)
    assert f["confirmation"]["verdict"] == "confirmed", f
    assert "[3, 7, 12]" in f["confirmation"]["evidence"]  # HIDDEN = 12 from .util


def test_a_value_changed_after_its_assignment_is_not_taken_from_the_prelude():
    src = ("if __name__ == '__main__':\n"
           "    cfg = Config()\n"
           "    data = Dataset(cfg)\n"
           "    data.load('train.txt')\n"
           "    model = Net(cfg, len(data.vocab), data.vectors)\n")
    [call] = instantiation_sources(src, "Net")
    assert call["prelude"] == {"cfg": "Config()"}
    assert call["parts"] == {"args": ["cfg", "len(data.vocab)", "data.vectors"], "kwargs": {}}


def test_constants_from_finfo_are_definitions():
    kept, skipped = definitions("import torch\nEPS = torch.finfo(torch.float32).eps\n", "s.py")
    assert len(kept) == 2 and skipped == []
