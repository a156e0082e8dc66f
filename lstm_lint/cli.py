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

#: every subcommand with its one-line summary (``lstm-lint --help`` lists them)
COMMAND_HELP = {
    "check": "check files for shape bugs (the default command: `lstm-lint PATH...`)",
    "shapes": "print the shape that comes out of each module's forward",
    "rule": "list the rules, or print one rule's docs",
    "graph": "draw each module's forward dataflow with the shape on every edge",
    "server": "run the language server (LSP over stdio) for editors",
}
COMMANDS = tuple(COMMAND_HELP)


def check_parser(prog: str = "lstm-lint") -> argparse.ArgumentParser:
    commands = "\n".join(f"  {name:8s}{text}" for name, text in COMMAND_HELP.items())
    p = argparse.ArgumentParser(
        prog=prog,
        usage=f"{prog} [check] [OPTIONS] PATH...\n       lstm-lint COMMAND [OPTIONS] ...",
        description="Static shape checks for PyTorch recurrent models.\n\n"
                    f"commands:\n{commands}\n\n"
                    "`lstm-lint COMMAND --help` shows a command's options; the options below are "
                    "check's.",
        epilog="exit codes: 0 no findings, 1 findings (or a file that cannot be read or parsed), "
               "2 usage or internal error.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="files or folders to check (- for standard input)")
    p.add_argument("--format", choices=("text", "json", "sarif", "github", "gitlab"),
                   default="text", help="output format (default: text)")
    p.add_argument("--output-file", "-o", metavar="FILE",
                   help="write the report here instead of stdout")
    p.add_argument("--select", metavar="CODES",
                   help="comma-separated codes or prefixes to enable (replaces the configuration's)")
    p.add_argument("--extend-select", metavar="CODES",
                   help="comma-separated codes or prefixes to enable on top of the selection")
    p.add_argument("--ignore", metavar="CODES",
                   help="comma-separated codes or prefixes to disable")
    p.add_argument("--per-file-ignores", metavar="PATTERN:CODES", action="append",
                   help="codes to disable in files matching a pattern, e.g. 'tests/*:LST2,LST5' "
                        "(repeatable; replaces the configuration's)")
    p.add_argument("--config", metavar="FILE",
                   help="a pyproject.toml to read [tool.lstm-lint] from")
    p.add_argument("--isolated", action="store_true", help="ignore configuration files")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    p.add_argument("--statistics", action="store_true", help="count findings per code")
    p.add_argument("--stdin-filename", metavar="NAME",
                   help="the name to report for standard input")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    p.add_argument("--cache-dir", metavar="DIR",
                   help="where to cache results (default: $LSTM_LINT_CACHE_DIR, else "
                        ".lstm_lint_cache/ at the project root, else $XDG_CACHE_HOME/lstm-lint)")
    p.add_argument("--jobs", "-j", type=int, default=0, metavar="N",
                   help="processes to lint with (default: all cores)")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    _confirm_flags(p)
    p.add_argument("--fix", action="store_true",
                   help="apply safe fixes to the files, then report what remains")
    p.add_argument("--unsafe-fixes", action="store_true",
                   help="with --fix or --diff, also apply fixes that change behaviour")
    p.add_argument("--diff", action="store_true",
                   help="print what --fix would change as a unified diff and write nothing "
                        "(exit 1 when there is a diff)")
    p.add_argument("--version", action="version", version=f"lstm-lint {__version__}")
    return p


def _confirm_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--confirm", action="store_true",
                   help="build and trace the real models (imports torch once in a worker, runs "
                        "the file's definitions in a forked process per model) and mark each "
                        "finding confirmed/refuted/unconfirmed")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="seconds allowed per model under --confirm (default 60)")
    p.add_argument("--device", help="torch device for --confirm (default: cuda if available)")
    p.add_argument("--memory-mb", type=int, default=4096,
                   help="memory limit of each --confirm model process on the CPU (default 4096)")


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


