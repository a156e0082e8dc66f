"""A minimal Language Server Protocol client for the tests (JSON-RPC over stdio).

Requests, notifications and a reader thread with a queue; every wait is bounded, so a server
that never answers fails the test instead of hanging it.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

DEFAULT_TIMEOUT = 30.0


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
                raise AssertionError(f"the server closed its output (exit {self.proc.poll()})")
            self.seen.append(msg)
            if msg.get("method") == "window/showMessage" and msg["params"].get("type") == 1:
                raise AssertionError(f"the server reported an error: {msg['params']['message']}")
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

    def call(self, method: str, params: Any, timeout: float = DEFAULT_TIMEOUT) -> Any:
        rid = self.request(method, params)
        deadline = time.monotonic() + timeout
        while True:
            msg = self.receive(deadline)
            if msg.get("id") == rid and "method" not in msg:
                assert "error" not in msg, msg
                return msg.get("result")

    def diagnostics(self, uri: str, version: int, timeout: float = DEFAULT_TIMEOUT) -> list[dict[str, Any]]:
        """The first diagnostics published for ``uri`` at ``version`` (or later)."""
        for msg in self.seen:
            p = msg.get("params") or {}
            if msg.get("method") == "textDocument/publishDiagnostics" and p.get("uri") == uri \
                    and (p.get("version") or 0) >= version:
                self.seen.remove(msg)
                return list(p["diagnostics"])
        deadline = time.monotonic() + timeout
        while True:
            msg = self.receive(deadline)
            p = msg.get("params") or {}
            if msg.get("method") == "textDocument/publishDiagnostics" and p.get("uri") == uri \
                    and (p.get("version") or 0) >= version:
                self.seen.remove(msg)
                return list(p["diagnostics"])


@contextmanager
def running(argv: list[str], cwd: Path, log: Path, env: dict[str, str] | None = None
            ) -> Iterator[Client]:
    """Start a language server over stdio; always killed and its log closed afterwards."""
    with log.open("wb") as fh:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=fh,
                                cwd=cwd, env=env)
        try:
            yield Client(proc)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
