"""``--confirm``: the verdict on each finding, from the evidence.

Which run judges a finding (its configuration's, its owner's, its class's), whether that
run's sizes satisfy the finding's constraints, what the file's own module-level run showed,
and ``LST900``: a shape error no finding explains, kept when a second run with another batch
size and length repeats it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

from .catalogue import rule_by_code
from .confirm_evidence import Evidence, in_file
from .confirm_plan import ClassPlan, context_key
from .confirm_sizes import evaluate
from .confirm_witness import judged_by_crash
from .confirm_worker import worker
from .evidence import RunError, crash_lines, lines_of
from .extract import FileModel
from .given_values import SOURCE
from .rule import SHAPE_ERROR, Finding

#: the errors an unexplained crash must be to become an LST900 finding
SHAPE_ERRORS = SHAPE_ERROR[0]


def class_spans(fm: FileModel) -> dict[str, tuple[int, int]]:
    from .positions import locate

    classes = fm.module_classes()
    spans = locate(fm.module, [c.node for c in classes])
    out = {}
    for c in classes:
        sp = spans.get(id(c.node))
        if sp is not None:
            out[c.name] = (sp.line, sp.end_line)
    return out


def _class_of(f: Finding, spans: dict[str, tuple[int, int]]) -> str | None:
    for name, (a, b) in spans.items():
        if a <= f.line <= b:
            return name
    return None


def _near(lines: Sequence[int], targets: set[int]) -> int | None:
    for ln in lines:
        if any(abs(ln - t) <= 1 for t in targets):
            return ln
    return None


def script_verdict(f: Finding, script: dict[str, Any] | None) -> tuple[str | None, str]:
    """The file's own module-level run: ("confirmed", evidence) when its crash passes through
    the finding's line (or related line) with the kind of error the rule predicts; otherwise
    (None, what it showed) -- evidence, not a verdict."""
    if not script:
        return None, ""
    if script.get("failed"):
        return None, f"the file's own module-level run: {script['failed']}"
    raw = script.get("error")
    if raw is None:
        return None, "the file's own module-level run finished without error"
    err = RunError.from_child(raw)
    where = f" at line {err.line}" if err.line else ""
    said = f"the file's own module-level run raised {err.type}{where}: {err.message}"
    through = _near(err.frames, lines_of(f))
    rule = rule_by_code(f.code)
    kinds = rule.confirm_error if rule is not None else None
    if through is not None and kinds is not None and err.type in kinds[0] \
            and re.search(kinds[1], err.message):
        via = f" (its traceback passes through line {through})" if through != err.line \
            else ""
        return "confirmed", said + via
    return None, said


def silent_reason(f: Finding, runs: list[Evidence], why: str) -> str:
    """Why the runs of the finding's own class say nothing of it, in words: where a crash
    stopped the run before the finding's lines, a run that never reached them (a branch it
    does not take), or one that went through them without error (a bug PyTorch does not
    check); ``why``: the class's reason, when it has one."""
    def reached(e: Evidence) -> bool:
        return any(op.line == f.line for op in e.ops if op.op != "build") \
            or f.line in e.built_lines

    ran = [e for e in runs if e.method in ("fx", "eager")]
    if not ran:
        return why
    crashed = [e for e in ran if e.error is not None and e.error.line is not None]
    if crashed and not any(reached(e) for e in crashed):
        err = crashed[0].error
        assert err is not None
        return (why or f"running {crashed[0].cls} raised {err.type} at line {err.line}: "
                f"{err.message}") + (f" (the run stopped there without having gone through line "
                                     f"{f.line}: PyTorch has nothing to say of that line)")
    if why:
        return why
    clean = [e for e in ran if e.error is None]
    if clean and not any(reached(e) for e in clean) \
            and any(op.name.startswith("_tensor_constant") for e in clean for op in e.ops):
        # torch.fx folds a tensor built from constants (torch.zeros(1, 4, 8)) into the
        # graph: the line that built it leaves no operation behind
        return (f"the run of {clean[0].cls} finished without error, but torch.fx folded "
                "tensors built from constants into its graph, so it cannot tell whether line "
                f"{f.line} ran or what it made")
    if clean and not any(reached(e) for e in clean):
        return (f"the run of {clean[0].cls} finished without reaching line {f.line} (a branch "
                "these values and inputs do not take; the model runs in eval mode)")
    if clean:
        return (f"the run of {clean[0].cls} went through line {f.line} without error, and "
                "what it shows there does not decide this finding (PyTorch runs the code as "
                "written: the bug, if real, is silent there)")
    return ""


