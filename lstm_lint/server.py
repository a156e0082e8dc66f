"""`lstm-lint server`: a language server (LSP over standard input/output, built on pygls).

* Diagnostics: the findings of ``lstm-lint check`` on didOpen, didSave and (debounced,
  ``DEBOUNCE`` seconds) didChange.  Half-typed code never crashes the server: a file that
  does not parse yields one ``LST001`` diagnostic and nothing else.
* Hover: the shape of the tensor expression under the cursor (the innermost dataflow node
  whose source span holds it, or the value a variable holds there) and what produced it.
* Inlay hints: the shape at the end of each assignment in a module's ``forward`` (and its
  other methods), read from the node of the assigned value.
* Code actions: each finding's fix, as a quick fix.

Everything is computed from the same analysis ``lstm-lint check`` runs
(:func:`lstm_lint.doc_analysis.analyse`), which is independent of pygls; pygls is imported
only when the server starts, so importing the command line stays light.  Positions inside
are 1-based lines and columns counted in characters (as :mod:`lstm_lint.positions` gives
them); they are converted to the client's 0-based units (UTF-16 unless negotiated otherwise)
at the edge.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .doc_analysis import DocAnalysis, Pos, analyse

if TYPE_CHECKING:
    from .findings import Finding

DEBOUNCE = 0.3  # seconds between the last didChange and the analysis
INSTALL_HINT = 'the language server needs pygls: pip install "lstm-lint[lsp]"'


# ---- the language server (pygls) --------------------------------------------------------------


def server_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lstm-lint server",
        description="Language server (LSP over stdio): diagnostics, shape hovers, inlay hints "
                    "and quick fixes.")
    p.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")
    return p


def run_server(argv: Sequence[str]) -> int:
    server_parser().parse_args(list(argv))
    try:
        import lsprotocol.types  # noqa: F401
        import pygls.lsp.server  # noqa: F401
    except ImportError:
        sys.stderr.write(f"lstm-lint: error: {INSTALL_HINT}\n")
        return 2
    server = make_server()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() must not corrupt the protocol stream
    try:
        server.start_io(stdin, stdout)
    finally:
        sys.stdout = sys.__stdout__
    return 0


def make_server() -> Any:
    """The pygls ``LanguageServer`` with lstm-lint's features registered."""
    import asyncio
    import concurrent.futures
    import logging

    from lsprotocol import types as t
    from pygls.lsp.server import LanguageServer
    from pygls.uris import from_fs_path, to_fs_path

    from . import __version__

    log = logging.getLogger("lstm_lint.server")
    ls = LanguageServer("lstm-lint", __version__)
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=1,
                                                     thread_name_prefix="lstm-lint")
    done: dict[str, tuple[str, asyncio.Future[DocAnalysis]]] = {}
    pending: dict[str, asyncio.Task[None]] = {}

    def path_of(uri: str) -> str:
        try:
            return to_fs_path(uri) or uri
        except Exception:
            return uri

    def options_for(path: str) -> Any:
        from .config import load_config
        from .lint import Options

        try:
            cfg = load_config([path], None, False)
        except Exception:  # a broken configuration must not stop the editor's diagnostics
            return Options()
        return Options(select=cfg.select, ignore=cfg.ignore,
                       per_file_ignores=cfg.per_file_ignores)

    def safe_analyse(path: str, text: str) -> DocAnalysis:
        try:
            return analyse(path, text, options_for(path))
        except Exception:  # never let an engine bug take the server down
            log.exception("lstm-lint: analysis of %s failed", path)
            return DocAnalysis(path, text)

    async def analysis(uri: str) -> DocAnalysis:
        doc = ls.workspace.get_text_document(uri)
        text = doc.source
        cached = done.get(uri)
        if cached is not None and cached[0] == text:
            return await asyncio.shield(cached[1])
        loop = asyncio.get_running_loop()
        fut = loop.run_in_executor(executor, safe_analyse, path_of(uri), text)
        done[uri] = (text, fut)
        return await asyncio.shield(fut)

    def lines_of(text: str) -> list[str]:
        return text.splitlines(keepends=True) or [""]

    def to_client(lines: list[str], line: int, column: int) -> t.Position:
        """1-based (line, character column) to the client's 0-based position."""
        from pygls.workspace import ServerTextPosition

        line0 = max(0, line - 1)
        if line0 >= len(lines):
            return t.Position(line=len(lines), character=0)
        col0 = max(0, min(column - 1, len(lines[line0].rstrip("\r\n"))))
        return ls.workspace.position_codec.position_to_client_units(
            lines, ServerTextPosition(line0, col0))

    def from_client(lines: list[str], pos: t.Position) -> Pos:
        p = ls.workspace.position_codec.position_from_client_units(
            lines, t.Position(line=pos.line, character=pos.character))
        return p.line + 1, p.character + 1

    def diagnostic(lines: list[str], uri: str, f: Finding) -> t.Diagnostic:
        start = to_client(lines, f.line, f.column)
        end = to_client(lines, f.end_line, f.end_column)
        if (end.line, end.character) <= (start.line, start.character):
            line_len = len(lines[f.line - 1].rstrip("\r\n")) if 1 <= f.line <= len(lines) else 0
            end = to_client(lines, f.line, line_len + 1)
        message = f.message
        if message.startswith(f.code + " "):
            message = message[len(f.code) + 1:]
        related = []
        for r in f.related:
            if r.span is None:
                continue
            if r.path == f.path:
                rng = t.Range(start=to_client(lines, r.span.line, r.span.column),
                              end=to_client(lines, r.span.end_line, r.span.end_column))
                ruri = uri
            else:  # another file: its text is not at hand, so characters stand for units
                rng = t.Range(start=t.Position(line=r.span.line - 1, character=r.span.column - 1),
                              end=t.Position(line=r.span.end_line - 1,
                                             character=r.span.end_column - 1))
                ruri = from_fs_path(r.path) or r.path
            related.append(t.DiagnosticRelatedInformation(t.Location(ruri, rng), r.message))
        severity = {"error": t.DiagnosticSeverity.Error,
                    "warning": t.DiagnosticSeverity.Warning}.get(
            f.severity, t.DiagnosticSeverity.Information)
        return t.Diagnostic(range=t.Range(start=start, end=end), message=message,
                            severity=severity, code=f.code, source="lstm-lint",
                            related_information=related or None)

    async def publish(uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        doc = ls.workspace.get_text_document(uri)
        version = doc.version
        result = await analysis(uri)
        if ls.workspace.get_text_document(uri).version != version:
            return  # superseded: the next change publishes
        lines = lines_of(result.text)
        diags = [diagnostic(lines, uri, f) for f in result.findings]
        ls.text_document_publish_diagnostics(
            t.PublishDiagnosticsParams(uri=uri, diagnostics=diags, version=version))

    def schedule(uri: str, delay: float) -> None:
        old = pending.pop(uri, None)
        if old is not None and not old.done():
            old.cancel()
        task = asyncio.ensure_future(_guard(publish(uri, delay)))
        pending[uri] = task

    async def _guard(coro: Any) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("lstm-lint: publishing diagnostics failed")

    @ls.feature(t.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(params: t.DidOpenTextDocumentParams) -> None:
        schedule(params.text_document.uri, 0)

    @ls.feature(t.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(params: t.DidChangeTextDocumentParams) -> None:
        schedule(params.text_document.uri, DEBOUNCE)

    @ls.feature(t.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(params: t.DidSaveTextDocumentParams) -> None:
        schedule(params.text_document.uri, 0)

    @ls.feature(t.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(params: t.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        task = pending.pop(uri, None)
        if task is not None:
            task.cancel()
        done.pop(uri, None)
        ls.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @ls.feature(t.TEXT_DOCUMENT_HOVER)
    async def hover(params: t.HoverParams) -> t.Hover | None:
        try:
            result = await analysis(params.text_document.uri)
            lines = lines_of(result.text)
            line, col = from_client(lines, params.position)
            info = result.hover(line, col)
        except Exception:
            log.exception("lstm-lint: hover failed")
            return None
        if info is None:
            return None
        rng = None
        if info.span is not None:
            rng = t.Range(start=to_client(lines, info.span.line, info.span.column),
                          end=to_client(lines, info.span.end_line, info.span.end_column))
        return t.Hover(contents=t.MarkupContent(kind=t.MarkupKind.Markdown, value=info.text),
                       range=rng)

    @ls.feature(t.TEXT_DOCUMENT_INLAY_HINT)
    async def inlay_hint(params: t.InlayHintParams) -> list[t.InlayHint] | None:
        try:
            result = await analysis(params.text_document.uri)
            lines = lines_of(result.text)
            first = params.range.start.line + 1
            last = params.range.end.line + 1
            return [t.InlayHint(position=to_client(lines, h.line, h.column), label=h.label,
                                kind=t.InlayHintKind.Type, padding_left=True)
                    for h in result.hints(first, last)]
        except Exception:
            log.exception("lstm-lint: inlay hints failed")
            return None

    @ls.feature(t.TEXT_DOCUMENT_CODE_ACTION,
                t.CodeActionOptions(code_action_kinds=[t.CodeActionKind.QuickFix]))
    async def code_action(params: t.CodeActionParams) -> list[t.CodeAction] | None:
        try:
            uri = params.text_document.uri
            result = await analysis(uri)
            lines = lines_of(result.text)
            lo = (params.range.start.line + 1, 0)
            hi = (params.range.end.line + 1, 10**9)
            actions = []
            for f in result.findings:
                if not f.fix or not f.fix.get("edits") or (f.end_line, 10**9) < lo or \
                        (f.line, 0) > hi:
                    continue
                edits = [t.TextEdit(range=t.Range(start=to_client(lines, e["line"], e["column"]),
                                                  end=to_client(lines, e["end_line"],
                                                                e["end_column"])),
                                    new_text=e["content"]) for e in f.fix["edits"]]
                safe = f.fix.get("applicability") == "safe"
                title = f"{f.code}: {f.fix.get('message') or 'apply the fix'}"
                actions.append(t.CodeAction(
                    title=title if safe else f"{title} (changes behaviour)",
                    kind=t.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic(lines, uri, f)],
                    edit=t.WorkspaceEdit(changes={uri: edits}), is_preferred=safe))
            return actions
        except Exception:
            log.exception("lstm-lint: code actions failed")
            return None

    return ls
