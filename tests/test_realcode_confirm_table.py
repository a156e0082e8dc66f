"""The real-code confirm benchmark's ``--driver-args``: each driver's constructor values and
forward inputs said as a ``[tool.lstm-lint.confirm]`` table, read by the product's parser.
Reads only the committed drivers (``benchmarks/realcode/drivers``), never the cut sources."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "benchmarks" / "realcode")]

import rc_common  # noqa: E402
import realcode_confirm as rcc  # noqa: E402

from lstm_lint.confirm_values import parse_table  # noqa: E402


def _driver(spec: dict, cls: str = "Net") -> rc_common.ClassDriver:
    return rc_common.ClassDriver(repo="o/r", commit="0" * 40, path="m.py", cls=cls,
                                 spec={"path": "m.py", "class": cls, **spec})


def test_every_repositorys_table_is_one_the_parser_accepts():
    by_repo: dict[str, list[rc_common.ClassDriver]] = {}
    for c in rc_common.all_classes():
        by_repo.setdefault(c.repo, []).append(c)
    left: dict[str, str] = {}
    for repo, drivers in by_repo.items():
        table, why = rcc.driver_table(drivers)
        parse_table(table, f"/x/{repo}/pyproject.toml")  # no usage error
        left.update(why)
    # what a table still cannot say: a driver's prelude helpers, keyword inputs, other methods
    kinds = {w.split("(")[0].strip() for w in left.values()}
    assert kinds <= {"not runnable", "args: an expression over the driver's prelude",
                     "inputs: keyword inputs only"}, kinds
    assert len(left) <= 20


def test_tensors_expressions_and_container_inputs_are_translated():
    table, left = rcc.driver_table([_driver({
        "args": [{"ns": {"hidden": 8, "emb": {"tensor": "float32[50,6]"}}},
                 {"expr": "mod.VOCABS['fr']"}, {"expr": "[nn.LeakyReLU] * 4"}],
        "inputs": [{"dict": {"y": "float32[3,7,1]", "h": "none"}},
                   {"list": [{"tuple": ["float32[1,3,9]", "float32[1,3,9]"]}]},
                   {"spec": "bool[3,1,7]", "fill": 1}, {"spec": "float32[3]", "values": [1, 2, 3]},
                   {"value": {"expr": "torch.zeros(3)"}}, {"json": [7, 5, 3]}]})])
    assert left == {}
    entry = table["m.py::Net"]
    assert entry["args"] == [{"hidden": 8, "emb": {"tensor": "float32[50,6]"}},
                             {"expr": "VOCABS['fr']"}, {"expr": "[nn.LeakyReLU] * 4"}]
    assert entry["inputs"][0] == {"dict": {"y": "float32[3,7,1]", "h": "none"}}
    assert entry["inputs"][1] == {"list": [{"tuple": ["float32[1,3,9]", "float32[1,3,9]"]}]}
    assert entry["inputs"][4:] == [{"value": {"expr": "torch.zeros(3)"}}, {"value": [7, 5, 3]}]
    given = parse_table(table, "/x/pyproject.toml").for_class("/x/m.py", "Net")
    assert given is not None and len(given.input_specs) == 6


def test_what_a_table_cannot_say_stays_listed_with_why():
    table, left = rcc.driver_table([
        _driver({"args": [{"expr": "FakeDataset()"}], "prelude": "class FakeDataset:\n    pass\n",
                 "inputs": ["float32[3,7,4]"]}, "A"),
        _driver({"args": [{"expr": "torch.arange(7)"}], "prelude": "import torch\n"}, "B"),
        _driver({"kwargs": {"n": 3}, "inputs": [], "input_kwargs": {"x": "float32[3,7,4]"}}, "C")])
    assert left == {"o/r:m.py::A": "args: an expression over the driver's prelude (FakeDataset)",
                    "o/r:m.py::C": "inputs: keyword inputs only"}
    # the rest of a class's entry is still given; torch and nn are the table's own names
    assert table["m.py::A"] == {"inputs": ["float32[3,7,4]"]}
    assert table["m.py::B"] == {"args": [{"expr": "torch.arange(7)"}]}
    assert table["m.py::C"] == {"args": {"n": 3}}


def test_a_double_drivers_inputs_are_float32_as_the_childs_model_is():
    """A driver whose prelude makes torch's default dtype float64 stands for ``.double()``;
    the child builds float32 models, so the same run is float32 throughout (given dtypes are
    kept: a float64 input to the child's float32 model would crash on the dtype)."""
    table, left = rcc.driver_table([_driver({
        "prelude": "torch.set_default_dtype(torch.float64)",
        "inputs": ["float64[7,38]", {"spec": "float64[2]", "values": [1.5, 2]},
                   {"tuple": ["float64[1,3]", "int64[3]"]}, {"json": {"s": "float64"}}]})])
    assert left == {}
    assert table["m.py::Net"]["inputs"] == [
        "float32[7,38]", {"spec": "float32[2]", "values": [1.5, 2]},
        {"tuple": ["float32[1,3]", "int64[3]"]}, {"value": {"s": "float64"}}]
