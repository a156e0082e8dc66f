"""Shape corpus: team-written PyTorch models checked against real torch.

Each file in ``tests/corpus/shapes`` defines one or two ``nn.Module`` classes and
a module-level ``CASE`` dict naming the class to check, its constructor
arguments and one input spec per forward argument (the spec language of
DESIGN.md section 3, "Shapes").

* ``test_corpus_is_well_formed`` checks the corpus itself without running it.
* ``test_corpus_runs_in_torch[file]`` builds and runs every model in real torch.
* ``test_engine_matches_torch[file]`` runs ``lstm-lint shapes`` in-process and
  compares its concrete output with the shape torch produced.  Cases with an
  ``unknown_reason`` must come back unknown (null, or with a symbolic dim).
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import re
from pathlib import Path

import pytest
import torch

CORPUS_DIR = Path(__file__).parent / "corpus" / "shapes"
CORPUS_FILES = sorted(CORPUS_DIR.glob("[0-9][0-9]_*.py"))
MIN_CORPUS_FILES = 30

REQUIRED_KEYS = {"class", "args", "inputs", "unknown_reason"}
OPTIONAL_KEYS = {"lengths_arg", "time"}
LENGTHS_ARG_NAMES = {"lengths", "lens", "seq_lengths"}

FLOAT_DTYPES = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
}
INT_DTYPES = {
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
}
TENSOR_SPEC = re.compile(r"^\s*([a-z0-9]+)\[([0-9,\s]*)\]\s*$")

# --------------------------------------------------------------------------- CASE


def read_case(path: Path) -> dict:
    """Return the module-level ``CASE`` literal of a corpus file, without importing it."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "CASE"
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{path.name}: no module-level CASE = {{...}} literal")


def case_id(path: Path) -> str:
    return path.stem


# ---------------------------------------------------------------------- input specs


