"""`lstm-lint server`: a real LSP client over stdio talks to the language server.

The client (JSON-RPC with ``Content-Length`` framing, written here) starts
``python -m lstm_lint server``, opens ``examples/forecaster.py``'s text and checks the
diagnostics, a hover, inlay hints and the quick fix; then it breaks the syntax (the server
must keep answering) and restores it (the diagnostics come back).  Every wait is bounded.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lsp_client import Client, running

ROOT = Path(__file__).resolve().parent.parent
FORECASTER = (ROOT / "examples" / "forecaster.py").read_text()
TIMEOUT = 60.0


def _need_pygls() -> None:
    try:
        import pygls  # noqa: F401
    except ImportError:
        pytest.fail('pygls is not installed: pip install -e ".[dev]" (or "lstm-lint[lsp]")')


@pytest.fixture
def server(tmp_path: Path) -> Any:
    _need_pygls()
    with running([sys.executable, "-m", "lstm_lint", "server"], tmp_path,
                 tmp_path / "server.log") as client:
        yield client


def _pos(text: str, needle: str, offset: int = 0) -> dict[str, int]:
    """0-based LSP position of ``needle`` (+ offset characters) in ``text``."""
    for i, line in enumerate(text.splitlines()):
        if needle in line:
            return {"line": i, "character": line.index(needle) + offset}
    raise AssertionError(f"{needle!r} not in the text")


def test_diagnostics_hover_hints_fix_and_broken_code(tmp_path: Path, server: Client) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    model = workspace / "forecaster.py"
    model.write_text(FORECASTER)
    uri = model.as_uri()

    init = server.call("initialize", {
        "processId": os.getpid(), "rootUri": workspace.as_uri(), "capabilities": {},
        "workspaceFolders": [{"uri": workspace.as_uri(), "name": "ws"}],
    })
    caps = init["capabilities"]
    assert caps.get("hoverProvider") and caps.get("inlayHintProvider")
    assert caps.get("codeActionProvider")
    server.notify("initialized", {})
    server.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": FORECASTER}})

    # diagnostics: LST201 where `lstm-lint check` puts it, converted to 0-based
    diags = server.diagnostics(uri, 1)
    (diag,) = [d for d in diags if d["code"] == "LST201"]
    assert diag["source"] == "lstm-lint"
    assert diag["severity"] == 2  # warning
    start = _pos(FORECASTER, "last = out[-1]", 7)
    assert diag["range"]["start"] == start
    assert diag["range"]["end"] == {"line": start["line"], "character": start["character"] + 7}
    assert "last sample" in diag["message"]

    # hover on `out` in `last = out[-1]`: the LSTM output's shape
    hover = server.call("textDocument/hover", {"textDocument": {"uri": uri},
                                               "position": _pos(FORECASTER, "last = out[-1]", 8)})
    assert hover is not None
    assert "(B, T, hidden_size)" in hover["contents"]["value"]
    assert "self.lstm" in hover["contents"]["value"]
    # hover on the index itself: the shape it gives
    hover = server.call("textDocument/hover", {"textDocument": {"uri": uri},
                                               "position": _pos(FORECASTER, "last = out[-1]", 11)})
    assert "(T, hidden_size)" in hover["contents"]["value"]

    # inlay hints over forward: one per assignment, at the end of its line
    fwd = _pos(FORECASTER, "def forward")
    hints = server.call("textDocument/inlayHint", {
        "textDocument": {"uri": uri},
        "range": {"start": {"line": fwd["line"], "character": 0},
                  "end": {"line": fwd["line"] + 4, "character": 0}}})
    by_line = {h["position"]["line"]: h for h in hints}
    lines = FORECASTER.splitlines()
    out_line = _pos(FORECASTER, "out, _ = self.lstm")["line"]
    last_line = _pos(FORECASTER, "last = out[-1]")["line"]
    assert "(B, T, hidden_size)" in by_line[out_line]["label"]
    assert by_line[out_line]["position"]["character"] == len(lines[out_line])
    assert "(T, hidden_size)" in by_line[last_line]["label"]

    # the fix as a quick fix
    actions = server.call("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": diag["range"],
        "context": {"diagnostics": [diag]}})
    (action,) = [a for a in actions if a["kind"] == "quickfix"]
    (edit,) = action["edit"]["changes"][uri]
    assert edit["newText"] == "out[:, -1]"
    assert edit["range"] == diag["range"]

    # half-typed code: no crash, the server keeps answering
    broken = FORECASTER.replace("last = out[-1]", "last = out[-1")
    server.notify("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": broken}]})
    hover = server.call("textDocument/hover", {"textDocument": {"uri": uri},
                                               "position": _pos(broken, "last = out[-1", 8)})
    assert hover is None or "contents" in hover
    diags = server.diagnostics(uri, 2)
    assert not [d for d in diags if d["code"] == "LST201"]
    assert all(d["code"] == "LST001" for d in diags)

    # typing on quickly: only the last version is analysed (debounced) and published
    for version, text in ((3, broken + "\n"), (4, FORECASTER)):
        server.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]})
    diags = server.diagnostics(uri, 3)
    assert [d["code"] for d in diags] == ["LST201"]
    assert not [m for m in server.seen if m.get("method") == "textDocument/publishDiagnostics"
                and (m["params"].get("version") == 3)]

    assert server.call("shutdown", None, timeout=10) is None
    server.notify("exit", None)
    assert server.proc.wait(timeout=10) == 0


def test_server_without_pygls_says_how_to_install() -> None:
    code = ("import sys; sys.modules['pygls'] = None; sys.modules['lsprotocol'] = None\n"
            "from lstm_lint.cli import main; sys.exit(main(['server']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert 'pip install "lstm-lint[lsp]"' in proc.stderr


def test_importing_the_cli_does_not_import_pygls() -> None:
    code = ("import sys, lstm_lint.cli, lstm_lint.server, lstm_lint.render\n"
            "print(sorted(m for m in ('pygls', 'lsprotocol', 'libcst', 'networkx') "
            "if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_analysis_of_every_prefix_never_raises() -> None:
    """Half-typed code at every point of the file: findings or LST001, never an exception."""
    from lstm_lint.doc_analysis import analyse

    for cut in range(0, len(FORECASTER) + 1, 7):
        doc = analyse("forecaster.py", FORECASTER[:cut])
        assert all(f.code != "LST000" for f in doc.findings), (cut, doc.findings)
        for line in range(1, FORECASTER[:cut].count("\n") + 2):
            doc.hover(line, 5)
        doc.hints()