def constraints_of(f: Finding) -> list[str]:
    cons = getattr(f, "constraints", None)
    return [str(c) for c in cons] if cons else []


def _broken(constraints: Sequence[str], env: dict[str, Any]) -> list[str]:
    bad = []
    for c in constraints:
        try:
            if not evaluate(c, env):
                bad.append(c)
        except Exception:
            bad.append(c)
    return bad


def home_plan(f: Finding, spans: dict[str, tuple[int, int]]) -> str:
    """The plan whose run judges ``f``: its configuration's, its owner's when it was found in a
    child's code as the owner calls it, else the class around its line."""
    conf = f.configuration
    if conf and conf.get("kind") in ("defaults", "call") and conf.get("class"):
        return context_key(conf)
    if f.via and f.owner:
        return f.owner
    return _class_of(f, spans) or ""


def verdict_of(f: Finding, evidence: list[Evidence], spans: dict[str, tuple[int, int]],
               plans: dict[str, ClassPlan], main: str = "") -> tuple[str, str] | None:
    """``main``: the analysed file (a finding in another file's code is judged at that
    file's lines)."""
    rule = rule_by_code(f.code)
    if rule is None:
        return None
    home = home_plan(f, spans)
    in_context = bool(f.via and f.owner) or home in plans and plans[home].context is not None
    # a finding reported in a context is judged by the run in that context only
    pool = [e for e in evidence if e.key == home or e.cls.endswith("()")] if in_context \
        else evidence
    if main and os.path.realpath(f.path) != os.path.realpath(main):
        pool = [in_file(e, os.path.realpath(f.path)) for e in pool]
    try:
        verdict = rule.confirm(f, pool)
    except Exception as exc:  # a rule's reading of a run it did not foresee: no verdict
        return ("unconfirmed", f"lstm-lint could not read the run for {f.code} "
                f"({type(exc).__name__}: {exc})")
    if verdict is None or verdict[0] not in ("confirmed", "refuted"):
        return verdict
    # a run counts only if its sizes satisfy every constraint recorded for the finding
    runs = [e for e in pool if e.key == home] or pool
    cons = constraints_of(f)
    for e in runs:
        bad = _broken(cons, e.env) if cons else []
        if bad:
            return ("unconfirmed", f"the run of {e.cls} used sizes that break "
                    f"{', '.join(bad)} ({', '.join(f'{k}={v}' for k, v in sorted(e.env.items()))})"
                    f"; it would have said: {verdict[0]}: {verdict[1]}")
    if home in plans and plans[home].given_inputs is not None \
            and plans[home].given_env is None and not rule.confirm_at_build:
        return _judged_by_crash_on_given(verdict, f, runs)
    if home in plans and plans[home].witnesses and not rule.confirm_at_build:
        # a finding decided by building the model owes nothing to the forward input
        return judged_by_crash(verdict, f, runs, plans[home].witnesses)
    return verdict


def own_run_verdict(f: Finding, evidence: list[Evidence], spans: dict[str, tuple[int, int]],
                    plans: dict[str, ClassPlan], main: str) -> tuple[str, str, str] | None:
    """A finding reported in a context (a configuration, or a parent that calls the class)
    whose run in that context never came to the finding's line (it crashed before it, was
    not built or not run, took another branch): confirmed by the run of the class around the
    line on its own values, when that run shows the bug as the rule predicts (the layer at
    that line refusing the shapes, say).  Never refuted that way: the bug may hold in the
    context alone.  Returns the verdict and the plan that showed it."""
    import copy

    home = home_plan(f, spans)
    own = _class_of(f, spans)
    if not own or own == home or own not in plans or plans[own].context is not None \
            or os.path.realpath(f.path) != os.path.realpath(main):
        return None

    def went_through(e: Evidence) -> bool:
        return any(op.line == f.line and op.op != "build" for op in e.ops) \
            or f.line in e.built_lines or e.error is not None and e.error.line == f.line

    if any(went_through(e) for e in evidence if e.key == home):
        return None  # the context's run went through the line: its answer stands
    plain = copy.copy(f)
    plain.configuration, plain.via, plain.owner = None, (), None
    verdict = verdict_of(plain, [e for e in evidence if e.key == own], spans, plans, main)
    if verdict is None or verdict[0] != "confirmed":
        return None
    return verdict[0], verdict[1], own


