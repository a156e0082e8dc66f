"""flake8 plugin: ``flake8`` (and editors that run it) report lstm-lint's ``LSTnnn`` findings.

Registered as ``[project.entry-points."flake8.extension"] LST = ...:Plugin``.  flake8 only
runs plugins that ask for ``tree``, ``logical_line`` or ``physical_line``; this one asks for
``tree`` so that it runs once per file, and only after flake8 has parsed the file: a file
with a syntax error is reported by flake8 itself (``E999``) and this plugin never runs, so
nothing is reported twice.  The analysis uses ``lines`` (what flake8 read, standard input
included) and ``filename`` (the ``--stdin-display-name`` for ``-``), not the AST.

Positions: flake8 prints ``column + 1``, so the plugin yields the 0-based column and flake8
shows the same 1-based ``line:col`` as ``lstm-lint``'s own text output.

``# noqa`` is left to flake8 (so ``--disable-noqa`` works); selection is left to flake8's
``--select``/``--ignore``/``--per-file-ignores``, so every rule runs here.

Importing this module is cheap (standard library only); lstm-lint's engine is imported on
the first file checked.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from . import __version__

#: codes of diagnostics about the file rather than the model (flake8 reports these itself)
_UNPARSABLE = "LST001"


class Plugin:
    name = "lstm-lint"
    version = __version__

    def __init__(self, tree: Any, lines: Sequence[str], filename: str) -> None:
        # ``tree`` is required by flake8 to classify the plugin; lstm-lint parses with libcst.
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type[Plugin]]]:
        try:
            results = list(self._findings())
        except Exception as exc:  # never take flake8 down with us
            yield 1, 0, _one_line(f"LST000 internal error: {type(exc).__name__}: {exc}"), type(self)
            return
        for line, col, message in results:
            yield line, col, message, type(self)

    def _findings(self) -> Iterator[tuple[int, int, str]]:
        from .lint import Options, check_file, load
        from .rule import Finding

        loaded = load(self.filename, "".join(self.lines))
        if loaded is None:
            return
        if isinstance(loaded, Finding):
            # flake8 parsed the file before running a tree plugin: a real syntax error is
            # flake8's E999.  What is left (libcst refusing what ast accepts) is not the
            # user's to fix, so it is not reported.
            if loaded.code != _UNPARSABLE:
                yield loaded.line, max(loaded.column - 1, 0), _one_line(loaded.message)
            return
        result = check_file(loaded, None, Options(noqa=False))
        for f in result.findings:
            yield f.line, max(f.column - 1, 0), _one_line(f.message)


def _one_line(message: str) -> str:
    return " ".join(message.splitlines())
