"""Where a ``--confirm`` job is in the user's files.

The line of the user's file behind an op, a layer built or an error (the innermost frame in
that file), and the line in the other files the parent asked about (``ALSO``).
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

_REAL: dict[str, str] = {}


#: other files whose lines the ops are also placed at (the files of findings made in another
#: file's code, e.g. a child module's): ``op["at"] = [file, line]``, the innermost such frame
ALSO: set[str] = set()


def real_path(name: str) -> str:
    r = _REAL.get(name)
    if r is None:
        r = _REAL[name] = os.path.realpath(name)
    return r


def user_line(path: str) -> int | None:
    f = sys._getframe(2)
    target = real_path(path)
    while f is not None:
        if real_path(f.f_code.co_filename) == target:
            return f.f_lineno
        f = f.f_back  # type: ignore[assignment]
    return None


def also_at(depth: int) -> list[Any] | None:
    if not ALSO:
        return None
    f = sys._getframe(depth + 1)
    while f is not None:
        r = real_path(f.f_code.co_filename)
        if r in ALSO:
            return [r, f.f_lineno]
        f = f.f_back  # type: ignore[assignment]
    return None


def place_entry(entry: dict[str, Any], depth: int) -> dict[str, Any]:
    at = also_at(depth + 1)
    if at is not None:
        entry["at"] = at
    return entry


def error_record(exc: BaseException, path: str, stage: str) -> dict[str, Any]:
    target = real_path(path)
    frames = []
    at: dict[str, int] = {}
    for fr in traceback.extract_tb(exc.__traceback__):
        if fr.lineno is None:
            continue
        r = real_path(fr.filename)
        if r == target:
            frames.append(fr.lineno)
        elif r in ALSO:
            at[r] = fr.lineno
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    out: dict[str, Any] = {"type": type(exc).__name__, "message": msg[:500],
                           "line": frames[-1] if frames else None, "frames": frames,
                           "stage": stage}
    if at:
        out["at"] = at
    return out
