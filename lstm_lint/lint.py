"""Step 6: run the rule pack over analysed files and turn results into located findings."""

from __future__ import annotations

import os
import re
import sys
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import parse as parse_step
from .analyze import FileAnalysis, analyze_file
from .extract import FileModel, extract
from .positions import locate
from .project import Project
from .rule import Finding, Rule, RuleContext, all_rules

NOQA_RE = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
                     re.IGNORECASE)

#: a cheap text test: a file that never says "class" defines no module to check
_MAYBE_RELEVANT = re.compile(r"\bclass\b|\bLSTM|\bGRU|\bRNN|Loss\(|cross_entropy|nll_loss")


@dataclass
class Options:
    select: list[str] | None = None  # code prefixes; None = all
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    debug: bool = False
    noqa: bool = True  # honour noqa comments (the flake8 plugin leaves them to flake8)

    def enabled(self, code: str, path: str = "") -> bool:
        from fnmatch import fnmatch

        if self.select is not None and not any(code.startswith(s) for s in self.select):
            return False
        if any(code.startswith(i) for i in self.ignore):
            return False
        for pattern, codes in self.per_file_ignores.items():
            if (fnmatch(path, pattern) or fnmatch(os.path.basename(path), pattern)) \
                    and any(code.startswith(c) for c in codes):
                return False
        return True


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    analysis: FileAnalysis | None = None


def _diagnostic(path: str, line: int, col: int, message: str, code: str = "LST000") -> Finding:
    return Finding(code, "internal-error" if code == "LST000" else "syntax-error", "error",
                   f"{code} {message}", path, None, None, line, col, line, col)


def failure_finding(fail: parse_step.ParseFailure) -> Finding:
    return Finding("LST001", "unparsable-file", "error", f"LST001 {fail.message}", fail.path,
                   None, None, fail.line, fail.column, fail.line, fail.column)


def load(path: str, text: str | None = None) -> FileModel | Finding | None:
    """Read, pre-filter, parse and extract one file (None: nothing in it to check)."""
    src = parse_step.read(path, text)
    if isinstance(src, parse_step.ParseFailure):
        return failure_finding(src)
    if not _MAYBE_RELEVANT.search(src.text):
        return None
    mod = parse_step.parse(src)
    if isinstance(mod, parse_step.ParseFailure):
        return failure_finding(mod)
    return extract(path, mod, package=_package_of(path))


def _package_of(path: str) -> str:
    d = os.path.dirname(os.path.abspath(path))
    parts: list[str] = []
    while os.path.isfile(os.path.join(d, "__init__.py")):
        parts.insert(0, os.path.basename(d))
        d = os.path.dirname(d)
    return ".".join(parts)


def check_file(fm: FileModel, project: Project | None, opts: Options,
               rules: Sequence[Rule] | None = None) -> FileResult:
    res = FileResult(fm.path)
    rules = [r for r in (rules or all_rules()) if opts.enabled(r.code, fm.path)]
    try:
        analysis = analyze_file(fm, project)
    except RecursionError:
        res.findings.append(_diagnostic(fm.path, 1, 1, "internal error: code nested too deeply"))
        return res
    except Exception as exc:  # contain engine bugs to this file
        if opts.debug:
            traceback.print_exc(file=sys.stderr)
        res.findings.append(_diagnostic(fm.path, 1, 1, f"internal error in the shape engine: "
                                        f"{type(exc).__name__}: {exc}"))
        return res
    res.analysis = analysis
    found: list[Finding] = []
    for rule in rules:
        try:
            found.extend(rule.check(RuleContext(analysis, rule)))
        except Exception as exc:
            if opts.debug:
                traceback.print_exc(file=sys.stderr)
            found.append(_diagnostic(fm.path, 1, 1, f"internal error in rule {rule.code}: "
                                     f"{type(exc).__name__}: {exc}"))
    res.findings = place(found, fm, noqa=opts.noqa)
    return res


def place(found: list[Finding], fm: FileModel, noqa: bool = True) -> list[Finding]:
    """Compute positions (one pass per file), drop duplicates and (``noqa``) `# noqa` lines."""
    by_module: dict[int, tuple[Any, list[Any]]] = {}
    for f in found:
        owner = f.fm or fm
        for n in [f.cst, *[r.cst for r in f.related]]:
            if n is not None:
                by_module.setdefault(id(owner), (owner, []))[1].append(n)
    spans: dict[int, Any] = {}
    for owner, nodes in by_module.values():
        spans.update(locate(owner.module, nodes))
    out: list[Finding] = []
    seen: set[tuple[str, str, int, int]] = set()
    lines_cache: dict[str, list[str]] = {}
    for f in found:
        if f.cst is not None and id(f.cst) in spans:
            s = spans[id(f.cst)]
            f.line, f.column, f.end_line, f.end_column = s.line, s.column, s.end_line, s.end_column
        for r in f.related:
            rs = spans.get(id(r.cst))
            if rs is not None:
                r.__dict__["span"] = rs
                f.message = f.message.replace("{related_line}", str(rs.line))
        key = (f.path, f.code, f.line, f.column)
        if key in seen:
            continue
        seen.add(key)
        owner = f.fm or fm
        lines = lines_cache.setdefault(owner.path, owner.module.code.splitlines())
        if noqa and _noqa(lines, f):
            continue
        out.append(f)
    out.sort(key=Finding.sort_key)
    return out


def _noqa(lines: list[str], f: Finding) -> bool:
    if not 1 <= f.line <= len(lines):
        return False
    m = NOQA_RE.search(lines[f.line - 1])
    if m is None:
        return False
    codes = m.group("codes")
    if not codes:
        return True
    return any(f.code.startswith(c.upper()) for c in re.split(r"[,\s]+", codes) if c)


def lint_paths(paths: Iterable[str], opts: Options,
               stdin: tuple[str, str] | None = None) -> list[FileResult]:
    """Lint files (``stdin`` = (display name, text) for ``-``)."""
    results: list[FileResult] = []
    models: list[FileModel] = []
    for path in paths:
        if path == "-" and stdin is not None:
            loaded = load(stdin[0], stdin[1])
        else:
            loaded = load(path)
        if loaded is None:
            results.append(FileResult(path))
        elif isinstance(loaded, Finding):
            results.append(FileResult(loaded.path, [loaded]))
        else:
            models.append(loaded)
    project = Project(models)
    for fm in models:
        results.append(check_file(fm, project, opts))
    results.sort(key=lambda r: r.path)
    return results
