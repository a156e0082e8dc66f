"""``re.match`` / ``re.fullmatch`` / ``re.search`` of a constant pattern against a constant
string (``re.match(r"^(avgpool|maxpool|none)-([1-9][0-9]*)$", "none-16")``): Python's own
``re`` evaluates it, the way the program will, and the match's groups are known strings
(``int(m.group(2))`` is 16).  A failed match is None.  Only patterns with no quantified group
and few quantifiers, against short strings, are run (no catastrophic backtracking on code the
analysis reads); anything else stays unknown."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..values import UNKNOWN, Const, Int, Seq, Value

RE_FUNCTIONS = frozenset({"re.match", "re.fullmatch", "re.search"})

#: the longest string and pattern run, and the most repeats a pattern may have
_MAX_TEXT = 64
_MAX_PATTERN = 256
_MAX_REPEATS = 2

try:  # Python's own parser of patterns (the one re.compile runs)
    import re._parser as _sre_parse  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # Python < 3.11
    import sre_parse as _sre_parse  # type: ignore[no-redef, unused-ignore]


@dataclass(frozen=True, repr=False)
class Match(Value):
    """A successful match: its groups (None for a group that did not take part) by number
    (0 the whole match) and by name."""

    groups: tuple[str | None, ...]
    named: tuple[tuple[str, str | None], ...] = ()
    node: int | None = None

    def describe(self) -> str:
        return "a regular-expression match"


def re_call(qual: str, args: list[Value], kwargs: dict[str, Value]) -> Value | None:
    """The value of ``re.match/fullmatch/search(pattern, string)``; None when ``qual`` is none
    of them; unknown when the pattern or the string is not a known constant, or not safe to
    run."""
    if qual not in RE_FUNCTIONS:
        return None
    if kwargs or len(args) != 2:
        return UNKNOWN  # (flags, or a pattern object: not followed)
    pattern, text = (a.value if isinstance(a, Const) else None for a in args)
    if not isinstance(pattern, str) or not isinstance(text, str) or not safe_to_match(pattern, text):
        return UNKNOWN
    try:
        compiled = re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return UNKNOWN  # the program raises here: nothing to claim
    m = getattr(compiled, qual.rpartition(".")[2])(text)
    if m is None:
        return Const(None)
    groups = (m.group(0), *m.groups())
    named = tuple(sorted(m.groupdict().items()))
    return Match(groups, named)


def safe_to_match(pattern: str, text: str) -> bool:
    """Short text, and a pattern whose repeats cannot backtrack badly: at most two, none
    holding another repeat, a group or an alternative, and nothing but plain groups
    (counted on the pattern as Python parses it, so an escaped ``\\\\*`` counts too)."""
    if len(text) > _MAX_TEXT or len(pattern) > _MAX_PATTERN:
        return False
    try:
        tree = _sre_parse.parse(pattern)
    except Exception:  # (re.error, RecursionError, ...): the program raises; not run
        return False
    repeats: list[int] = []
    return _plain(tree, repeats, inside_repeat=False) and len(repeats) <= _MAX_REPEATS


_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}
_ALLOWED = _REPEATS | {"LITERAL", "NOT_LITERAL", "ANY", "IN", "AT", "SUBPATTERN", "BRANCH",
                       "GROUPREF"}


def _plain(tree: object, repeats: list[int], inside_repeat: bool) -> bool:
    for op, av in tree:  # type: ignore[attr-defined]
        name = str(op)
        if name not in _ALLOWED:
            return False  # lookarounds, conditionals, atomic groups: not run
        if name in _REPEATS:
            if inside_repeat:
                return False
            repeats.append(1)
            if not _plain(av[2], repeats, inside_repeat=True):
                return False
        elif name == "SUBPATTERN":
            if inside_repeat or not _plain(av[-1], repeats, inside_repeat):
                return False
        elif name == "BRANCH":
            if inside_repeat or not all(_plain(b, repeats, inside_repeat) for b in av[1]):
                return False
    return True


def match_method(m: Match, name: str, args: list[Value], kwargs: dict[str, Value]) -> Value:
    """``m.group(i)`` / ``m.group('name')`` / ``m.group(i, j)`` / ``m.groups()`` /
    ``m.groupdict()``; anything else (positions, ``expand``) unknown."""
    if kwargs:
        return UNKNOWN
    if name == "group":
        if not args:
            return Const(m.groups[0])
        picked = [_group(m, a) for a in args]
        if any(p is UNKNOWN for p in picked):
            return UNKNOWN
        return picked[0] if len(picked) == 1 else Seq(tuple(picked))
    if name == "groups" and not args:
        return Seq(tuple(Const(g) for g in m.groups[1:]))
    return UNKNOWN


def _group(m: Match, key: Value) -> Value:
    if not isinstance(key, Int | Const):
        return UNKNOWN
    if isinstance(key, Int):
        n = key.expr.as_int() if key.expr is not None else None
        if n is None or not 0 <= n < len(m.groups):
            return UNKNOWN
        return Const(m.groups[n])
    if isinstance(key.value, str):
        found = dict(m.named)
        return Const(found[key.value]) if key.value in found else UNKNOWN
    return UNKNOWN
