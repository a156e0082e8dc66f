"""The cyclic garbage collector's settings for a lint run (one job: keep it from rescanning
what a run keeps alive, and from freezing what a file drops)."""

from __future__ import annotations

import gc


def relax() -> tuple[int, int, int]:
    """Parsing allocates millions of short-lived, acyclic nodes that reference counting frees;
    the cyclic collector's default thresholds rescan them over and over (a third of a cold
    run). Collect generation 0 a hundred times less often; return the old thresholds."""
    old = gc.get_threshold()
    gc.set_threshold(70_000, 20, 20)
    return old


def freeze_trees() -> None:
    """Right after a file is parsed: its libcst tree (and any dependency's) stays alive for
    the run and holds no reference cycle, so it leaves the cyclic collector's sight at once
    (``gc.freeze``, no scan); :func:`settle` then scans only what the analysis made."""
    gc.freeze()


def settle() -> None:
    """After each analysed file of a run: what it left alive (the project's parsed files,
    the index) stays alive for the run, so move it out of the cyclic collector's sight
    (``gc.freeze``) instead of rescanning it at every full collection.  A full collection
    first, which scans only what is not frozen yet (what this file made), so the cycles the
    file just dropped are freed, not frozen.  (Rescanning such objects was most of the
    collector's work on a cold run.)"""
    gc.collect()
    gc.freeze()


def collect() -> None:
    """The young generations collected now (the cycles a file that failed to parse left, its
    exception and traceback: freed, never frozen).  Not a full collection: before the run
    has frozen anything, that would rescan the host's whole heap (flake8's, an editor
    server's, a test session's with torch loaded) at every such file."""
    gc.collect(1)


def restore(thresholds: tuple[int, int, int]) -> None:
    """The run is over: the thresholds it found, and what it froze is the collector's again."""
    gc.set_threshold(*thresholds)
    gc.unfreeze()
