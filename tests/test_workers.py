"""Files spread over processes: one contiguous stretch per worker, the rest taken from the back
of the fullest stretch; a worker that dies costs one diagnostic, never the run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lstm_lint import lint, workers
from lstm_lint.lint import Options, lint_paths

ROOT = Path(__file__).resolve().parents[1]


def test_stretches_are_contiguous_and_of_equal_bytes() -> None:
    assert workers.stretches([10] * 10, 2) == [(0, 5), (5, 10)]
    assert workers.stretches([90, 5, 5], 2) == [(0, 1), (1, 3)]
    assert workers.stretches([1, 1], 4) == [(0, 1), (1, 2), (2, 2), (2, 2)]
    assert workers.stretches([], 2) == [(0, 0), (0, 0)]
    for sizes in ([3, 1, 4, 1, 5, 9, 2, 6], [0] * 7, [100] + [1] * 30):
        for jobs in (1, 2, 3, 5):
            st = workers.stretches(sizes, jobs)
            assert len(st) == jobs and st[0][0] == 0 and st[-1][1] == len(sizes)
            assert all(a[1] == b[0] for a, b in zip(st, st[1:], strict=False))


def test_a_worker_takes_its_own_front_then_the_back_of_the_fullest() -> None:
    bounds = [list(se) for se in workers.stretches([1] * 10, 2)]  # [0, 5), [5, 10)
    assert [workers.take(0, bounds) for _ in range(5)] == [0, 1, 2, 3, 4]
    assert workers.take(1, bounds) == 5
    # worker 0 is done with its own: it works backwards from the end of worker 1's stretch
    assert [workers.take(0, bounds) for _ in range(3)] == [9, 8, 7]
    assert workers.take(1, bounds) == 6
    assert workers.take(0, bounds) is None
    assert workers.take(1, bounds) is None


def _project(tmp_path: Path, n: int) -> list[str]:
    src = (ROOT / "examples" / "forecaster.py").read_text()
    for i in range(n):
        (tmp_path / f"m{i:02d}.py").write_text(src)
    return sorted(str(p) for p in tmp_path.glob("*.py"))


def test_every_file_once_with_more_workers_than_one(tmp_path: Path) -> None:
    files = _project(tmp_path, 9)
    serial = [[f.to_dict() for f in r.findings] for r in lint_paths(files, Options(), jobs=1)]
    assert all(serial)
    for jobs in (2, 3):
        res = lint_paths(files, Options(), jobs=jobs)
        assert [r.path for r in res] == files
        assert [[f.to_dict() for f in r.findings] for r in res] == serial


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the worker inherits the patch by fork")
def test_a_dying_worker_costs_its_file_only(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    files = _project(tmp_path, 8)
    boom = files[2]
    real = lint.check_one

    def dies_on_boom(path: str, *a: object, **k: object) -> lint.FileResult:
        if path == boom:
            os._exit(7)
        return real(path, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(lint, "check_one", dies_on_boom)
    res = {r.path: r.findings for r in lint_paths(files, Options(), jobs=2)}
    assert set(res) == set(files)
    assert [f.code for f in res[boom]] == ["LST000"]
    assert "process checking this file died (exit code 7)" in res[boom][0].message
    assert all(res[p] and res[p][0].code != "LST000" for p in files if p != boom)


def test_spawned_workers_answer_as_forked_ones(tmp_path: Path) -> None:
    """macOS and Windows start workers with spawn: nothing is inherited but the arguments."""
    files = _project(tmp_path, 6)
    serial = {r.path: [f.to_dict() for f in r.findings]
              for r in lint_paths(files, Options(), jobs=1)}
    got = {files[k]: found for k, found, _deps in workers.run(files, files, Options(), 2,
                                                              method="spawn")}
    assert got == serial
