"""Helpers for ``Rule.confirm``: reading what ``--confirm``'s child process observed.

Evidence is plain data (``confirm.Evidence``): the error a run raised, the operations it went
through (name, line, argument and output shapes) and the sizes it ran with.
"""

from __future__ import annotations

from typing import Any

from .findings import Finding


def lines_of(f: Finding) -> set[int]:
    lines = {f.line}
    for r in f.related:
        if r.span is not None:
            lines.add(r.span.line)
    return lines


def error_near(f: Finding, evidence: list[Any]) -> tuple[str, str] | None:
    for ev in evidence:
        err = ev.error
        if err and err.get("line") is not None and any(abs(err["line"] - ln) <= 1
                                                       for ln in lines_of(f)):
            return ("confirmed", f"PyTorch raised {err['type']} at line {err['line']}: "
                    f"{err['message']}")
    return None


def getitems_at(evidence: list[Any], line: int) -> list[tuple[Any, dict[str, Any]]]:
    """``x[...]`` operations observed at ``line``: (evidence, op)."""
    out = []
    for ev in evidence:
        for op in ev.ops:
            if op.get("line") == line and op.get("name") in ("getitem", "__getitem__") \
                    and op.get("args") and isinstance(op["args"][0], list):
                out.append((ev, op))
    return out


def int_index(op: dict[str, Any]) -> list[tuple[int, int]]:
    """(axis, index) pairs of the integer indices in an observed ``x[...]``."""
    idx = op["args"][1] if len(op["args"]) > 1 else None
    items = idx if isinstance(idx, list) else [idx]
    out = []
    for axis, it in enumerate(items):
        if isinstance(it, int) and not isinstance(it, bool):
            out.append((axis, it))
    return out


def axis_name(size: int, env: dict[str, int]) -> str:
    names = [k for k, v in env.items() if v == size and k in ("B", "T")]
    if names == ["B"]:
        return f"the batch (B={size})"
    if names == ["T"]:
        return f"time (T={size})"
    return str(size)


def ran_clean_at(f: Finding, evidence: list[Any]) -> tuple[str, str] | None:
    """The real model ran through the finding's line without error: the claim is refuted."""
    for ev in evidence:
        if ev.error is None and any(op.get("line") == f.line for op in ev.ops):
            ops = [op for op in ev.ops if op.get("line") == f.line and op.get("out") is not None]
            if ops:
                return ("refuted", f"the model ran through line {f.line} without error "
                        f"({ops[0]['name']} gave {ops[0]['out']})")
    return None


# ---- fix builders ------------------------------------------------------------------------------
