"""Step 8: write findings as text, JSON, SARIF, GitHub annotations or a GitLab report."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from typing import Any

from . import __version__
from .findings import Finding

FORMATS = ("text", "json", "sarif", "github", "gitlab")


def _rel(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def sentence(f: Finding) -> str:
    """The message without its leading code: JSON, SARIF and annotations give the code its own
    field (DESIGN.md section 3)."""
    prefix = f.code + " "
    return f.message[len(prefix):] if f.message.startswith(prefix) else f.message


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def hidden_fixes(findings: Sequence[Finding]) -> int:
    """Fixes that only ``--unsafe-fixes`` would apply."""
    return sum(1 for f in findings if f.fix is not None and f.fix.get("applicability") != "safe")


def _fix_hint(findings: Sequence[Finding], unsafe: bool) -> str:
    fixable = sum(1 for f in findings if f.fix is not None
                  and (unsafe or f.fix.get("applicability") == "safe"))
    hidden = 0 if unsafe else hidden_fixes(findings)
    more = (f" ({_plural(hidden, 'hidden fix', 'hidden fixes')} can be enabled with the "
            "`--unsafe-fixes` option)") if hidden else ""
    flag = "`--fix --unsafe-fixes`" if unsafe and any(
        f.fix is not None and f.fix.get("applicability") != "safe" for f in findings) else "`--fix`"
    if fixable:
        return f"[*] {fixable} fixable with the {flag} option{more}.\n"
    if hidden:
        return f"No fixes available{more}.\n"
    return ""


def summary(findings: Sequence[Finding], fixed: int | None = None, unsafe: bool = False) -> str:
    """The closing lines of text output, as ruff prints them.

    ``Found 4 findings in 3 files.`` (or ``All checks passed.``); under ``--fix`` (``fixed`` not
    None) ``Found 5 findings (1 fixed, 4 remaining).``; then how many findings ``--fix`` (and
    ``--unsafe-fixes``) would fix.
    """
    n = len(findings)
    if fixed:
        head = f"Found {_plural(n + fixed, 'finding')} ({fixed} fixed, {n} remaining).\n"
    elif n == 0:
        return "All checks passed.\n"
    elif fixed is not None:
        head = f"Found {_plural(n, 'finding')} (0 fixed, {n} remaining).\n"
    else:
        files = len({f.path for f in findings})
        head = f"Found {_plural(n, 'finding')} in {_plural(files, 'file')}.\n"
    return head + _fix_hint(findings, unsafe)


def diff_summary(would_fix: int, hidden: int) -> str:
    """``--diff``'s line on stderr: how many findings the diff fixes, and what more
    ``--unsafe-fixes`` would fix."""
    more = ""
    if hidden:
        more = f" ({_plural(hidden, 'additional fix', 'additional fixes')} available with " \
               "`--unsafe-fixes`)" if would_fix else \
               f" ({_plural(hidden, 'fix', 'fixes')} available with `--unsafe-fixes`)"
    if would_fix:
        return f"Would fix {_plural(would_fix, 'finding')}{more}.\n"
    return f"No findings would be fixed{more}.\n"


def text(findings: Sequence[Finding], source_lines: dict[str, list[str]] | None = None,
         color: bool = False) -> str:
    out: list[str] = []
    for f in findings:
        loc = f"{f.path}:{f.line}:{f.column}:"
        if f.confirmation is not None:
            c = f.confirmation
            f = _with_verdict(f, f" [{c['verdict']}: {c.get('evidence', '')}]")
        if color:
            sev = "\x1b[31m" if f.severity == "error" else "\x1b[33m"
            out.append(f"\x1b[1m{loc}\x1b[0m {sev}{f.code}\x1b[0m {sentence(f)}")
        else:
            out.append(f"{loc} {f.message}")
        lines = (source_lines or {}).get(f.path)
        if lines and 1 <= f.line <= len(lines):
            src = lines[f.line - 1].rstrip("\n")
            width = (f.end_column - f.column) if f.end_line == f.line else len(src) - f.column + 1
            out.append(f"    {src}")
            out.append("    " + " " * (f.column - 1) + "^" * max(1, width))
    return "\n".join(out) + ("\n" if out else "")


def _with_verdict(f: Finding, suffix: str) -> Finding:
    from dataclasses import replace

    return replace(f, message=f.message + suffix)


def finding_json(f: Finding) -> dict[str, Any]:
    related = []
    for r in f.related:
        span = r.span
        if span is not None:
            related.append({"path": r.path, "line": span.line, "column": span.column,
                            "end_line": span.end_line, "end_column": span.end_column,
                            "message": r.message})
    return {
        "code": f.code, "name": f.name, "message": sentence(f), "severity": f.severity,
        "path": f.path, "line": f.line, "column": f.column, "end_line": f.end_line,
        "end_column": f.end_column, "related": related, "fix": f.fix,
        "confirmation": f.confirmation,
    }


def as_json(findings: Sequence[Finding]) -> str:
    return json.dumps([finding_json(f) for f in findings], indent=2) + "\n"


def github(findings: Sequence[Finding]) -> str:
    lines = []
    for f in findings:
        level = "error" if f.severity == "error" else "warning"
        msg = sentence(f).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        lines.append(f"::{level} file={f.path},line={f.line},col={f.column},"
                     f"endLine={f.end_line},endColumn={f.end_column},title={f.code}::{msg}")
    return "\n".join(lines) + ("\n" if lines else "")


def gitlab(findings: Sequence[Finding]) -> str:
    import hashlib

    items = []
    for f in findings:
        fp = hashlib.sha256(f"{f.path}:{f.code}:{f.line}:{f.column}:{f.message}".encode())
        items.append({
            "description": f.message, "check_name": f.code, "fingerprint": fp.hexdigest(),
            "severity": "major" if f.severity == "error" else "minor",
            "location": {"path": _rel(f.path), "lines": {"begin": f.line, "end": f.end_line}},
        })
    return json.dumps(items, indent=2) + "\n"


def sarif(findings: Sequence[Finding]) -> str:
    from .catalogue import all_rules

    rules = all_rules()
    index = {r.code: i for i, r in enumerate(rules)}
    driver_rules = []
    for r in rules:
        driver_rules.append({
            "id": r.code, "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.what_it_does.strip()},
            "help": {"text": r.why_bad.strip(), "markdown": r.docs()},
            "defaultConfiguration": {"level": "error" if r.severity == "error" else "warning"},
        })
    results = []
    for f in findings:
        res: dict[str, Any] = {
            "ruleId": f.code,
            "level": "error" if f.severity == "error" else "warning",
            "message": {"text": sentence(f)},
            "locations": [_location(f.path, f.line, f.column, f.end_line, f.end_column)],
        }
        if f.code in index:
            res["ruleIndex"] = index[f.code]
        related = []
        for i, rel in enumerate(f.related):
            span = rel.span
            if span is not None:
                loc = _location(rel.path, span.line, span.column, span.end_line, span.end_column)
                loc["id"] = i
                loc["message"] = {"text": rel.message}
                related.append(loc)
        if related:
            res["relatedLocations"] = related
        if f.confirmation is not None:
            res["properties"] = {"confirmation": f.confirmation}
        results.append(res)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "lstm-lint", "version": __version__,
                                "informationUri": "https://pypi.org/project/lstm-lint/",
                                "rules": driver_rules}},
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2) + "\n"


def _location(path: str, line: int, col: int, end_line: int, end_col: int) -> dict[str, Any]:
    return {"physicalLocation": {
        "artifactLocation": {"uri": _rel(path).replace(os.sep, "/")},
        "region": {"startLine": line, "startColumn": col, "endLine": end_line,
                   "endColumn": max(end_col, col)},
    }}


def statistics(findings: Sequence[Finding]) -> str:
    counts = Counter(f.code for f in findings)
    names = {f.code: f.name for f in findings}
    return "".join(f"{n:5d}  {code}  {names[code]}\n" for code, n in sorted(counts.items()))


def render(fmt: str, findings: Sequence[Finding], source_lines: dict[str, list[str]] | None = None,
           color: bool = False) -> str:
    if fmt == "json":
        return as_json(findings)
    if fmt == "sarif":
        return sarif(findings)
    if fmt == "github":
        return github(findings)
    if fmt == "gitlab":
        return gitlab(findings)
    return text(findings, source_lines, color)
