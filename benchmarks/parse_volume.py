"""How much source libcst parses in one lint run: files, parses and characters.

Usage::

    python benchmarks/parse_volume.py DIR [--jobs N]

Lints every ``.py`` file under DIR (as ``lstm-lint DIR --no-cache --jobs N``) with a spy on
:func:`lstm_lint.parse.parse` that logs each parse (process, characters, path), then prints
the totals and the files parsed in more than one process or more than once.  The parse is the
floor of a run's cost, so this is the figure a change to what gets parsed moves.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--jobs", type=int, default=2)
    ns = ap.parse_args(argv)
    from lstm_lint import parse as parse_step
    from lstm_lint.discover import discover
    from lstm_lint.lint import Options, lint_paths

    fd, log = tempfile.mkstemp(suffix=".tsv")
    os.close(fd)
    real = parse_step.parse

    def spy(src: parse_step.Source) -> object:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\t{len(src.text)}\t{src.path}\n")
        return real(src)

    parse_step.parse = spy  # type: ignore[assignment]  # (forked workers inherit it)
    try:
        lint_paths(list(discover([ns.dir])), Options(), jobs=ns.jobs)
    finally:
        parse_step.parse = real  # type: ignore[assignment]
    with open(log, encoding="utf-8") as fh:
        rows = [line.rstrip("\n").split("\t") for line in fh]
    os.unlink(log)
    per_file: dict[str, list[tuple[str, int]]] = collections.defaultdict(list)
    for pid, n, path in rows:
        per_file[path].append((pid, int(n)))
    again = {p: v for p, v in per_file.items() if len(v) > 1}
    print(f"jobs {ns.jobs}: {len(rows)} parses of {len(per_file)} files, "
          f"{sum(int(n) for _p, n, _f in rows):,} characters; "
          f"{len(again)} files parsed more than once "
          f"({sum(n for v in again.values() for _p, n in v):,} characters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