def shapes_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lstm-lint shapes",
        description="Print the shape that comes out of each module's forward: symbolic, or "
                    "concrete for the given constructor arguments and inputs.")
    p.add_argument("path", metavar="PATH", help="a file or a folder")
    p.add_argument("--class", dest="cls", metavar="NAME", help="only this class")
    p.add_argument("--args", metavar="JSON",
                   help="constructor arguments as a JSON list or object, e.g. '[10, 20, 5]' or "
                        "'{\"hidden_size\": 20}'; {\"expr\": \"nn.GRU\"} names a torch class "
                        "as the file does (a list of them: \"[nn.ReLU] * 4\")")
    p.add_argument("--input", action="append", default=[], metavar="SPEC",
                   help="one per forward argument, in order: a tensor float32[32,50,10], a tuple "
                        "(spec,spec), none, a JSON literal, or one of the confirm table's "
                        "forms as JSON ('{\"dict\": {\"x\": \"float32[4,9,2]\"}}', "
                        "'{\"spec\": \"int64[4]\", \"values\": [9, 7, 5, 2]}')")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="output format (default: text)")
    _confirm_flags(p)
    return p


def rule_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lstm-lint rule",
                                description="List the rules, or print one rule's docs.")
    p.add_argument("code", nargs="?", metavar="CODE",
                   help="the rule to document, e.g. LST101 (without it: one line per rule)")
    p.add_argument("--all", action="store_true",
                   help="the whole catalogue as Markdown (docs/rules.md)")
    return p


def _codes(s: str | None, flag: str) -> list[str] | None:
    """A comma-separated list of codes or prefixes; an unknown one is a usage error."""
    from .config import check_codes

    if s is None:
        return None
    return check_codes([c for c in s.split(",") if c.strip()], flag)


def _per_file_ignores(values: list[str] | None) -> dict[str, list[str]] | None:
    """``PATTERN:CODE[,CODE...]`` items, comma-separated and repeatable, as in ruff:
    ``tests/*:LST2,LST5,docs/*:LST1``."""
    from .config import check_codes

    if values is None:
        return None
    out: dict[str, list[str]] = {}
    for value in values:
        pattern: str | None = None
        for item in (i.strip() for i in value.split(",")):
            if not item:
                continue
            if ":" in item:
                pattern, _, item = item.rpartition(":")
                pattern = pattern.strip()
                if not pattern:
                    raise UsageError(f"--per-file-ignores: {value!r} has an empty pattern")
            if pattern is None:
                raise UsageError(f"--per-file-ignores: expected PATTERN:CODES, got {value!r}")
            out.setdefault(pattern, []).extend(check_codes([item], "--per-file-ignores"))
    return out