def _judged_by_crash_on_given(verdict: tuple[str, str], f: Finding, runs: list[Evidence]
                              ) -> tuple[str, str]:
    """A run on the inputs the user gave, whose axes the engine's shapes of them do not all
    name (its B and T are not known on them): only a crash at the finding's line decides."""
    from .evidence import error_near, layer_answered

    if verdict[0] == "confirmed" and (error_near(f, runs) is not None
                                      or layer_answered(verdict[1])):
        return verdict
    return ("unconfirmed", f"the run on the inputs {SOURCE} gives would have said: "
            f"{verdict[0]}: {verdict[1]}; but the analysis's shapes of those inputs do not "
            "name each of their axes (which is the batch, which the time), so only a crash "
            "at the finding's line is the code's own answer")


def unexplained_crashes(fm: FileModel, findings: list[Finding],
                        evidence: list[Evidence]) -> list[Finding]:
    """LST900: a shape error that the file's own construction and analysed inputs produce."""
    extra: list[Finding] = []
    for ev in evidence:
        err = ev.error
        if err is None or err.line is None or ev.invented or ev.cls.endswith("()"):
            continue
        if err.type not in SHAPE_ERRORS or err.stage not in ("construct", "forward"):
            continue
        if not re.search(SHAPE_ERROR[1], err.message or ""):
            continue  # not a shape error ("RPC has not been initialized")
        if re.match(r"(not enough|too many) values to unpack", err.message or ""):
            continue  # Python's own unpacking (of whatever), not torch's shape check
        line = err.line
        if any(any(abs(ln - line) <= 1 for ln in crash_lines(f, ev, err)) for f in findings
               if os.path.realpath(f.path) == os.path.realpath(fm.path)):
            continue
        # a crash through a finding in another file's code (a child module) is explained
        at = err.at
        if any(any(abs(ln - at[os.path.realpath(f.path)]) <= 1
                   for ln in crash_lines(f, ev, err))
               for f in findings if os.path.realpath(f.path) in at):
            continue
        if any(f.line == line for f in extra):
            continue
        extra.append(Finding(
            "LST900", "runtime-shape-error", "error",
            f"LST900 running {ev.cls} raised {err.type}: {err.message}", fm.path, None, fm,
            line, 1, line, 1,
            confirmation={"verdict": "confirmed", "evidence": f"{err.type}: {err.message}",
                          "method": ev.method, "device": ev.device}))
    return extra


#: the batch and length of the second run that an LST900 crash must survive
OTHER_BATCH_TIME = {"B": 5, "T": 29}


def crashes_for_any_batch_and_length(path: str, extra: list[Finding], evidence: list[Evidence],
                                     plans: dict[str, ClassPlan], timeout: float,
                                     device: str | None, memory_mb: int) -> list[Finding]:
    """Keep the LST900 crashes that a second run, with another batch size and length, repeats
    (same error, same line): B and T are the caller's to choose, and a crash that only some
    of their values produce (a kernel longer than a short sequence) is no finding."""
    keep: list[Finding] = []
    for f in extra:
        ev = next((e for e in evidence if e.error is not None and e.error.line == f.line
                   and not e.invented), None)
        plan = plans.get(ev.key) if ev is not None else None
        if ev is None or plan is None:
            continue
        if ev.error is not None and ev.error.stage == "construct":
            keep.append(f)  # nothing of the inputs is involved
            continue
        req = plan.request()
        req["batch_time"] = OTHER_BATCH_TIME
        req["fallback"] = plan.context is None or plan.context.get("kind") != "call"
        more = worker().run({"path": os.path.abspath(path), "device": device,
                             "timeout": timeout, "memory_mb": memory_mb, "classes": [req],
                             "calls": [], "script": False}, budget=timeout + 40)
        raw = (more.get("classes") or [{}])[0].get("error")
        again = RunError.from_child(raw) if raw else None
        if again is not None and ev.error is not None and again.line == f.line \
                and again.type == ev.error.type:
            if f.confirmation is not None:
                f.confirmation["evidence"] += (f" (again with B={OTHER_BATCH_TIME['B']}, "
                                               f"T={OTHER_BATCH_TIME['T']})")
            keep.append(f)
    return keep
