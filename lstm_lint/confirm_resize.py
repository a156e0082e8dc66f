"""``--confirm``: the run on the user's inputs repeated with the state's batch cut to another
size.

On the inputs ``[tool.lstm-lint.confirm]`` gives, an RNN refusing the state the code built
(``Expected hidden[0] size (1, 14, 1024), got [1, 3, 1024]`` for an input ``[3, 14, 300]``)
cannot tell a state built from the input's axis the code takes for the batch from one of a
fixed size that the user's batch equals (``N_ENVS = 9`` with a batch of 9), or from one the
user passes in.  Two more runs, every axis of that size in the inputs cut to another (the
first rows kept), then the same with their float values moved, tell them apart: a state
that follows the cut, and whose values did not move, is built from the inputs' sizes, and the
layer that still takes its batch from the other axis reads batch and time the other way round
from the code (:func:`~lstm_lint.evidence_state.state_refused_by_layer` judges the runs).
"""

from __future__ import annotations

import copy
import dataclasses
import os
from typing import Any

from .confirm_evidence import Evidence
from .confirm_reach import variant_runs
from .confirm_verdicts import home_plan, verdict_of
from .evidence_state import CUT_AGAIN, refused_batch
from .rule import Finding


def resized_runs(fm: Any, judged: list[Finding], verdicts: dict[int, tuple[str, str] | None],
                 evidence: list[Evidence], spans: dict[str, tuple[int, int]],
                 by_key: dict[str, Any], run: tuple[float, str | None, int, list[str]]
                 ) -> dict[int, tuple[tuple[str, str], list[Evidence], str, Any]]:
    """Findings without a verdict whose run on the user's inputs crashed on a layer refusing
    the state the code built: each judged by that run and two more, the inputs' axes of the
    state's batch cut to another size, and the same with their values moved (two more jobs
    per plan and size, in the same worker).  Returns, per finding confirmed so, the verdict,
    the three runs, no note and the plan."""
    wanted: dict[int, tuple[Finding, tuple[Any, Any], str]] = {}
    for f in judged:
        home = home_plan(f, spans)
        plan = by_key.get(home)
        if verdicts.get(id(f)) is not None or plan is None or plan.given_inputs is None \
                or os.path.realpath(f.path) != os.path.realpath(fm.path):
            continue
        refused = refused_batch(f, [e for e in evidence if e.key == home])
        if refused is None:
            continue
        cut, moved = copy.copy(plan), copy.copy(plan)
        cut.resize = {"from": refused[0], "avoid": [refused[1]]}
        moved.resize = {**cut.resize, "shift": True}
        wanted[id(f)] = (f, (cut, moved), home)
    if not wanted:
        return {}
    more = variant_runs(fm.path, [v for _f, vs, _h in wanted.values() for v in vs], run)
    out: dict[int, tuple[tuple[str, str], list[Evidence], str, Any]] = {}
    for key_f, (f, variants, home) in wanted.items():
        keys = {v.key for v in variants}
        again = [dataclasses.replace(e, key=home) for e in more if e.key in keys]
        if len(again) != 2:
            continue
        runs = [e for e in evidence if e.key == home] + again
        verdict = verdict_of(f, runs, spans, by_key, fm.path)
        # only the runs' joint answer counts: the cut inputs are the confirmer's, and whatever
        # else the extra runs show is no evidence of the user's values
        if verdict is not None and verdict[0] == "confirmed" and CUT_AGAIN in verdict[1]:
            out[key_f] = (verdict, runs, "", by_key[home])
    return out
