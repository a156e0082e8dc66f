"""``--confirm``: the runs that come to a finding's line the planned run does not reach.

A finding inside ``if self.recurrent:`` whose class was built with ``recurrent=False``, inside
``if self.training:`` (the planned run is in eval mode), or in ``init_hidden(self, bsz)``,
which ``forward`` never calls, is judged by one more run of its class: built with the values
the conditions around the line ask for, in training mode, or with that state method called
with the run's batch before ``forward`` (:mod:`~lstm_lint.confirm_branches` reads them off
the source).
"""

from __future__ import annotations

import copy
import dataclasses
import os
import re
from typing import Any

from .confirm_branches import branch_flags, state_method_call, wants_training
from .confirm_evidence import Evidence, name_sizes, read_evidence
from .confirm_verdicts import home_plan, verdict_of
from .confirm_worker import run_child
from .evidence import STATE_CHECK
from .rule import Finding


def variant_runs(path: str, variants: list[Any], run: tuple[float, str | None, int, list[str]]
                 ) -> list[Evidence]:
    """The runs of the variant plans of a file's classes (one more job each, in the same
    worker; none when the file itself failed), their sizes named as the plans'."""
    timeout, device, memory_mb, also = run
    plans = {v.key: v for v in variants}
    result = run_child(path, list(plans.values()), timeout, device, memory_mb, also=also)
    more, failed, _why = read_evidence(result, plans)
    name_sizes(more, plans)  # (the batch the user's inputs fix, not the confirmer's)
    return [] if failed else more


def branch_runs(fm: Any, judged: list[Finding], verdicts: dict[int, tuple[str, str] | None],
                evidence: list[Evidence], spans: dict[str, tuple[int, int]],
                by_key: dict[str, Any], run: tuple[float, str | None, int, list[str]]
                ) -> dict[int, tuple[tuple[str, str] | None, list[Evidence], str, Any]]:
    """Findings without a verdict whose class ran without coming to their line, where the
    ``if`` statements around it ask for constructor values the run did not have (``if
    self.recurrent:`` with ``recurrent=False``) or for training mode (``if self.training:``),
    or the line is in a state method forward never calls (``init_hidden(bsz)``): each judged
    by a second run built with those values, in training mode, or with the method called
    first (one more job per configuration, in the same worker).  A constructor value or a
    state method only after a run that went through without error; training mode also after
    one that crashed in the eval branch.  Returns, per finding, the verdict (None: still
    none), the runs that judged it, a note saying how the model was built, and the plan of
    that run."""
    wanted: dict[int, tuple[Finding, Any, dict[str, Any]]] = {}
    for f in judged:
        home = home_plan(f, spans)
        plan = by_key.get(home)
        if verdicts.get(id(f)) is not None or plan is None \
                or os.path.realpath(f.path) != os.path.realpath(fm.path):
            continue
        runs = [e for e in evidence if e.key == home]
        if not runs or any(e.method not in ("fx", "eager") for e in runs) \
                or any(op.line == f.line for e in runs for op in e.ops) \
                or any(e.error is not None and e.error.line == f.line for e in runs):
            continue
        # (in eval mode the run may have crashed in the other branch of ``if self.training``;
        # a flag or a state method is tried only after a run that went through cleanly)
        clean = all(e.error is None for e in runs)
        flags = {k: v for k, v in branch_flags(fm.text, plan.cls.name, f.line).items()
                 if runs[0].constructor.get(k, object()) != v} if clean else {}
        state = state_method_call(fm.text, plan.cls.name, f.line) if clean else None
        if state is not None and plan.given_inputs is not None \
                and "B" not in (plan.given_env or {}):
            state = None  # the user's batch is not known by name: no batch to give it
        train = wants_training(fm.text, plan.cls.name, f.line)
        if not flags and state is None and not train:
            continue
        variant = copy.copy(plan)
        variant.flags = {**plan.flags, **flags}
        variant.train = train
        if state is not None:
            variant.state_call = {"method": state[0], "param": state[1],
                                  "B": (plan.given_env or {}).get("B")}
        wanted[id(f)] = (f, variant, flags)
    if not wanted:
        return {}
    more = variant_runs(fm.path, [v for _f, v, _fl in wanted.values()], run)
    out: dict[int, tuple[tuple[str, str] | None, list[Evidence], str, Any]] = {}
    for key_f, (f, variant, flags) in wanted.items():
        home = home_plan(f, spans)
        runs = [dataclasses.replace(e, key=home) for e in more if e.key == variant.key]
        if not runs:
            continue
        said = ", ".join(f"{k}={v!r}" for k, v in sorted(flags.items()))
        note = (f"; built with {said}, as the conditions around line {f.line} ask (the run "
                "with the planned values did not come to it)") if flags else ""
        if variant.train:
            note += (f"; run in training mode, as the conditions around line {f.line} ask "
                     "(the planned run, in eval mode, did not come to it)")
        call = variant.state_call
        if call:
            b = call["B"] or runs[0].env.get("B")
            note += (f"; {call['method']}({call['param']}={b}) was called before forward, as a "
                     "training loop calls it (forward never does)")
        verdict = verdict_of(f, runs, spans, {**by_key, home: variant}, fm.path)
        err = runs[0].error
        if call and err is not None and err.line is not None \
                and err.message not in (verdict or ("", ""))[1]:
            note += f" (forward raised {err.type} at line {err.line}: {err.message})"
        done = (runs[0].state_call or {}) if call else {}
        refused = [e for e in runs if e.error is not None
                   and re.search(STATE_CHECK, e.error.message or "")]
        if call and verdict is not None and verdict[0] == "confirmed" and not refused:
            # only the RNN refusing a state shows the bug the run met: a state kept on self
            # that forward ran on without error (it rebuilds a state of another batch, say),
            # or one returned (which forward input takes it, if any, the code does not say:
            # handing it over by a guess made other layers refuse it), is only the finding's
            # own claim about what the method built
            verdict = None
            if done.get("returned"):
                note += (", but no RNN refused a state it built (what it returned is handed to "
                         "no input of forward's: which one takes it, the code does not say)")
            elif err is not None:
                note += ", and no RNN refused the state it built"
            else:
                note += ", and forward then ran on the state it built without error"
        out[key_f] = (verdict, runs, note, variant)
    return out
