"""Session-wide test settings."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _cache_outside_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """lstm-lint caches the results for files outside a project in the user cache folder: keep
    the tests' entries in a temporary folder instead (subprocesses inherit the variable; the
    tests of the cache's location remove it)."""
    if "LSTM_LINT_CACHE_DIR" not in os.environ:
        os.environ["LSTM_LINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("lstm-lint-cache"))
