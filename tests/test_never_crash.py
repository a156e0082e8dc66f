"""The linter never crashes: generated Python programs and mutants of our own model corpora.

Every input goes through ``lstm-lint PATH --format json`` and ``lstm-lint shapes PATH --format
json`` in-process.  Each run must return 0 or 1 (2 means a usage or *internal* error, e.g. an
LST000 finding), raise nothing, print no traceback, and write valid JSON to stdout.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings

from lstm_lint.cli import main

#: hypothesmith compiles candidates; odd programs make CPython warn ("'int' object is not callable")
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

CORPUS = Path(__file__).parent / "corpus"
CORPUS_FILES = sorted([*(CORPUS / "shapes").glob("*.py"), *(CORPUS / "rules").glob("*.py")])

#: the full fuzz sizes run under the slow marker (.ci/run); the quick suite runs a sample
FUZZ = settings(max_examples=150, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much,
                                       HealthCheck.function_scoped_fixture])
#: hypothesmith's from_node() is ~5x slower to generate than from_grammar()
FUZZ_NODE = settings(FUZZ, max_examples=40)
FUZZ_QUICK = settings(FUZZ, max_examples=25)
FUZZ_NODE_QUICK = settings(FUZZ, max_examples=8)

MODEL_TEMPLATE = '''\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, n=4):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, batch_first=True)
        self.fc = nn.Linear(16, n)

{body}
    def forward(self, x):
        out, _ = self.lstm(x)
{forward}
        return self.fc(out[:, -1])
'''


# --------------------------------------------------------------------------- the check


@dataclass
class Run:
    argv: list[str]
    rc: int | None
    out: str
    err: str
    exc: str | None

    def problem(self) -> str | None:
        if self.exc is not None:
            return f"raised:\n{self.exc}"
        if self.rc not in (0, 1):
            return f"exit code {self.rc}; stdout: {self.out[:800]!r}; stderr: {self.err[:800]!r}"
        if "Traceback (most recent call last)" in self.err:
            return f"traceback on stderr:\n{self.err[:2000]}"
        try:
            json.loads(self.out)
        except ValueError as e:
            return f"stdout is not JSON ({e}): {self.out[:800]!r}"
        return None


def run_cli(argv: list[str]) -> Run:
    out, err = io.StringIO(), io.StringIO()
    rc: int | None = None
    exc: str | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings from libcst/compile on odd programs
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                rc = main(argv)
        except BaseException:  # noqa: B036 - a SystemExit or anything else is a crash here
            exc = traceback.format_exc()
    return Run(argv, rc, out.getvalue(), err.getvalue(), exc)


def problems_for(path: Path) -> list[str]:
    """Run both commands on ``path``; describe each failure."""
    found = []
    for argv in ([str(path), "--format", "json", "--isolated", "--no-cache"],
                 ["shapes", str(path), "--format", "json"]):
        p = run_cli(argv).problem()
        if p is not None:
            found.append(f"lstm-lint {' '.join(argv)}: {p}")
    return found


def check_source(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    found = problems_for(path)
    assert not found, "\n\n".join(found) + f"\n\n--- input ({path.name}) ---\n{text}"


def _indent(src: str, by: str) -> str:
    return "".join(by + line if line.strip() else line for line in src.splitlines(True))


def variants(src: str) -> dict[str, str]:
    """The program as is (made relevant to the pre-filter), and embedded in an LSTM model."""
    return {
        "plain.py": src + "\n# class LSTM\n",
        "in_forward.py": MODEL_TEMPLATE.format(body="", forward=_indent(src, " " * 8)),
        "in_class.py": MODEL_TEMPLATE.format(body=_indent(src, " " * 4), forward=""),
    }


# --------------------------------------------------------------------------- hypothesmith


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def check_program(fuzz_dir: Path, src: str) -> None:
    for name, text in variants(src).items():
        check_source(fuzz_dir / name, text)


@FUZZ_QUICK
@given(src=hypothesmith.from_grammar())
def test_grammar_programs_never_crash(fuzz_dir, src):
    check_program(fuzz_dir, src)


@FUZZ_NODE_QUICK
@given(src=hypothesmith.from_node())
def test_node_programs_never_crash(fuzz_dir, src):
    check_program(fuzz_dir, src)


@pytest.mark.slow
@FUZZ
@given(src=hypothesmith.from_grammar())
def test_grammar_programs_never_crash_full(fuzz_dir, src):
    check_program(fuzz_dir, src)


@pytest.mark.slow
@FUZZ_NODE
@given(src=hypothesmith.from_node())
def test_node_programs_never_crash_full(fuzz_dir, src):
    check_program(fuzz_dir, src)


# --------------------------------------------------------------------------- mutants

INT_RE = re.compile(r"(?<![\w.])\d+(?![\w.])")
#: two simple arguments of a call: f(a, b ...)
ARGS_RE = re.compile(r"\(\s*([^(),\[\]{}\n]+?)\s*,\s*([^(),\[\]{}\n]+?)\s*(?=[,)])")
INT_CHOICES = (0, 1, 2, 3, 4, 7, 16, 64, 100, 1000000, -1, -2)


def _lines(text: str) -> list[str]:
    return text.splitlines(True)


def m_delete_line(text: str, rng: random.Random) -> str:
    ls = _lines(text)
    if not ls:
        return text
    del ls[rng.randrange(len(ls))]
    return "".join(ls)


def m_duplicate_line(text: str, rng: random.Random) -> str:
    ls = _lines(text)
    if not ls:
        return text
    i = rng.randrange(len(ls))
    ls.insert(i, ls[i])
    return "".join(ls)


def m_swap_lines(text: str, rng: random.Random) -> str:
    ls = _lines(text)
    if len(ls) < 2:
        return text
    i = rng.randrange(len(ls) - 1)
    ls[i], ls[i + 1] = ls[i + 1], ls[i]
    return "".join(ls)


def m_change_int(text: str, rng: random.Random) -> str:
    hits = list(INT_RE.finditer(text))
    if not hits:
        return m_delete_line(text, rng)
    m = rng.choice(hits)
    return text[:m.start()] + str(rng.choice(INT_CHOICES)) + text[m.end():]


def m_swap_args(text: str, rng: random.Random) -> str:
    hits = list(ARGS_RE.finditer(text))
    if not hits:
        return m_swap_lines(text, rng)
    m = rng.choice(hits)
    a, b = m.group(1), m.group(2)
    return text[:m.start(1)] + b + text[m.end(1):m.start(2)] + a + text[m.end(2):]


def m_flip_bool(text: str, rng: random.Random) -> str:
    hits = list(re.finditer(r"\b(True|False)\b", text))
    if not hits:
        return m_change_int(text, rng)
    m = rng.choice(hits)
    return text[:m.start()] + ("False" if m.group() == "True" else "True") + text[m.end():]


def m_truncate_file(text: str, rng: random.Random) -> str:
    return text[:rng.randrange(len(text))] if text else text


def m_truncate_token(text: str, rng: random.Random) -> str:
    """Cut inside an identifier, number or string: the middle of a token."""
    hits = [m for m in re.finditer(r"\w{3,}|\"[^\"\n]{2,}\"|'[^'\n]{2,}'", text)]
    if not hits:
        return m_truncate_file(text, rng)
    m = rng.choice(hits)
    return text[:rng.randrange(m.start() + 1, m.end())]


MUTATIONS = {
    "delete_line": m_delete_line,
    "duplicate_line": m_duplicate_line,
    "swap_lines": m_swap_lines,
    "change_int": m_change_int,
    "swap_args": m_swap_args,
    "flip_bool": m_flip_bool,
    "truncate_file": m_truncate_file,
    "truncate_token": m_truncate_token,
}


def make_mutant(seed: int, op: str | None = None,
                files: list[Path] = CORPUS_FILES) -> tuple[Path, list[str], str]:
    """A deterministic mutant: (source file, operators applied, text)."""
    rng = random.Random(seed)
    src = rng.choice(files)
    text = src.read_text(encoding="utf-8")
    ops = [op] if op is not None else [rng.choice(sorted(MUTATIONS))]
    if rng.random() < 0.3:  # sometimes stack a second, structural mutation
        ops.append(rng.choice(("delete_line", "duplicate_line", "swap_lines", "change_int",
                               "swap_args", "flip_bool")))
    for name in ops:
        text = MUTATIONS[name](text, rng)
    return src, ops, text


MUTANTS_PER_OP = 40  # 8 operators: 320 mutants, each through check and shapes


def test_corpus_is_present():
    assert len(CORPUS_FILES) >= 50


@pytest.mark.parametrize("op", sorted(MUTATIONS))
def test_corpus_mutants_never_crash(tmp_path, op):
    failures = []
    for i in range(MUTANTS_PER_OP):
        seed = 1000 * (sorted(MUTATIONS).index(op) + 1) + i
        src, ops, text = make_mutant(seed, op)
        path = tmp_path / f"mutant_{i}.py"
        path.write_text(text, encoding="utf-8")
        found = problems_for(path)
        if found:
            failures.append(f"seed={seed} from {src.relative_to(CORPUS)} via {ops}:\n"
                            + "\n".join(found))
    assert not failures, f"{len(failures)} of {MUTANTS_PER_OP} mutants failed:\n\n" + \
        "\n\n".join(failures[:3])
