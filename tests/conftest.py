"""Session-wide test settings."""

from __future__ import annotations

import os

import pytest
from precommit_hook import PreCommitHook, make_hook

#: the longest test, the README's commands in a fresh clone (two installs and the quick suite:
#: minutes), and its instant neighbour start first: under pytest-xdist (.ci/run: -m slow -n 2
#: --maxschedchunk 1) the worker that gets them holds nothing else, and the other worker runs
#: the rest of the slow tests meanwhile
FIRST = "tests/test_fresh_clone.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.nodeid.split("::")[0] != FIRST)  # stable: the rest keeps its order


@pytest.fixture(autouse=True, scope="session")
def _cache_outside_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """lstm-lint caches the results for files outside a project in the user cache folder: keep
    the tests' entries in a temporary folder instead (subprocesses inherit the variable; the
    tests of the cache's location remove it)."""
    if "LSTM_LINT_CACHE_DIR" not in os.environ:
        os.environ["LSTM_LINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("lstm-lint-cache"))


@pytest.fixture(scope="session")
def precommit_hook(tmp_path_factory: pytest.TempPathFactory) -> PreCommitHook:
    """This repository's pre-commit hook, as ``pre-commit try-repo`` sets it up, with one
    pre-commit home for the session: its environment is built once (tests/precommit_hook.py)."""
    return make_hook(tmp_path_factory.mktemp("pre-commit"))