def run_check(argv: Sequence[str]) -> int:
    from . import report
    from .config import load_config
    from .lint import Options, lint_paths

    ns = check_parser().parse_args(list(argv))
    if not ns.paths:
        raise UsageError("no paths given (try: lstm-lint src/)")
    select_cli = _codes(ns.select, "--select")
    extend = _codes(ns.extend_select, "--extend-select") or []
    ignore_cli = _codes(ns.ignore, "--ignore")
    pfi_cli = _per_file_ignores(ns.per_file_ignores)
    cfg = load_config(ns.paths, ns.config, ns.isolated)
    select = select_cli if select_cli is not None else cfg.select
    if select is not None and extend:
        select = [*select, *extend]
    ignore = (ignore_cli or []) + ([] if ignore_cli is not None else cfg.ignore)
    opts = Options(select=select, ignore=ignore,
                   per_file_ignores=pfi_cli if pfi_cli is not None else cfg.per_file_ignores,
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
        from .cache import Cache, cache_dir

        cache = Cache(None, opts.signature(), cache_dir(ns.paths, ns.cache_dir))
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
            try:
                _ev, extra = confirm_file(r.analysis, r.findings, project, ns.timeout,
                                          ns.device, ns.memory_mb, values=cfg.confirm)
            except UsageError:
                raise
            except Exception as exc:  # lstm-lint's own failure on this file: the run goes on
                said = (f"lstm-lint could not plan the run of {r.path} ({type(exc).__name__}: "
                        f"{str(exc).splitlines()[0][:160] if str(exc) else ''})")
                sys.stderr.write(f"{said}\n")
                for f in r.findings:
                    if f.code not in ("LST000", "LST001"):
                        f.confirmation = {"verdict": "unconfirmed", "evidence": said}
                extra = []
            r.findings.extend(extra)
        _progress(len(todo), len(todo), "")

    def shown(results: list[Any]) -> list[Any]:
        found = sorted((f for r in results for f in r.findings),
                       key=lambda f: (f.path, f.line, f.column, f.code))
        return [f for f in found if f.code in ("LST000", "LST001", "LST900")
                or opts.enabled(f.code, f.path)]

    if ns.diff:  # with or without --fix: show what --fix would do, write nothing
        diffs, would_fix = _apply_fixes(results, opts, ns, files, write=False)
        hidden = 0 if ns.unsafe_fixes else report.hidden_fixes(shown(results))
        sys.stderr.write(report.diff_summary(would_fix, hidden))
        return 1 if diffs else 0
    fixed = 0
    if ns.fix:
        results, fixed = _apply_fixes(results, opts, ns, files, write=True)
    findings = shown(results)
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
    if ns.format == "text":
        text += report.summary(findings, fixed if ns.fix else None, ns.unsafe_fixes)
    if ns.output_file:
        with open(ns.output_file, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:  # the reader went away (lstm-lint src | head): no tool error
            pass
    if any(f.code == "LST000" for f in findings):
        return 2
    if findings and not ns.exit_zero:
        return 1
    return 0


def _apply_fixes(results: list[Any], opts: Any, ns: argparse.Namespace, files: list[str],
                 write: bool) -> tuple[list[Any], int]:
    """Fix every file with applicable fixes in memory.

    ``write``: write the files and return (the re-linted results, fixes applied); else print
    each file's unified diff and return (the files that would change, fixes that would apply).
    """
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

    total = 0
    out = []
    changed = []
    for r in results:
        if not any(applicable(f, ns.unsafe_fixes) and opts.enabled(f.code, f.path)
                   for f in r.findings):
            out.append(r)
            continue
        old, new, n, refused = fix_file(r.path, lint_text, ns.unsafe_fixes)
        if refused is not None:
            sys.stderr.write(f"{r.path}: not fixed: {refused}\n")
            out.append(r)
            continue
        if new == old:
            out.append(r)
            continue
        total += n
        changed.append(r)
        if not write:
            sys.stdout.write(unified_diff(r.path, old, new))
            continue
        with open(r.path, "rb") as fh:
            raw = fh.read()
        write_atomic(r.path, new, raw)
        out.append(FileResult(r.path, lint_text(r.path, new)))
    return (out if write else changed), total


def run_shapes(argv: Sequence[str]) -> int:
    from .shapes import as_json, as_text, load_project, shapes_for

    ns = shapes_parser().parse_args(list(argv))
    results = []
    models, bad, project = load_project(ns.path)
    for fm in models:
        try:
            results.extend(shapes_for(fm, project, ns.cls, ns.args, ns.input or None))
        except RecursionError:
            sys.stderr.write(f"{fm.path}:1:1: LST001 code nested too deeply to analyse\n")
            bad += 1
    if ns.cls is not None and not results:
        raise UsageError(f"no nn.Module class named {ns.cls!r} in {ns.path}")
    if not results and not bad:
        no_modules_note(ns.path)
    observed: dict[tuple[str, str], dict[str, object]] = {}
    if ns.confirm:
        _require_torch()
        from .confirm_shapes import observe_shapes

        for i, fm in enumerate(models, 1):
            _progress(i - 1, len(models), fm.path)
            mine = {r.cls: r.result for r in results if r.path == fm.path}
            observed.update(observe_shapes(fm, project, ns.cls, ns.args, ns.input or None,
                                           ns.timeout, ns.device, ns.memory_mb, mine))
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


def no_modules_note(path: str) -> None:
    """``shapes`` and ``graph`` on files without modules: one line on stderr, exit 0."""
    sys.stderr.write(f"lstm-lint: note: no nn.Module class with a forward in {path}\n")


def run_rule(argv: Sequence[str]) -> int:
    from .catalogue import all_rules, catalogue_markdown, rule_by_code

    ns = rule_parser().parse_args(list(argv))
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
    _exit(main())


def _exit(code: int) -> None:
    """End the process once its work is done: the atexit handlers run (the --confirm worker
    is closed, its temporary folder removed), the output is flushed, and then the process
    ends without the interpreter's teardown, which frees every module and object one by one
    (about 45 ms of CPU for libcst and networkx alone: more than the analysis of a small
    file).  Under a tracer or coverage, which save their data at teardown, a normal exit."""
    if sys.gettrace() is not None or "coverage" in sys.modules:
        sys.exit(code)
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (lstm-lint src | head): nothing to save
            pass
    os._exit(code)
