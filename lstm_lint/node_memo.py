"""Answers remembered per libcst node while one file is linted.

Several questions are asked of the same class or function many times in one file's analysis
(once per configuration, per rule, per instantiation): which methods call the model, which
``None`` defaults the body needs, which calls each class holds.  A :class:`NodeMemo` keeps
each answer beside the node it is about (keyed by identity, the node kept alive so that the
key cannot be reused), and :func:`forget` empties every memo when the file is done: kept
for the whole run they held a thousand class trees alive, three million objects that the
collector scanned and the interpreter tore down at exit (seconds over the speed corpus).
"""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

#: every memo, so that one call forgets them all
ALL_MEMOS: list[NodeMemo[object, object]] = []


class NodeMemo(Generic[K, V]):
    """A node -> answer map by identity; at most ``limit`` answers (then it starts again)."""

    def __init__(self, limit: int = 4096) -> None:
        self._answers: dict[int, tuple[K, V]] = {}
        self._limit = limit
        ALL_MEMOS.append(self)  # type: ignore[arg-type]

    def get(self, node: K) -> V | None:
        hit = self._answers.get(id(node))
        return hit[1] if hit is not None and hit[0] is node else None

    def put(self, node: K, answer: V) -> V:
        if len(self._answers) >= self._limit:
            self._answers.clear()
        self._answers[id(node)] = (node, answer)
        return answer

    def __len__(self) -> int:
        return len(self._answers)


def forget() -> None:
    """Empty every memo (the file they were about is done)."""
    for memo in ALL_MEMOS:
        memo._answers.clear()
