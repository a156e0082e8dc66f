"""Editors: python-lsp-server's flake8 plugin shows lstm-lint findings as diagnostics.

The test speaks the Language Server Protocol to a real ``pylsp`` over stdio (JSON-RPC with
``Content-Length`` framing), opens a buggy model and waits for ``LST101`` in the published
diagnostics.  Every wait is bounded, so a server that never answers fails the test.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import pytest

BUGGY = '''\
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, vocab_size, emb_dim, hidden_dim, n_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_dim)
        self.lstm = nn.LSTM(emb_dim, hidden_dim, batch_first=True,
                            bidirectional=True)
        self.head = nn.Linear(hidden_dim, n_classes)

    def forward(self, tokens):
        out, _ = self.lstm(self.embedding(tokens))
        return self.head(out.mean(dim=1))
'''
BUG_LINE = 14
BUG_COL = BUGGY.splitlines()[BUG_LINE - 1].index("self.head(") + 1
TIMEOUT = 30.0

SETTINGS = {"pylsp": {"plugins": {
    "flake8": {"enabled": True},
    "pycodestyle": {"enabled": False},
    "pyflakes": {"enabled": False},
    "mccabe": {"enabled": False},
}}}


class Client:
    """A minimal LSP client: requests, notifications and a reader thread with a queue."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.next_id = 0
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        threading.Thread(target=self._read, args=(proc.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes] | None) -> None:
        assert stream is not None
        try:
            while True:
                headers: dict[str, str] = {}
                while True:
                    line = stream.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    key, _, value = line.decode("ascii").partition(":")
                    headers[key.strip().lower()] = value.strip()
                body = stream.read(int(headers["content-length"]))
                self.inbox.put(json.loads(body))
        finally:
            self.inbox.put(None)  # end of stream

    def _send(self, msg: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **msg}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> int:
        self.next_id += 1
        self._send({"id": self.next_id, "method": method, "params": params})
        return self.next_id

    def receive(self, deadline: float) -> dict[str, Any]:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out; received: {json.dumps(self.seen)[-3000:]}")
            try:
                msg = self.inbox.get(timeout=left)
            except queue.Empty:
                continue
            if msg is None:
                raise AssertionError(f"pylsp closed its output (exit {self.proc.poll()})")
            self.seen.append(msg)
            if "method" in msg and "id" in msg:  # a request from the server: accept it
                self._send({"id": msg["id"], "result": None})
                continue
            return msg

    def response(self, rid: int, deadline: float) -> dict[str, Any]:
        while True:
            msg = self.receive(deadline)
            if msg.get("id") == rid and "method" not in msg:
                assert "error" not in msg, msg
                return msg


@pytest.fixture
def server(tmp_path: Path) -> Any:
    env = dict(os.environ)
    # the flake8 plugin runs `flake8` from PATH: the one installed beside this Python
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    log = (tmp_path / "pylsp.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "pylsp"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=log, cwd=tmp_path, env=env)
    client = Client(proc)
    try:
        yield client
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


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
