"""Editors: python-lsp-server's flake8 plugin shows lstm-lint findings as diagnostics.

The test speaks the Language Server Protocol to a real ``pylsp`` over stdio (JSON-RPC with
``Content-Length`` framing), opens a buggy model and waits for ``LST101`` in the published
diagnostics.  Every wait is bounded, so a server that never answers fails the test.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fixture_models import BUG_COL, BUG_LINE, BUGGY
from lsp_client import Client, running

TIMEOUT = 30.0

SETTINGS = {"pylsp": {"plugins": {
    "flake8": {"enabled": True},
    "pycodestyle": {"enabled": False},
    "pyflakes": {"enabled": False},
    "mccabe": {"enabled": False},
}}}


@pytest.fixture
def server(tmp_path: Path) -> Any:
    env = dict(os.environ)
    # the flake8 plugin runs `flake8` from PATH: the one installed beside this Python
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    with running([sys.executable, "-m", "pylsp"], tmp_path, tmp_path / "pylsp.log",
                 env) as client:
        yield client


def test_flake8_in_pylsp_reports_lst101(tmp_path: Path, server: Client) -> None:
    deadline = time.monotonic() + TIMEOUT
    workspace = tmp_path / "ws"
    workspace.mkdir()
    model = workspace / "model.py"
    model.write_text(BUGGY)
    uri = model.as_uri()

    rid = server.request("initialize", {
        "processId": os.getpid(), "rootUri": workspace.as_uri(), "capabilities": {},
        "initializationOptions": SETTINGS,
        "workspaceFolders": [{"uri": workspace.as_uri(), "name": "ws"}],
    })
    server.response(rid, deadline)
    server.notify("initialized", {})
    server.notify("workspace/didChangeConfiguration", {"settings": SETTINGS})
    server.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": BUGGY}})

    found: list[dict[str, Any]] = []
    while not found:
        msg = server.receive(deadline)
        if msg.get("method") != "textDocument/publishDiagnostics" or msg["params"]["uri"] != uri:
            continue
        found = [d for d in msg["params"]["diagnostics"]
                 if "LST101" in str(d.get("code", "")) or "LST101" in d.get("message", "")]
    (diag,) = found
    assert diag["code"] == "LST101"
    assert diag["source"] == "flake8"
    assert diag["message"].startswith("LST101 self.head (nn.Linear)")
    # LSP positions are 0-based: the same place as `lstm-lint`'s 1-based line:col
    assert diag["range"]["start"] == {"line": BUG_LINE - 1, "character": BUG_COL - 1}

    rid = server.request("shutdown", None)
    server.response(rid, time.monotonic() + 10)
    server.notify("exit", None)
    assert server.proc.wait(timeout=10) == 0
