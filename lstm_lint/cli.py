"""Command line: ``lstm-lint [check] PATH...``, ``lstm-lint shapes``, ``lstm-lint rule``.

Exit codes: 0 no findings, 1 findings (or files that could not be read or parsed),
2 usage or internal error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from . import __version__
from .discover import UsageError, discover

COMMANDS = ("check", "shapes", "rule", "graph", "server")


def _check_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lstm-lint",
        description="Static shape checks for PyTorch recurrent models. "
                    "Subcommands: check (default), shapes, rule.",
    )
    p.add_argument("paths", nargs="*", help="files or folders (- for standard input)")
    p.add_argument("--format", choices=("text", "json", "sarif", "github", "gitlab"),
                   default="text")
    p.add_argument("--output-file", "-o", help="write the report here instead of stdout")
    p.add_argument("--select", help="comma-separated codes or prefixes to enable")
    p.add_argument("--extend-select", help="codes to enable on top of the configuration")
    p.add_argument("--ignore", help="comma-separated codes or prefixes to disable")
    p.add_argument("--config", help="a pyproject.toml to read [tool.lstm-lint] from")
    p.add_argument("--isolated", action="store_true", help="ignore configuration files")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    p.add_argument("--statistics", action="store_true", help="count findings per code")
    p.add_argument("--stdin-filename", help="the name to report for standard input")
    p.add_argument("--no-cache", action="store_true",
                   help="do not read or write the cache (.lstm_lint_cache/ at the project root)")
    p.add_argument("--jobs", "-j", type=int, default=0,
                   help="processes to lint with (default: all cores)")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    _confirm_flags(p)
    p.add_argument("--fix", action="store_true", help="apply safe fixes to the files")
    p.add_argument("--unsafe-fixes", action="store_true",
                   help="with --fix or --diff, also apply fixes that change behaviour")
    p.add_argument("--diff", action="store_true",
                   help="print the fixes as a unified diff and write nothing")
    p.add_argument("--version", action="version", version=f"lstm-lint {__version__}")
    return p


def _confirm_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--confirm", action="store_true",
                   help="build and trace the real models (imports torch, runs the user's code "
                        "in a child process) and mark each finding confirmed/refuted/unconfirmed")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="seconds allowed per file under --confirm (default 60)")
    p.add_argument("--device", help="torch device for --confirm (default: cuda if available)")
    p.add_argument("--memory-mb", type=int, default=4096,
                   help="memory limit of the --confirm child process on the CPU (default 4096)")


def _require_torch() -> None:
    from .confirm import torch_available

    if not torch_available():
        raise UsageError('--confirm needs PyTorch: pip install "lstm-lint[confirm]"')


def _progress(done: int, total: int, path: str) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"\r\x1b[Kconfirming {done}/{total}: {path}")
        if done == total:
            sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


def _shapes_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lstm-lint shapes",
                                description="What shape comes out of each module's forward.")
    p.add_argument("path")
    p.add_argument("--class", dest="cls", help="only this class")
    p.add_argument("--args", help="constructor arguments as a JSON list or object")
    p.add_argument("--input", action="append", default=[],
                   help="one per forward argument: float32[32,50,10], (spec,spec), none, JSON")
    p.add_argument("--format", choices=("text", "json"), default="text")
    _confirm_flags(p)
    return p


def _rule_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lstm-lint rule", description="Show a rule's docs.")
    p.add_argument("code", nargs="?")
    p.add_argument("--all", action="store_true", help="the whole catalogue")
    return p


def _codes(s: str | None) -> list[str] | None:
    if s is None:
        return None
    return [c.strip().upper() for c in s.split(",") if c.strip()]


def run_check(argv: Sequence[str]) -> int:
    from . import report
    from .config import load_config
    from .lint import Options, lint_paths

    ns = _check_parser().parse_args(list(argv))
    if not ns.paths:
        raise UsageError("no paths given (try: lstm-lint src/)")
    cfg = load_config(ns.paths, ns.config, ns.isolated)
    select = _codes(ns.select) if ns.select else cfg.select
    extend = _codes(ns.extend_select) or []
    ignore = (_codes(ns.ignore) or []) + ([] if ns.ignore else cfg.ignore)
    if ns.select is None and cfg.select is not None and extend:
        select = [*cfg.select, *extend]
    opts = Options(select=select, ignore=ignore, per_file_ignores=cfg.per_file_ignores,
                   debug=ns.debug or bool(os.environ.get("LSTM_LINT_DEBUG")),
                   script=True if ns.confirm else None)
    stdin = None
    if "-" in ns.paths:
        stdin = (ns.stdin_filename or "<stdin>", sys.stdin.read())
    if ns.confirm:
        _require_torch()
    files = list(discover(ns.paths, cfg.exclude))
    cache = None
    if not ns.no_cache and not ns.confirm and not os.environ.get("LSTM_LINT_NO_CACHE"):
        from .cache import Cache, project_root

        cache = Cache(project_root(ns.paths), opts.signature())
    jobs = ns.jobs if ns.jobs > 0 else (os.cpu_count() or 1)
    if sys.stderr.isatty() and len(files) > 200:
        sys.stderr.write(f"lstm-lint: checking {len(files)} files with {jobs} processes\n")
    results = lint_paths(files, opts, stdin, jobs=jobs, cache=cache, keep_analysis=ns.confirm)
    if ns.confirm:
        from .confirm import confirm_file
        from .project import Project

        todo = [r for r in results if r.analysis is not None and r.analysis.fm.module_classes()]
        project = Project(loaded=[r.analysis.fm for r in todo if r.analysis is not None])
        for i, r in enumerate(todo, 1):
            assert r.analysis is not None
            _progress(i - 1, len(todo), r.path)
            _ev, extra = confirm_file(r.analysis, r.findings, project, ns.timeout, ns.device,
                                      ns.memory_mb)
            r.findings.extend(extra)
        _progress(len(todo), len(todo), "")
    if ns.fix or ns.diff:
        results = _apply_fixes(results, opts, ns, files)
        if ns.diff:
            return 1 if any(getattr(r, "diff", "") for r in results) else 0
    findings = sorted((f for r in results for f in r.findings),
                      key=lambda f: (f.path, f.line, f.column, f.code))
    findings = [f for f in findings if f.code in ("LST000", "LST001", "LST900")
                or opts.enabled(f.code, f.path)]
    out_to_tty = ns.output_file is None and sys.stdout.isatty()
    sources: dict[str, list[str]] = {}
    if ns.format == "text" and out_to_tty:
        from .parse import Source, read

        for path in sorted({f.path for f in findings}):
            src = read(path, stdin[1] if stdin is not None and path == stdin[0] else None)
            if isinstance(src, Source):
                sources[path] = src.text.splitlines()
    text = report.render(ns.format, findings, sources, color=out_to_tty)
    if ns.statistics:
        text += report.statistics(findings)
    if ns.output_file:
        with open(ns.output_file, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    if any(f.code == "LST000" for f in findings):
        return 2
    if findings and not ns.exit_zero:
        return 1
    return 0


def _apply_fixes(results: list[Any], opts: Any, ns: argparse.Namespace,
                 files: list[str]) -> list[Any]:
    """--fix / --diff: rewrite (or show) every file with applicable fixes; re-lint them."""
    from .fixer import applicable, fix_file, unified_diff, write_atomic
    from .lint import FileResult, check_file, load
    from .project import Project

    project = Project(files)

    def lint_text(path: str, text: str) -> list[Any]:
        from .findings import Finding

        loaded = load(path, text)
        if loaded is None or isinstance(loaded, Finding):
            return []
        return check_file(loaded, project, opts).findings

    fixed_total = 0
    out = []
    for r in results:
        if not any(applicable(f, ns.unsafe_fixes) for f in r.findings):
            out.append(r)
            continue
        old, new, n, refused = fix_file(r.path, lint_text, ns.unsafe_fixes)
        if refused is not None:
            sys.stderr.write(f"{r.path}: not fixed: {refused}\n")
            out.append(r)
            continue
        if ns.diff:
            sys.stdout.write(unified_diff(r.path, old, new))
            r.diff = new != old
            out.append(r)
            continue
        if new != old:
            with open(r.path, "rb") as fh:
                raw = fh.read()
            write_atomic(r.path, new, raw)
            fixed_total += n
        out.append(FileResult(r.path, lint_text(r.path, new)))
    if ns.fix:
        remaining = sum(len(r.findings) for r in out)
        sys.stderr.write(f"lstm-lint: fixed {fixed_total} finding(s), {remaining} remaining\n")
    return out


def run_shapes(argv: Sequence[str]) -> int:
    from .lint import load_models
    from .project import Project
    from .shapes import as_json, as_text, shapes_for

    ns = _shapes_parser().parse_args(list(argv))
    if not os.path.exists(ns.path):
        raise UsageError(f"{ns.path}: no such file or directory")
    results = []
    models, bad = load_models(discover([ns.path]))
    project = Project(loaded=models)
    for fm in models:
        try:
            results.extend(shapes_for(fm, project, ns.cls, ns.args, ns.input or None))
        except RecursionError:
            sys.stderr.write(f"{fm.path}:1:1: LST001 code nested too deeply to analyse\n")
            bad += 1
    if ns.cls is not None and not results:
        raise UsageError(f"no nn.Module class named {ns.cls!r} in {ns.path}")
    observed: dict[tuple[str, str], dict[str, object]] = {}
    if ns.confirm:
        _require_torch()
        from .confirm import observe_shapes

        for i, fm in enumerate(models, 1):
            _progress(i - 1, len(models), fm.path)
            observed.update(observe_shapes(fm, project, ns.cls, ns.args, ns.input or None,
                                           ns.timeout, ns.device, ns.memory_mb))
        _progress(len(models), len(models), "")
    if ns.format == "json":
        doc = as_json(results)
        if ns.confirm:
            for entry in doc:
                entry["observed"] = observed.get((entry["path"], entry["class"]))
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        sys.stdout.write(as_text(results, observed if ns.confirm else None))
    return 1 if bad else 0


def run_rule(argv: Sequence[str]) -> int:
    from .rule import all_rules, catalogue_markdown, rule_by_code

    ns = _rule_parser().parse_args(list(argv))
    if ns.all or not ns.code:
        if ns.all:
            sys.stdout.write(catalogue_markdown())
        else:
            for r in all_rules():
                sys.stdout.write(f"{r.code}  {r.name:34s} {r.severity:8s} {r.summary}\n")
        return 0
    found = rule_by_code(ns.code)
    if found is None:
        raise UsageError(f"unknown rule {ns.code!r} (lstm-lint rule lists them)")
    sys.stdout.write(found.docs())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    cmd = "check"
    if args and args[0] in COMMANDS:
        cmd = args.pop(0)
    try:
        if cmd == "shapes":
            return run_shapes(args)
        if cmd == "rule":
            return run_rule(args)
        if cmd == "graph":
            from .render import run_graph

            return run_graph(args)
        if cmd == "server":
            from .server import run_server

            return run_server(args)
        return run_check(args)
    except UsageError as exc:
        sys.stderr.write(f"lstm-lint: error: {exc}\n")
        return 2
    except SystemExit as exc:  # argparse
        return int(exc.code) if isinstance(exc.code, int) else 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # an internal error: one line, the traceback only on request
        if "--debug" in args or os.environ.get("LSTM_LINT_DEBUG"):
            raise
        sys.stderr.write(f"lstm-lint: internal error: {type(exc).__name__}: {exc} "
                         "(run with --debug for the traceback)\n")
        return 2


def console_main() -> None:
    sys.exit(main())
