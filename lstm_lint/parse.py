"""Step 2: read and parse one file with libcst; failures become one-line diagnostics."""

from __future__ import annotations

import io
import sys
import threading
import tokenize
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import libcst as cst


@dataclass
class Source:
    path: str
    text: str


@dataclass
class ParseFailure:
    path: str
    line: int
    column: int
    message: str


def read(path: str, stdin_text: str | None = None) -> Source | ParseFailure:
    """Read a file as Python source (honouring a PEP 263 coding cookie)."""
    if stdin_text is not None:
        return Source(path, stdin_text)
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as fh:
                data = fh.read()
    except IsADirectoryError:
        return ParseFailure(path, 1, 1, "is a directory, not a Python file")
    except OSError as exc:
        return ParseFailure(path, 1, 1, f"cannot read file: {exc.strerror or exc}")
    if b"\x00" in data[:8192]:
        return ParseFailure(path, 1, 1, "binary file (contains NUL bytes)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        return ParseFailure(path, 1, 1, f"cannot decode file: {exc}")
    if text.startswith("\ufeff"):
        text = text[1:]
    return Source(path, text)


def check_syntax(src: Source) -> ParseFailure | None:
    """CPython's own verdict (about 1 ms a file): its line and column are the ones users know."""
    import ast

    try:
        compile(src.text, src.path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        line = exc.lineno or 1
        col = exc.offset or 1
        lines = src.text.splitlines()
        if 1 <= line <= len(lines):
            col = max(1, min(col, len(lines[line - 1]) + 1))
        else:
            line, col = max(1, min(line, len(lines) or 1)), 1
        return ParseFailure(src.path, line, col, f"syntax error: {exc.msg}")
    except (RecursionError, MemoryError, ValueError, OverflowError):
        return None  # too deep for CPython's compiler here: let libcst decide
    return None


def _no_check(self: object) -> None:
    return None


class _Unchecked:
    """Parses under way (in threads of one process: a library caller's) and the node check
    they set aside: the first to start switches it off, the last to end puts it back."""

    lock = threading.Lock()
    depth = 0
    saved: Any = None


def _checks_off() -> Any:
    """Switch libcst's per-node validation off; the node class, or None when libcst's layout
    is not the one known (then the parse validates as usual)."""
    try:
        from libcst._nodes.base import CSTNode
    except ImportError:
        return None
    with _Unchecked.lock:
        if _Unchecked.depth == 0:
            check = CSTNode.__dict__.get("__post_init__")
            if not callable(check):
                return None
            _Unchecked.saved = check
            CSTNode.__post_init__ = _no_check  # type: ignore[method-assign]
        _Unchecked.depth += 1
    return CSTNode


def _checks_on(node_class: Any) -> None:
    if node_class is None:
        return
    with _Unchecked.lock:
        _Unchecked.depth -= 1
        if _Unchecked.depth == 0:
            node_class.__post_init__ = _Unchecked.saved


def parse(src: Source) -> cst.Module | ParseFailure:
    """The file's libcst tree.  The nodes the parser builds are not validated one by one: a
    node's ``__post_init__`` re-checks what the grammar has just checked (parentheses match,
    required whitespace present), about a sixth of the parse (libcst's own comment on
    ``__post_init__`` suggests as much).  Nodes built afterwards (fixes) are validated as
    usual: the check is off only while a parse runs (counted, so that parses in threads
    overlapping restore it once, when the last ends)."""
    import libcst as cst  # here, not at import: a file with no module never needs the parser

    node_class = _checks_off()
    try:
        return cst.parse_module(src.text)
    except cst.ParserSyntaxError as exc:
        msg = str(exc.message).splitlines()[0] if exc.message else "invalid syntax"
        return ParseFailure(src.path, exc.raw_line, exc.raw_column + 1, f"syntax error: {msg}")
    except RecursionError:
        return ParseFailure(src.path, 1, 1, "file is nested too deeply to parse")
    except Exception as exc:  # libcst raises a few other kinds on odd input
        return ParseFailure(src.path, 1, 1, f"cannot parse file: {type(exc).__name__}: {exc}")
    finally:
        _checks_on(node_class)