def split_top_level(text: str) -> list[str]:
    """Split ``text`` at commas that are not nested in brackets or parentheses."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return parts


def tensor_spec(spec: str) -> tuple[str, list[int]] | None:
    """``"float32[4,9,10]"`` -> ``("float32", [4, 9, 10])``; None if not a tensor spec."""
    match = TENSOR_SPEC.match(spec)
    if match is None:
        return None
    dims = [int(d) for d in match.group(2).split(",") if d.strip()]
    return match.group(1), dims


def make_lengths(batch: int, time: int) -> torch.Tensor:
    """Descending valid lengths whose maximum equals the padded time size."""
    return torch.tensor([max(1, time - i) for i in range(batch)], dtype=torch.int64)


def make_input(spec: str, *, is_lengths: bool = False, time: int | None = None):
    """Build a real argument from one input spec."""
    spec = spec.strip()
    if spec == "none":
        return None
    parsed = tensor_spec(spec)
    if parsed is not None:
        dtype_name, dims = parsed
        if is_lengths:
            assert len(dims) == 1, f"lengths spec must be 1-D, got {spec!r}"
            assert time is not None, "a lengths argument needs CASE['time']"
            return make_lengths(dims[0], time)
        if dtype_name in FLOAT_DTYPES:
            return torch.randn(*dims, dtype=FLOAT_DTYPES[dtype_name])
        if dtype_name in INT_DTYPES:
            return torch.randint(0, 3, dims, dtype=INT_DTYPES[dtype_name])
        if dtype_name == "bool":
            return torch.randint(0, 2, dims).bool()
        raise AssertionError(f"unknown dtype in input spec {spec!r}")
    if spec.startswith("(") and spec.endswith(")"):
        return tuple(make_input(part) for part in split_top_level(spec[1:-1]))
    return json.loads(spec)


def lengths_index(case: dict, forward) -> int | None:
    """Index of the lengths argument: CASE['lengths_arg'] or a parameter named like one."""
    if "lengths_arg" in case:
        return case["lengths_arg"]
    params = [p for p in inspect.signature(forward).parameters if p != "self"]
    for index, name in enumerate(params):
        if name in LENGTHS_ARG_NAMES:
            return index
    return None


# --------------------------------------------------------------------------- shapes


def shape_of(value) -> list | None:
    """A tensor -> list of ints; a tuple/list -> list of element shapes; else None."""
    if isinstance(value, torch.Tensor):
        return [int(d) for d in value.shape]
    if isinstance(value, (tuple, list)):
        return [shape_of(item) for item in value]
    return None


def has_unknown(shape) -> bool:
    """True if an engine output is null or carries any non-int (symbolic) dim."""
    if shape is None or isinstance(shape, str):
        return True
    if isinstance(shape, list):
        return any(has_unknown(item) for item in shape)
    return not isinstance(shape, int) or isinstance(shape, bool)


def conflicting_dims(engine, real) -> list[str]:
    """Int dims the engine claims that disagree with torch, where the structures line up."""
    if isinstance(engine, list) and isinstance(real, list) and len(engine) == len(real):
        conflicts: list[str] = []
        for index, (e, r) in enumerate(zip(engine, real, strict=True)):
            for conflict in conflicting_dims(e, r):
                conflicts.append(f"[{index}]{conflict}")
        return conflicts
    if isinstance(engine, int) and not isinstance(engine, bool) and isinstance(real, int):
        return [] if engine == real else [f": engine {engine} != torch {real}"]
    return []


def load_module(path: Path):
    name = f"shapes_corpus_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, f"cannot import {path}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def torch_output_shape(path: Path) -> list | None:
    """Build the CASE model in real torch, run it once and return its output shape."""
    module = load_module(path)
    case = module.CASE
    cls = getattr(module, case["class"])
    torch.manual_seed(0)
    args = case["args"]
    model = cls(**args) if isinstance(args, dict) else cls(*args)
    model.eval()

    specs = case["inputs"]
    lengths_at = lengths_index(case, model.forward)
    inputs = [
        make_input(spec, is_lengths=(index == lengths_at), time=case.get("time"))
        for index, spec in enumerate(specs)
    ]
    with torch.no_grad():
        output = model(*inputs)
    return shape_of(output)


# ---------------------------------------------------------------------------- tests


def test_corpus_is_well_formed():
    assert len(CORPUS_FILES) >= MIN_CORPUS_FILES, (
        f"expected at least {MIN_CORPUS_FILES} corpus files in {CORPUS_DIR}, "
        f"found {len(CORPUS_FILES)}"
    )
    problems: list[str] = []
    for path in CORPUS_FILES:
        if not re.fullmatch(r"\d\d_[a-z0-9_]+\.py", path.name):
            problems.append(f"{path.name}: name is not NN_short_name.py")
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        classes = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
        for node in tree.body:
            allowed = (ast.Import, ast.ImportFrom, ast.ClassDef, ast.FunctionDef, ast.Assign)
            docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            if not isinstance(node, allowed) and not docstring:
                problems.append(f"{path.name}:{node.lineno}: module-level code that runs")
            if isinstance(node, ast.Assign):
                try:
                    ast.literal_eval(node.value)
                except ValueError:
                    problems.append(f"{path.name}:{node.lineno}: non-literal module assignment")
        try:
            case = read_case(path)
        except (AssertionError, ValueError) as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        missing = REQUIRED_KEYS - case.keys()
        extra = case.keys() - REQUIRED_KEYS - OPTIONAL_KEYS
        if missing:
            problems.append(f"{path.name}: CASE lacks {sorted(missing)}")
        if extra:
            problems.append(f"{path.name}: CASE has unknown keys {sorted(extra)}")
        if case.get("class") not in classes:
            problems.append(f"{path.name}: CASE class {case.get('class')!r} not defined here")
        if not isinstance(case.get("args"), (list, dict)):
            problems.append(f"{path.name}: CASE args must be a list or a dict")
        inputs = case.get("inputs")
        if not (isinstance(inputs, list) and all(isinstance(s, str) for s in inputs)):
            problems.append(f"{path.name}: CASE inputs must be a list of spec strings")
        reason = case.get("unknown_reason")
        if reason is not None and not (isinstance(reason, str) and reason.strip()):
            problems.append(f"{path.name}: unknown_reason must be None or a non-empty string")
        if "lengths_arg" in case and not isinstance(case.get("time"), int):
            problems.append(f"{path.name}: lengths_arg needs an int 'time'")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", CORPUS_FILES, ids=case_id)
def test_corpus_runs_in_torch(path: Path):
    shape = torch_output_shape(path)
    assert shape is not None and not has_unknown(shape), (
        f"{path.name}: torch output is not a tensor or a tuple of tensors: {shape!r}"
    )


@pytest.mark.parametrize("path", CORPUS_FILES, ids=case_id)
def test_engine_matches_torch(path: Path, capsys):
    from lstm_lint.cli import main

    case = read_case(path)
    real = torch_output_shape(path)

    argv = [
        "shapes",
        str(path),
        "--class",
        case["class"],
        "--args",
        json.dumps(case["args"]),
        "--format",
        "json",
    ]
    for spec in case["inputs"]:
        argv += ["--input", spec]

    capsys.readouterr()
    exit_code = main(argv)
    captured = capsys.readouterr()
    assert exit_code == 0, (
        f"{path.name}: lstm-lint shapes exited {exit_code}\n"
        f"argv: {argv}\nstdout:\n{captured.out}\nstderr:\n{captured.err}"
    )
    try:
        report = json.loads(captured.out)
    except json.JSONDecodeError as exc:
        pytest.fail(
            f"{path.name}: shapes --format json printed invalid JSON ({exc}):\n{captured.out}"
        )
    assert isinstance(report, list), f"{path.name}: expected a JSON list, got {report!r}"
    matches = [entry for entry in report if entry.get("class") == case["class"]]
    assert matches, (
        f"{path.name}: no entry for class {case['class']!r} in engine output:\n{captured.out}"
    )
    engine = matches[0].get("output")

    if case["unknown_reason"] is None:
        assert engine == real, (
            f"{path.name}: {case['class']} output shape differs\n"
            f"  engine: {json.dumps(engine)}\n"
            f"  torch:  {json.dumps(real)}\n"
            f"  inputs: {case['inputs']}  args: {json.dumps(case['args'])}"
        )
    else:
        assert case["unknown_reason"].strip(), f"{path.name}: empty unknown_reason"
        assert has_unknown(engine), (
            f"{path.name}: engine claims a fully concrete shape that static analysis "
            f"cannot know ({case['unknown_reason']})\n"
            f"  engine: {json.dumps(engine)}\n"
            f"  torch (this run): {json.dumps(real)}"
        )
        conflicts = conflicting_dims(engine, real)
        assert not conflicts, (
            f"{path.name}: engine's concrete dims disagree with torch {conflicts}\n"
            f"  engine: {json.dumps(engine)}\n"
            f"  torch:  {json.dumps(real)}"
        )
