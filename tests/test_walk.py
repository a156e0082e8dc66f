"""lstm_lint.walk reads a libcst tree without rebuilding it: it must reach exactly the code
nodes a libcst visitor reaches (every node but layout: whitespace, comments, brackets,
commas, dots, colons)."""

from __future__ import annotations

import dataclasses
import inspect
import typing
from pathlib import Path

import libcst as cst

from lstm_lint.walk import FORMAT_FIELDS, contains, descendants, field_names, mentions

ROOT = Path(__file__).resolve().parents[1]


#: the node types that only lay code out
LAYOUT = (cst.BaseParenthesizableWhitespace, cst.TrailingWhitespace, cst.EmptyLine, cst.Newline,
          cst.Comment, cst.Comma, cst.LeftParen, cst.RightParen, cst.LeftSquareBracket,
          cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Dot,
          cst.AssignEqual, cst.Colon, cst.Semicolon)


def _leaves(tp: object) -> list[object]:
    args = typing.get_args(tp)
    return [x for a in args for x in _leaves(a)] if args else [tp]


def test_skipped_fields_hold_layout_only() -> None:
    """Every field the walk skips, in every libcst node class, is typed as layout only; and
    every field typed as layout only is skipped (fields that never hold a node: no matter)."""
    checked = 0
    for name in dir(cst):
        c = getattr(cst, name)
        if not (inspect.isclass(c) and issubclass(c, cst.CSTNode) and dataclasses.is_dataclass(c)):
            continue
        hints = typing.get_type_hints(c)
        kept = set(field_names(c))
        for f in dataclasses.fields(c):
            types = [t for t in _leaves(hints[f.name])
                     if inspect.isclass(t) and issubclass(t, cst.CSTNode)]
            if not types:
                continue
            layout = all(issubclass(t, LAYOUT) for t in types)
            assert (f.name not in kept) == layout, (name, f.name)
            checked += f.name in FORMAT_FIELDS
    assert checked > 50


class _All(cst.CSTVisitor):
    def __init__(self) -> None:
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.nodes.append(node)
        return True


def test_descendants_reach_what_a_visitor_reaches() -> None:
    sources = sorted((ROOT / "lstm_lint").rglob("*.py"))[:12] + sorted(
        (ROOT / "examples").glob("*.py"))
    assert sources
    for path in sources:
        module = cst.parse_module(path.read_text(encoding="utf-8"))
        v = _All()
        module.visit(v)
        code = [id(n) for n in v.nodes if not isinstance(n, LAYOUT)]
        walked = [id(n) for n in descendants(module)]
        assert len(walked) == len(code), path
        assert set(walked) == set(code), path


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
