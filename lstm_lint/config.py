"""`[tool.lstm-lint]` in pyproject.toml, found by walking up from the linted paths."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .discover import UsageError


def _toml() -> Any:
    """The TOML reader, imported only when a pyproject.toml may hold our section."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib


#: a pyproject.toml that may configure lstm-lint ([tool.lstm-lint], [tool."lstm-lint"], or
#: dotted keys): only such a file is parsed
_OURS = re.compile(rb'tool\s*\.\s*["\']?lstm-lint')
#: a line that opens one of lstm-lint's tables
_OPENS = re.compile(rb'(?m)^[ \t]*\[\[?[ \t]*tool[ \t]*\.[ \t]*["\']?lstm-lint')

KEYS = {"select", "ignore", "extend-select", "per-file-ignores", "exclude", "extend-exclude",
        "confirm"}


@dataclass
class Config:
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    path: str | None = None
    #: ``[tool.lstm-lint.confirm]``: constructor arguments and inputs per class for --confirm
    confirm: Any = None


def find_pyproject(paths: Sequence[str]) -> str | None:
    start = os.path.abspath(paths[0] if paths and paths[0] != "-" else ".")
    d = start if os.path.isdir(start) else os.path.dirname(start)
    while True:
        cand = os.path.join(d, "pyproject.toml")
        if os.path.isfile(cand):
            try:
                with open(cand, "rb") as fh:
                    raw = fh.read()
            except OSError:
                raw = b""
            if _OURS.search(raw):
                tomllib = _toml()
                try:
                    data = tomllib.loads(raw.decode("utf-8", "replace"))
                except tomllib.TOMLDecodeError:
                    # a line opens lstm-lint's table but the file is no TOML: the user's
                    # settings, which load_config refuses with the parser's reason (before:
                    # skipped in silence, and the run went on without them); a mention
                    # elsewhere (a comment) is not the user's settings
                    if _OPENS.search(raw):
                        return cand
                    data = {}
                if "lstm-lint" in data.get("tool", {}):
                    return cand
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


#: codes that no rule file defines: internal error, unreadable file, --confirm crash
BUILTIN_CODES = ("LST000", "LST001", "LST900")


def check_codes(codes: Sequence[str], where: str) -> list[str]:
    """Upper-cased codes; a code or prefix that matches no known code is a usage error (as in
    ruff, a prefix such as ``LST2`` selects every code it starts)."""
    from .catalogue import all_rules

    known = {r.code for r in all_rules()} | set(BUILTIN_CODES)
    out = []
    for raw in codes:
        c = raw.strip().upper()
        if not c.startswith("LST") or not any(k.startswith(c) for k in known):
            raise UsageError(f"{where}: unknown code {raw.strip()!r} "
                             "(a code such as LST101 or a prefix such as LST2; `lstm-lint rule` "
                             "lists them)")
        out.append(c)
    return out


def _codes(v: Any, key: str, path: str) -> list[str]:
    if not isinstance(v, list) or not all(isinstance(c, str) for c in v):
        raise UsageError(f"{path}: [tool.lstm-lint] {key} must be a list of codes")
    return check_codes(v, f"{path}: [tool.lstm-lint] {key}")


def load_config(paths: Sequence[str], explicit: str | None, isolated: bool) -> Config:
    if isolated:
        return Config()
    path = explicit or find_pyproject(paths)
    if path is None:
        return Config()
    tomllib = _toml()
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None
    section = data.get("tool", {}).get("lstm-lint", {})
    unknown = set(section) - KEYS
    if unknown:
        raise UsageError(f"{path}: unknown key(s) in [tool.lstm-lint]: {', '.join(sorted(unknown))}")
    cfg = Config(path=path)
    if "select" in section:
        cfg.select = _codes(section["select"], "select", path)
    if "extend-select" in section:
        cfg.select = (cfg.select or []) + _codes(section["extend-select"], "extend-select", path) \
            if cfg.select is not None else None
    if "ignore" in section:
        cfg.ignore = _codes(section["ignore"], "ignore", path)
    pfi = section.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise UsageError(f"{path}: [tool.lstm-lint] per-file-ignores must be a table")
    cfg.per_file_ignores = {k: _codes(v, f"per-file-ignores.{k}", path) for k, v in pfi.items()}
    for key in ("exclude", "extend-exclude"):
        v = section.get(key, [])
        if not isinstance(v, list):
            raise UsageError(f"{path}: [tool.lstm-lint] {key} must be a list of patterns")
        cfg.exclude.extend(str(x) for x in v)
    if "confirm" in section:
        from .confirm_values import parse_table

        cfg.confirm = parse_table(section["confirm"], path)
    return cfg
