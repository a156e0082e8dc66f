"""The cyclic collector during a run (lstm_lint.collector): a file that does not parse frees
its exception's cycles with a young-generation collection, never a full one, which before the
run froze anything would rescan the host's whole heap (a test session's with torch loaded:
about 0.14 s a file, most of a run on broken files)."""

from __future__ import annotations

import gc
from pathlib import Path

from lstm_lint.lint import Options, lint_paths


def _generations_collected(paths: list[str]) -> list[int]:
    seen: list[int] = []

    def watch(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(watch)
    try:
        results = lint_paths(paths, Options())
    finally:
        gc.callbacks.remove(watch)
    assert results
    return seen


def test_a_file_that_does_not_parse_costs_no_full_collection(tmp_path: Path):
    bad = tmp_path / "broken.py"
    bad.write_text("import torch.nn as nn\n\nclass M(nn.Module):\n    def forward(self, x:\n")
    assert 2 not in _generations_collected([str(bad)])


def test_the_cycles_a_broken_file_leaves_are_freed(tmp_path: Path):
    bad = tmp_path / "broken.py"
    bad.write_text("import torch.nn as nn\n\nclass M(nn.Module):\n    def forward(self, x:\n")
    _generations_collected([str(bad)])  # (warm: the first run imports what it needs)
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(5):
        _generations_collected([str(bad)])
    assert len(gc.get_objects()) - before < 200
