"""Step 6: run the rule pack over analysed files and turn results into located findings.

Only the standard library is imported here at start-up: libcst, networkx and the engine are
imported when a file that can hold a module is actually checked.  Files are checked in
parallel processes (``jobs``) and results are cached by content (see :mod:`lstm_lint.cache`).
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import collector, node_memo
from . import parse as parse_step
from .findings import Finding

if TYPE_CHECKING:
    from .analyze import FileAnalysis
    from .extract import FileModel
    from .project import Project
    from .rule import Rule

NOQA_RE = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
                     re.IGNORECASE)

#: a cheap text test: a file that never mentions torch, nn, a module or a recurrent layer (in
#: any case), and defines no class with a base, cannot build or use a module
_RELEVANT_WORDS = ("torch", "module", "lstm", "gru", "rnn")
_NN_WORD = re.compile(r"\bnn\b", re.IGNORECASE)


def _maybe_relevant(text: str) -> bool:
    """Does the text name torch, a module or a recurrent layer (any case)?  Plain substring
    tests of the lower-cased text: a case-insensitive regex alternation took three times as
    long over the 2,021 files of the speed corpus (0.30 s against 0.09 s)."""
    if "torch" in text or "odule" in text:  # the usual spellings, before lower-casing
        return True
    low = text.lower()
    return any(w in low for w in _RELEVANT_WORDS) or (
        "nn" in low and _NN_WORD.search(low) is not None)
_CLASS_WITH_BASE = re.compile(r"^[ \t]*class\s+\w+\s*\(\s*[A-Za-z_]", re.MULTILINE)


@dataclass
class Options:
    select: list[str] | None = None  # code prefixes; None = all
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    debug: bool = False
    noqa: bool = True  # honour noqa comments (the flake8 plugin leaves them to flake8)
    script: bool | None = None  # follow the file's script code: None = when it trains a model

    def signature(self) -> str:
        """What the cache key must include of the configuration."""
        return repr((self.select, sorted(self.ignore), sorted(self.per_file_ignores.items()),
                     self.noqa, self.script))

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


def diagnostic(path: str, line: int, col: int, message: str, code: str = "LST000") -> Finding:
    return Finding(code, "internal-error" if code == "LST000" else "syntax-error", "error",
                   f"{code} {message}", path, None, None, line, col, line, col)


def failure_finding(fail: parse_step.ParseFailure) -> Finding:
    return Finding("LST001", "unparsable-file", "error", f"LST001 {fail.message}", fail.path,
                   None, None, fail.line, fail.column, fail.line, fail.column)


def load(path: str, text: str | None = None, prefilter: bool = True,
         project: Project | None = None, script: bool | None = None
         ) -> FileModel | Finding | None:
    """Read, pre-filter, parse and extract one file (None: nothing in it to check).

    The pre-filter is a text test, then the project index (:func:`lstm_lint.index.needs_parse`,
    Python's ``ast``): only a file with a class that may be an ``nn.Module`` (its bases
    followed into other files of the project) or script code that builds a model is parsed
    with libcst.  ``script``: as :attr:`Options.script`.
    """
    src = parse_step.read(path, text)
    if isinstance(src, parse_step.ParseFailure):
        return failure_finding(src)
    if prefilter:
        need = _needs_parse(path, src.text, project, script)
        if need is None:
            return None  # the index read it with Python's parser: no syntax error either
        if not need:
            # nothing to analyse, but a syntax error is still worth one line (CPython: ~1 ms)
            bad = parse_step.check_syntax(src)
            return failure_finding(bad) if bad is not None else None
    if project is not None and text is None:
        earlier = project.files.get(path)
        if earlier is not None and earlier.text == src.text and earlier.partial is None:
            return earlier  # parsed already, for a file that needed something of it
    return parse_text(path, src, project)


def _needs_parse(path: str, text: str, project: Project | None,
                 script: bool | None) -> bool | None:
    """True: parse it; False: skip it (unchecked); None: skip it, CPython parsed it."""
    if not _maybe_relevant(text) and not _CLASS_WITH_BASE.search(text) and not script:
        return False
    from .index import Index, needs_parse

    if needs_parse(project.index if project is not None else Index(), path, text, script):
        return True
    return None


def load_models(paths: Iterable[str]) -> tuple[list[FileModel], int]:
    """Load every file for `shapes`/`graph`; unreadable ones are reported on stderr."""
    models: list[FileModel] = []
    bad = 0
    for path in paths:
        loaded = load(path)
        if isinstance(loaded, Finding):
            sys.stderr.write(f"{loaded.path}:{loaded.line}:{loaded.column}: {loaded.message}\n")
            bad += 1
        elif loaded is not None:
            models.append(loaded)
    return models, bad


def parse_text(path: str, src: parse_step.Source, project: Project | None = None
               ) -> FileModel | Finding:
    from .extract import extract
    from .project import package_of, tree

    # (shared with the project: another file may need it, or have read it already)
    mod = tree(path, src.text, mine=project.trees if project is not None else None)
    if isinstance(mod, parse_step.ParseFailure):
        # CPython's position is the one users know; libcst's can be a line late
        return failure_finding(parse_step.check_syntax(src) or mod)
    return extract(path, mod, package=package_of(path) if path != "-" else "", text=src.text)


def check_file(fm: FileModel, project: Project | None, opts: Options,
               rules: Sequence[Rule] | None = None) -> FileResult:
    from .catalogue import all_rules
    from .project import Project

    res = FileResult(fm.path)
    if project is None:
        project = Project(loaded=[fm])
    project.begin(fm.path)
    project.add(fm)
    project.resolve(fm)
    rules = [r for r in (rules or all_rules()) if opts.enabled(r.code, fm.path)]
    try:
        return _check_analysed(fm, project, opts, rules, res)
    finally:
        node_memo.forget()  # every caller: the CLI, flake8's workers, the language server


def _check_analysed(fm: FileModel, project: Project, opts: Options, rules: Sequence[Rule],
                    res: FileResult) -> FileResult:
    from .analyze import analyze_file

    try:
        analysis = analyze_file(fm, project, script=opts.script)
    except RecursionError:
        res.findings.append(Finding("LST001", "unparsable-file", "error",
                                    "LST001 code nested too deeply to analyse", fm.path, None))
        return res
    except Exception as exc:  # contain engine bugs to this file
        if opts.debug:
            traceback.print_exc(file=sys.stderr)
        res.findings.append(diagnostic(fm.path, 1, 1, f"internal error in the shape engine: "
                                        f"{type(exc).__name__}: {exc}"))
        return res
    res.analysis = analysis
    # the classes as written first, then as the file's code builds them (each finding naming
    # that configuration), then the script's own graph: a finding the script's run of a class
    # repeats is placed once, under the configuration that names where it was built
    from .analyze import FileAnalysis
    from .dataflow import Dataflow

    classes = FileAnalysis(fm, analysis.modules, Dataflow(), analysis.instantiations)
    script = FileAnalysis(fm, [], analysis.script, analysis.instantiations)
    found = _rule_findings(classes, rules, opts)
    found.extend(_context_findings(analysis, project, rules, opts))
    found.extend(_rule_findings(script, rules, opts))
    res.findings = place(found, fm, noqa=opts.noqa)
    return res


def _rule_findings(analysis: FileAnalysis, rules: Sequence[Rule], opts: Options
                   ) -> list[Finding]:
    from .rule import RuleContext

    found: list[Finding] = []
    for rule in rules:
        try:
            found.extend(rule.check(RuleContext(analysis, rule)))
        except RecursionError:
            continue  # code nested past the stack (a 400-deep expression): the rule gives up
        except Exception as exc:
            if opts.debug:
                traceback.print_exc(file=sys.stderr)
            found.append(diagnostic(analysis.fm.path, 1, 1, f"internal error in rule "
                                     f"{rule.code}: {type(exc).__name__}: {exc}"))
    return found


def _context_findings(analysis: FileAnalysis, project: Project, rules: Sequence[Rule],
                      opts: Options) -> list[Finding]:
    """Findings that hold under a configuration the code builds its classes with (its literal
    defaults, its own instantiations), each naming that configuration.  Findings already
    reported without the configuration are dropped when placed (same code and position)."""
    from .configurations import configurations
    from .rule import RuleContext

    out: list[Finding] = []
    try:
        contexts = configurations(analysis, project)
    except RecursionError:
        return out
    for ctx in contexts:
        for rule in rules:
            try:
                for f in rule.check(RuleContext(ctx.analysis, rule)):
                    f.message = f"{f.message} ({ctx.label})"
                    f.configuration = {**ctx.meta, "args": ctx.args, "kwargs": ctx.kwargs}
                    out.append(f)
            except Exception:
                if opts.debug:
                    traceback.print_exc(file=sys.stderr)
    return out


def place(found: list[Finding], fm: FileModel, noqa: bool = True) -> list[Finding]:
    """Compute positions (one pass per file), drop duplicates and (``noqa``) `# noqa` lines."""
    from .positions import locate

    by_module: dict[int, tuple[Any, list[Any]]] = {}
    for f in found:
        owner = f.fm or fm
        fix_nodes = [n for n, _c in f.pending_fix[2]] if f.pending_fix else []
        for n in [f.cst, *fix_nodes]:
            if n is not None:
                by_module.setdefault(id(owner), (owner, []))[1].append(n)
        for r in f.related:  # each in its own file (a parent's call of a child in another)
            if r.cst is not None:
                where = r.fm or owner
                by_module.setdefault(id(where), (where, []))[1].append(r.cst)
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
        if f.pending_fix is not None:
            applicability, message, repl = f.pending_fix
            edits: list[dict[str, Any]] = []
            for node, code in repl:
                sp = spans.get(id(node))
                if sp is None:
                    edits = []
                    break
                edits.append({"line": sp.line, "column": sp.column, "end_line": sp.end_line,
                              "end_column": sp.end_column, "content": code})
            if edits:
                f.fix = {"applicability": applicability, "message": message, "edits": edits}
            f.pending_fix = None
        for r in f.related:
            rs = spans.get(id(r.cst))
            if rs is not None:
                r.span = rs
                f.message = f.message.replace("{related_line}", str(rs.line))
        # a related location inside the finding's own (an inline ``nn.Conv1d(...)(x)``) adds
        # nothing, unless it is on a later line of it (the ``dropout=`` argument of a
        # constructor call written over several lines)
        f.related = [r for r in f.related if r.span is None or r.path != f.path
                     or (r.span.line, r.span.column) < (f.line, f.column)
                     or (r.span.end_line, r.span.end_column) > (f.end_line, f.end_column)
                     or r.span.line > f.line]
        key = (f.path, f.code, f.line, f.column)
        if key in seen:
            continue
        seen.add(key)
        owner = f.fm or fm
        lines = lines_cache.setdefault(owner.path, owner.text.splitlines())
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


def check_one(path: str, text: str | None, project: Project, opts: Options,
              keep_analysis: bool = False, more: bool = True) -> FileResult:
    """One file of a run; ``more``: other files follow in this process (after the last, the
    collector need not settle: a full collection costs a one-file run a twentieth of its
    time, and the run frees everything as it ends)."""
    project.begin(path)  # what the pre-filter reads of other files is a dependency too
    analysed = failed = False
    try:
        loaded = load(path, text, project=project, script=opts.script)
        if loaded is None:
            return FileResult(path)
        if isinstance(loaded, Finding):
            failed = True
            return FileResult(loaded.path, [loaded])
        collector.freeze_trees()
        analysed = True
        res = check_file(loaded, project, opts)
        if not keep_analysis:
            # dropped before the collector settles: an analysis (its graphs hold reference
            # cycles) still alive at the freeze below would stay frozen, unreachable but
            # never freed, for the rest of the run
            res.analysis = None
        del loaded
        return res
    finally:
        if analysed and more:  # (a file the pre-filter skipped made no cycles worth it)
            collector.settle()
        elif failed:  # (a parse failure's exception and traceback are cycles: not frozen)
            collector.collect()


def check_one_safely(path: str, project: Project, opts: Options, keep_analysis: bool = False,
                     more: bool = True) -> FileResult:
    """:func:`check_one`, an internal error turned into the file's one-line diagnostic (with
    ``--debug`` it is raised): one bad file never stops a run."""
    try:
        return check_one(path, None, project, opts, keep_analysis, more)
    except Exception as exc:
        if opts.debug:
            raise
        return FileResult(path, [diagnostic(path, 1, 1, f"internal error: "
                                                       f"{type(exc).__name__}: {exc}")])


def lint_paths(paths: Iterable[str], opts: Options,
               stdin: tuple[str, str] | None = None, jobs: int = 1,
               cache: Any = None, keep_analysis: bool = False) -> list[FileResult]:
    """Lint files (``stdin`` = (display name, text) for ``-``) and return one result per file.

    ``jobs`` > 1 spreads files over processes (results keep a stable order); ``cache`` (a
    :class:`~lstm_lint.cache.Cache`) skips files whose content and dependencies are unchanged.
    ``keep_analysis`` keeps the engine's analysis (for ``--confirm``), which forces one process.
    """
    old_gc = collector.relax()
    try:
        return _lint_paths(paths, opts, stdin, jobs, cache, keep_analysis)
    finally:
        collector.restore(old_gc)


def _lint_paths(paths: Iterable[str], opts: Options, stdin: tuple[str, str] | None, jobs: int,
                cache: Any, keep_analysis: bool) -> list[FileResult]:
    from .project import Project

    paths = list(paths)
    real = [p for p in paths if p != "-"]
    results: list[FileResult] = []
    todo: list[str] = []
    for path in real:
        hit = cache.get(path) if cache is not None else None
        if hit is not None:
            results.append(FileResult(path, hit))
        else:
            todo.append(path)
    if "-" in paths and stdin is not None:
        project = Project(real)
        project.script = opts.script
        results.append(check_one(stdin[0], stdin[1], project, opts, keep_analysis,
                                 more=bool(todo)))
    if keep_analysis or opts.debug or jobs <= 1 or len(todo) < 2 * max(jobs, 1):
        # (--debug raises an internal error where it happens: in this process)
        project = Project(real)
        project.script = opts.script
        for i, path in enumerate(todo):
            res = check_one_safely(path, project, opts, keep_analysis, more=i + 1 < len(todo))
            results.append(res)
            if cache is not None:
                cache.put(path, res.findings, project.deps(path))
    else:
        from . import workers

        for k, found, deps in workers.run(todo, real, opts, jobs):
            fs = [Finding.from_dict(d) for d in found]
            results.append(FileResult(todo[k], fs))
            if cache is not None:
                cache.put(todo[k], fs, deps)
    results.sort(key=lambda r: r.path)
    _one_report_per_place(results, real)
    return results


def _one_report_per_place(results: list[FileResult], given: list[str]) -> None:
    """A finding in another file's code (a class as a script builds it) is reported once,
    under the path the user gave for that file when it is one of the run's."""
    names = {os.path.abspath(p): p for p in given}
    seen: set[tuple[str, str, int, int]] = set()
    for res in results:
        keep = []
        for f in res.findings:
            absolute = os.path.abspath(f.path) if f.path != "-" else f.path
            f.path = names.get(absolute, f.path)
            key = (absolute, f.code, f.line, f.column)
            if key in seen:
                continue
            seen.add(key)
            keep.append(f)
        res.findings = keep
