"""Source positions for just the nodes a report needs.

libcst's ``MetadataWrapper`` copies the whole tree and records a range for every node; a
report needs a handful.  ``locate`` runs one code-generation pass over the module and records
1-based line and column ranges only for the requested nodes (columns count characters, as
flake8 and ruff report them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import libcst as cst
from libcst._nodes.internal import CodegenState

_NEWLINE = re.compile(r"\r\n?|\n")


@dataclass(frozen=True)
class Span:
    line: int  # 1-based
    column: int  # 1-based
    end_line: int
    end_column: int  # 1-based, exclusive


class _State(CodegenState):
    def __init__(self, module: cst.Module, targets: set[int]):
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.targets = targets
        self.line = 1
        self.column = 0
        self.found: dict[int, Span] = {}
        self._stack: list[tuple[int, int] | None] = []

    def _advance(self, value: str) -> None:
        parts = _NEWLINE.split(value)
        if len(parts) == 1:
            self.column += len(value)
        else:
            self.line += len(parts) - 1
            self.column = len(parts[-1])

    def add_indent_tokens(self) -> None:
        super().add_indent_tokens()
        for tok in self.indent_tokens:
            self._advance(tok)

    def add_token(self, value: str) -> None:
        super().add_token(value)
        self._advance(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append((self.line, self.column) if id(node) in self.targets else None)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._stack.pop()
        if start is not None and id(node) not in self.found:
            self.found[id(node)] = Span(start[0], start[1] + 1, self.line, self.column + 1)

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> Iterator[None]:
        start = (self.line, self.column)
        try:
            yield
        finally:
            key = id(node)
            if key in self.targets:
                s = start
                e = (self.line, self.column)
                if start_node is not None and id(start_node) in self.found:
                    sp = self.found[id(start_node)]
                    s = (sp.line, sp.column - 1)
                if end_node is not None and id(end_node) in self.found:
                    ep = self.found[id(end_node)]
                    e = (ep.end_line, ep.end_column - 1)
                self.found[key] = Span(s[0], s[1] + 1, e[0], e[1] + 1)


def locate(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[int, Span]:
    """Map ``id(node)`` to its span for each requested node of ``module``.

    Code generation recurses as deep as the code nests; a file nested deeper than Python's
    default recursion limit is retried on a thread with a large stack.
    """
    nodes = list(nodes)
    try:
        return _locate(module, nodes)
    except RecursionError:
        return _on_big_stack(lambda: _locate(module, nodes))


def _on_big_stack(fn: Any) -> Any:
    import sys
    import threading

    out: list[Any] = []
    err: list[BaseException] = []

    def run() -> None:
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old, 60000))
        try:
            out.append(fn())
        except BaseException as exc:  # re-raised in the caller
            err.append(exc)
        finally:
            sys.setrecursionlimit(old)

    prev = threading.stack_size(512 * 1024 * 1024)
    try:
        t = threading.Thread(target=run)
        t.start()
        t.join()
    finally:
        threading.stack_size(prev)
    if err:
        raise err[0]
    return out[0]


def _locate(module: cst.Module, nodes: list[cst.CSTNode]) -> dict[int, Span]:
    wanted = {id(n) for n in nodes}
    if not wanted:
        return {}
    state = _State(module, wanted)
    # record_syntactic_position also needs child positions hoisted from start/end nodes
    state.targets = _with_children(nodes, wanted)
    module._codegen(state)
    return {k: v for k, v in state.found.items() if k in wanted}


def _with_children(nodes: Iterable[cst.CSTNode], wanted: set[int]) -> set[int]:
    out = set(wanted)
    for n in nodes:
        for child in _direct_children(n):
            out.add(id(child))
    return out


def _direct_children(n: Any) -> list[cst.CSTNode]:
    try:
        return list(n.children)
    except Exception:  # pragma: no cover - defensive
        return []
