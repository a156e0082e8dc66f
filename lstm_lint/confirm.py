"""Step 7 (optional): ``--confirm`` proves or refutes findings by running the real model.

The parent never imports torch.  It plans each model class (constructor arguments, forward
inputs as symbolic shapes, the size constraints the analysis recorded) and hands the file to
one worker process (:mod:`lstm_lint.confirm_child`) that imports torch once for the whole run
and forks a process per model, each with the timeout and the memory limit.  Each rule then
decides from the shapes the real model produced whether its finding is ``confirmed``,
``refuted`` or stays ``unconfirmed``.

What the run may use is only what the analysis stands behind: constructor values from
``--args``, from an instantiation in the file (evaluated among the file's definitions, so a
configuration object or a probability keeps the file's own value), or defaults; a parameter
the engine knows to be a size may get a prime; anything else is not invented: the child
passes a placeholder that stops the run at its first use, with the reason.  A finding reported
in a context (found in a child's code through its parent, or under a configuration: the
defaults, a script's call) is judged by the run in that context.  Which rules are decided by
building alone, which error each predicts and which are judged at the loss are attributes of
the rules (``Rule.confirm_at_build``, ``confirm_error``, ``confirm_at_loss``).  Script-style files
run their definitions only; when their
own module-level code crashes, that crash confirms a finding whose line its traceback passes
through with the kind of error the rule predicts, and is otherwise shown as evidence.

The step, in the order its data flows: :mod:`lstm_lint.confirm_plan` plans each class (from
what :mod:`lstm_lint.confirm_facts` reads off the analysis), :mod:`lstm_lint.confirm_worker`
hands the plans to the worker, :mod:`lstm_lint.confirm_evidence` reads its answer as evidence
per run, and :mod:`lstm_lint.confirm_verdicts` judges each finding from that evidence
(:mod:`lstm_lint.confirm_reach` runs the class once more for a finding the planned run does
not reach).  This
module runs the step for one file (:func:`confirm_file`); ``shapes --confirm`` is
:mod:`lstm_lint.confirm_shapes`.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from .analyze import FileAnalysis
from .catalogue import rule_by_code
from .confirm_evidence import Evidence, name_sizes, read_evidence, standin_notes
from .confirm_facts import instantiations_of, raw_instantiations
from .confirm_plan import loss_functions, plan_class
from .confirm_reach import branch_runs
from .confirm_resize import resized_runs
from .confirm_shapes import observe_shapes, shape_str
from .confirm_values import ConfirmValues, Given
from .confirm_verdicts import (
    class_spans,
    constraints_of,
    crashes_for_any_batch_and_length,
    home_plan,
    own_run_verdict,
    script_verdict,
    silent_reason,
    unexplained_crashes,
    verdict_of,
)
from .confirm_witness import witness_note
from .confirm_worker import run_child, worker
from .evidence import lines_of
from .given_values import SOURCE
from .rule import Finding
from .symbolic import const


class ConfirmUnavailable(Exception):
    """torch is not installed."""


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def confirm_file(fa: FileAnalysis, findings: list[Finding], project: Any, timeout: float,
                 device: str | None, memory_mb: int = 4096,
                 user_args: Any = None, values: ConfirmValues | None = None
                 ) -> tuple[list[Evidence], list[Finding]]:
    """Attach verdicts to ``findings`` (in place); return the evidence and new LST900 findings.

    A finding reported in a context is judged by a run in that context: one found in a
    child's code as its parent calls it (``when called through self.decoder``) by the
    parent's run; one found under a configuration (``with the defaults ...``, ``as built at
    train.py:27``) by a run of the class built that way.

    ``values``: ``[tool.lstm-lint.confirm]`` (constructor arguments and forward inputs per
    class); a class's values that its constructor or ``forward`` would refuse are a usage
    error.
    """
    fm = fa.fm
    inst = instantiations_of(fa)
    spans = class_spans(fm)
    judged = [f for f in findings if f.code not in ("LST000", "LST001")]
    own: dict[str, list[str]] = {}
    for f in judged:
        name = home_plan(f, spans)
        if name:
            mine = own.setdefault(name, [])
            mine += [c for c in constraints_of(f) if c not in mine]
    raw = raw_instantiations(fa)
    classes = {c.name: c for c in fm.module_classes()}
    plans = [plan_class(fm, c, project, user_args, inst, own.get(c.name), raw.get(c.name),
                        given=given_for(fm, c, project, values))
             for c in classes.values()]
    by_key = {p.key: p for p in plans}
    for f in judged:
        conf = f.configuration
        key = home_plan(f, spans)
        if not conf or key in by_key or conf.get("class") not in classes:
            continue
        if conf["kind"] == "call" and not conf.get("line"):
            continue
        ctx = {"kind": conf["kind"], "path": conf.get("path"), "line": conf.get("line")}
        plan = plan_class(fm, classes[conf["class"]], project, None, inst, own.get(key),
                          (conf.get("args") or [], conf.get("kwargs") or {}), ctx,
                          given=given_for(fm, classes[conf["class"]], project, values))
        plan.context = dict(ctx, label=conf.get("label", ""))
        its = [g for g in judged if home_plan(g, spans) == key]
        if all((r := rule_by_code(g.code)) is not None and r.confirm_at_build for g in its):
            # the configuration's findings are decided by building the model: no forward run
            plan.inputs = None
            plan.why_no_inputs = "its findings in this configuration are decided by building it"
        by_key[key] = plan
        plans.append(plan)
    # findings in another file's code (a child module the file's class builds): the runs
    # also place their ops at that file's lines
    also = sorted({os.path.realpath(f.path) for f in judged
                   if os.path.realpath(f.path) != os.path.realpath(fm.path)})
    result = run_child(fm.path, plans, timeout, device, memory_mb, also=also)
    evidence, failed, why = read_evidence(result, by_key)
    name_sizes(evidence, by_key)
    verdicts: dict[int, tuple[str, str] | None] = {}
    for f in judged:
        verdicts[id(f)] = None if failed else verdict_of(f, evidence, spans, by_key, fm.path)
    script: dict[str, Any] | None = None
    calls = loss_functions(fm, [f for f in judged if verdicts[id(f)] is None])
    # the file's own module-level run: when some finding is still open and the file has
    # module-level code beyond its definitions (even when those definitions failed: a name
    # they need may be bound by that code)
    if not result.get("failed") and any(v is None for v in verdicts.values()) \
            and (result.get("skipped_lines") or calls):
        more = run_child(fm.path, [], timeout, device, memory_mb, calls, script=True)
        script = more.get("script") or ({"failed": more["failed"]} if more.get("failed")
                                        else None)
        if script is not None:
            script.setdefault("device", more.get("device"))
        if script and script.get("calls"):
            extra_ev, _f, _w = read_evidence({"classes": script["calls"],
                                              "device": more.get("device")}, by_key)
            evidence += extra_ev
            for f in judged:
                if verdicts[id(f)] is None:
                    verdicts[id(f)] = verdict_of(f, evidence, spans, by_key, fm.path)
    # a finding in a branch the run did not take: the run again, built with the constructor
    # values the branch's conditions ask for (kept apart from the evidence LST900 reads)
    branched = {} if failed else branch_runs(fm, judged, verdicts, evidence, spans, by_key,
                                             (timeout, device, memory_mb, also))
    # a layer refusing, on the user's inputs, the state the code built: the run again with the
    # state's batch cut (a state that follows it is no constant the inputs were sized to)
    branched.update({} if failed else resized_runs(
        fm, judged, {**verdicts, **{k: v[0] for k, v in branched.items()}}, evidence, spans,
        by_key, (timeout, device, memory_mb, also)))
    dev = evidence[0].device if evidence else None
    for f in judged:
        verdict = verdicts[id(f)]
        s_verdict, s_said = script_verdict(f, script)
        if failed and s_verdict == "confirmed":
            f.confirmation = {"verdict": "confirmed", "evidence": s_said, "method": "script",
                              "device": (script or {}).get("device")}
            continue
        if failed:
            f.confirmation = {"verdict": "unconfirmed", "evidence": failed}
            if s_said:
                f.confirmation["script"] = s_said
            continue
        home = home_plan(f, spans)
        runs = [e for e in evidence if e.key == home]
        flag_note = ""
        plan_of = by_key.get(home)
        if id(f) in branched:
            # judged by the run in the branch's configuration
            verdict, runs, flag_note, plan_of = branched[id(f)]
        run_method = ", ".join(sorted({e.method for e in (runs or evidence) if e.method}))
        if s_verdict == "confirmed" and (verdict is None or verdict[0] != "confirmed"):
            verdict = ("confirmed", s_said)
            s_said = ""
            run_method = "script"
        rule = rule_by_code(f.code)
        clean = [e for e in runs if e.error is None and e.method is not None]
        if verdict is None and rule is not None and rule.confirm_at_build and clean \
                and not any(op.op == "build" and op.line in lines_of(f)
                            for e in clean for op in e.ops):
            # the model was built, but not the layer the finding is about
            verdict = ("unconfirmed", f"{clean[0].cls} was built ({clean[0].built_from}) "
                       f"without building the layer at line {f.line}: with these values its "
                       "code does not reach it")
        shown_by = own_run_verdict(f, evidence, spans, by_key, fm.path) \
            if verdict is None or verdict[0] == "unconfirmed" else None
        if shown_by is not None:
            # the context's run never came to the line; the class's own run shows the bug
            there = silent_reason(f, runs, why.get(home, "")) or "it did not come to the line"
            own_plan = by_key[shown_by[2]]
            verdict = (shown_by[0], f"{shown_by[1]} (in the run of {shown_by[2]} built from "
                       f"{own_plan.source}; the run in the context it was reported in says "
                       f"nothing of it: {there})")
            runs = [e for e in evidence if e.key == shown_by[2]]
            run_method = ", ".join(sorted({e.method for e in runs if e.method}))
            home = shown_by[2]
        if verdict is None:
            verdict = ("unconfirmed", silent_reason(f, runs, why.get(home, ""))
                       or "; ".join(sorted(set(why.values())))
                       or "the run shows nothing at this line")
        elif run_method != "script":
            note = witness_note(plan_of.witnesses if plan_of is not None
                                and not (rule is not None and rule.confirm_at_build) else [])
            shown = plan_of.given_inputs if plan_of is not None else None
            if shown and not (rule is not None and rule.confirm_at_build):
                note += f"; forward input {', '.join(shown)} from {SOURCE}"
            verdict = (verdict[0], verdict[1] + standin_notes(runs)
                       + (note if note[2:] not in verdict[1] else ""))
        verdict = (verdict[0], verdict[1] + flag_note)
        f.confirmation = {"verdict": verdict[0], "evidence": verdict[1], "method": run_method,
                          "device": (runs[0].device if runs and run_method != "script"
                                     else dev) or (script or {}).get("device")}
        built = sorted({e.built_from for e in runs if e.built_from})
        if built and run_method != "script":
            f.confirmation["built"] = "; ".join(built)
        if shown_by is not None:
            pass  # judged outside its context: the evidence says by which run
        elif home in by_key and by_key[home].context is not None:
            f.confirmation["context"] = by_key[home].source
        elif f.via and f.owner:
            f.confirmation["context"] = f"{f.owner}, which calls {' -> '.join(f.via)}"
        if s_said:
            f.confirmation["script"] = s_said
    extra = [] if failed else unexplained_crashes(fm, findings, evidence)
    if extra:
        extra = crashes_for_any_batch_and_length(fm.path, extra, evidence, by_key, timeout,
                                                 device, memory_mb)
    return evidence, extra


def given_for(fm: Any, cls: Any, project: Any, values: ConfirmValues | None) -> Given | None:
    """The class's values from ``[tool.lstm-lint.confirm]``, bound as Python would bind them
    against its real ``__init__`` and ``forward`` (a misspelt keyword, too many or too few
    values: a usage error)."""
    given = values.for_class(fm.path, cls.name) if values else None
    if given is None:
        return None
    from .discover import UsageError
    from .shapes import signatures

    init_sig, fwd_sig = signatures(fm, cls, project)
    where = f"{values.path}: {SOURCE} {given.key!r}" if values and values.path \
        else f"{SOURCE} {given.key!r}"
    if given.has_args:
        if init_sig is not None:
            init_sig.bind(len(given.args), list(given.kwargs), f"{where} args")
        elif given.args or given.kwargs:
            raise UsageError(f"{where} args: {cls.name}() takes no arguments")
    if given.inputs is not None and fwd_sig is not None:
        fwd_sig.bind(len(given.inputs), [], f"{where} inputs", unit="input")
    return given


#: also importable from here, as before the step was split into its modules
__all__ = ["ConfirmUnavailable", "Evidence", "confirm_file", "const", "instantiations_of",
           "observe_shapes", "plan_class", "run_child", "script_verdict", "shape_str",
           "torch_available", "worker"]
