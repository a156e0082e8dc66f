"""Step 2, parsing: the tree is libcst's, built without re-validating each node, and libcst's
validation is back in force for every node built afterwards (a fix, a test), even when the
parse fails."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from lstm_lint.parse import ParseFailure, Source, parse

ROOT = Path(__file__).resolve().parents[1]


def _invalid_node_raises() -> None:
    with pytest.raises(cst.CSTValidationError):
        cst.Name("x", lpar=[cst.LeftParen()])  # a parenthesis without its partner


def test_tree_round_trips_and_validation_is_restored() -> None:
    for path in sorted((ROOT / "examples").glob("*.py")) + sorted(
            (ROOT / "lstm_lint").glob("*.py"))[:10]:
        text = path.read_text(encoding="utf-8")
        tree = parse(Source(str(path), text))
        assert isinstance(tree, cst.Module), path
        assert tree.code == text
        assert tree.deep_equals(cst.parse_module(text))  # the same tree libcst validates
    _invalid_node_raises()


def test_validation_is_restored_after_a_failed_parse() -> None:
    failed = parse(Source("bad.py", "def f(:\n    pass\n"))
    assert isinstance(failed, ParseFailure) and failed.message.startswith("syntax error")
    _invalid_node_raises()


def test_parses_in_threads_put_validation_back_once_all_are_done() -> None:
    import threading

    text = (ROOT / "examples" / "tagger.py").read_text(encoding="utf-8")
    trees: list[object] = []

    def work() -> None:
        for _ in range(5):
            trees.append(parse(Source("t.py", text)))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(trees) == 20 and all(isinstance(t, cst.Module) for t in trees)
    _invalid_node_raises()
