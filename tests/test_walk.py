"""lstm_lint.walk reads a libcst tree without rebuilding it: it must reach exactly the nodes a
libcst visitor reaches."""

from __future__ import annotations

from pathlib import Path

import libcst as cst

from lstm_lint.walk import contains, descendants, mentions

ROOT = Path(__file__).resolve().parents[1]


class _All(cst.CSTVisitor):
    def __init__(self) -> None:
        self.seen: list[int] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.seen.append(id(node))
        return True


def test_descendants_reach_what_a_visitor_reaches() -> None:
    sources = sorted((ROOT / "lstm_lint").rglob("*.py"))[:12] + sorted(
        (ROOT / "examples").glob("*.py"))
    assert sources
    for path in sources:
        module = cst.parse_module(path.read_text(encoding="utf-8"))
        v = _All()
        module.visit(v)
        walked = [id(n) for n in descendants(module)]
        assert len(walked) == len(v.seen), path
        assert set(walked) == set(v.seen), path


def test_contains_and_mentions() -> None:
    module = cst.parse_module(
        "class M(nn.Module):\n"
        "    def forward(self, x, lengths):\n"
        "        x = nn.utils.rnn.pack_padded_sequence(x, lengths)\n"
        "        return x\n"
        "def other(y):\n"
        "    return y\n")
    cls, fn = module.body
    call = cls.body.body[0].body.body[0].body[0].value
    assert isinstance(call, cst.Call)
    assert contains(cls, call) and contains(call, call)
    assert not contains(fn, call)
    assert mentions(cls, {"lengths"}) and mentions(cls, {"pack_padded_sequence"})
    assert not mentions(fn, {"lengths", "pack_padded_sequence"})
