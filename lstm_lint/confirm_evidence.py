"""``--confirm``: the worker's answer read as evidence, one :class:`Evidence` per run.

Also why a class was not (fully) run, where its constructor values came from, what the
evidence owes to lstm-lint's stand-ins, and a run as seen from another file's lines.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .confirm_plan import BATCH_SIZE, TIME_SIZE, ClassPlan
from .confirm_sizes import FREE
from .confirm_witness import witness_env
from .evidence import ObservedOp, RunError
from .given_values import SOURCE


@dataclass
class Evidence:
    """What the child saw for one class."""

    cls: str
    ops: list[ObservedOp]
    error: RunError | None
    warnings: list[str]
    method: str | None
    device: str
    output: Any
    env: dict[str, int]
    note: str = ""
    why: str = ""  # why it was not (fully) run
    invented: bool = False
    constraints_broken: list[str] = field(default_factory=list)
    #: the constructor's plain arguments as the model was built (defaults included)
    constructor: dict[str, Any] = field(default_factory=dict)
    #: wall time of the model's job (fork, the file's definitions, build, trace)
    seconds: float | None = None
    #: the plan the run followed (the class, or the class in a configuration)
    key: str = ""
    #: constructor parameters given a placeholder (no value lstm-lint stands behind)
    no_value: list[str] = field(default_factory=list)
    #: ``.cuda()`` calls made no-ops (no CUDA device)
    cuda_on_cpu: int = 0
    #: where the constructor's values came from
    built_from: str = ""
    #: configuration objects given a stand-in that holds only their size attributes
    standins: list[str] = field(default_factory=list)
    #: the analysed file's lines that called torch while the model was built
    built_lines: list[int] = field(default_factory=list)
    #: why the run is the CPU's, on a machine whose device is CUDA (a failure of the device)
    device_note: str = ""
    #: the module call the run's exception came out of: its line, class and input shapes
    raised_in: dict[str, Any] | None = None
    #: the forward inputs are the user's ([tool.lstm-lint.confirm], --input): sizes the user
    #: chose to fit the model's own constants, so a size they share with one is no evidence
    given_inputs: bool = False
    #: a state method run first (``init_hidden(bsz)``): ``returned`` (whether it returned a
    #: state rather than keeping it on self)
    state_call: dict[str, Any] | None = None
    #: a run repeated with every axis of one size in the user's inputs cut to another
    #: (``{"from": 3, "to": 2}``: :mod:`~lstm_lint.confirm_resize`)
    resized: dict[str, int] | None = None

    def __post_init__(self) -> None:
        self.key = self.key or self.cls

    def ops_at(self, line: int, names: Sequence[str] = ()) -> list[ObservedOp]:
        return [o for o in self.ops if o.line == line and (not names or o.name in names)]


def read_evidence(result: dict[str, Any], plans: dict[str, ClassPlan]
                  ) -> tuple[list[Evidence], str | None, dict[str, str]]:
    """Evidence per class run, the reason the whole file failed, why each class was not run
    (by plan key)."""
    failed = result.get("failed")
    if failed is None and result.get("error"):
        ferr = RunError.from_child(result["error"])
        where = f" (line {ferr.line})" if ferr.line else ""
        failed = f"running the file's definitions raised {ferr.type}{where}: {ferr.message}"
    dev = result.get("device") or "cpu"
    why: dict[str, str] = {}
    for key, p in plans.items():
        if p.inputs is None and p.why_no_inputs:
            why[key] = f"{p.cls.name} built only: {p.why_no_inputs}"
    evidence = []
    for c in result.get("classes", []):
        name = c.get("class", "?")
        key = c.get("key") or name
        plan = plans.get(key)
        if c.get("failed"):
            why[key] = f"running {name}: {c['failed']}"
            continue
        if c.get("not_run"):
            why[key] = f"{name}: {c['not_run']}"
        used = c.get("no_value_used")
        if used and plan is not None:
            root = used["name"].split(".")[0]
            what = plan.missing.get(used["name"]) or (
                "an attribute of a configuration object, not known to be a size"
                if "." in used["name"] and root in plan.missing else "not known to be a size")
            at = f" at line {used['line']}" if used.get("line") else ""
            stage = {"construct": "building it", "forward": "running it",
                     "inputs": "its inputs"}.get(used.get("stage"), "the run")
            why[key] = (f"{name} not run: no value for constructor parameter {used['name']!r} "
                        f"({what}), which {stage} uses{at}: give it in [tool.lstm-lint.confirm] or "
                        "--args, or build the model in the file")
        err = RunError.from_child(c["error"]) if c.get("error") is not None else None
        if err is not None and plan is not None:
            where = f" at line {err.line}" if err.line else ""
            stage = {"construct": "building", "forward": "running"}.get(err.stage or "",
                                                                         "running")
            why[key] = f"{stage} {name} raised {err.type}{where}: {err.message}"
            env = environment_failure(err)
            if env:
                why[key] += f" ({env})"
        invented = bool(plan and (plan.invented or c.get("no_value") or c.get("ctor_filled")
                                  or c.get("standins"))
                        and (c.get("ctor_source") != "call" or c.get("ctor_filled"))) \
            or any(FREE.match(n) for n in c.get("env") or {}) \
            or bool(plan and plan.given_inputs is not None)
        # (a free size of the caller's data, L or x_dim0, is free as far as the analysis
        # knows: the code may still need it to be a constructor value it never saw tied to
        # it, as open-unmix's bins axis broadcast against its 513-wide mean is; a crash no
        # rule predicts on it is no LST900; nor is a crash on the inputs the user gave: the
        # second run, with another batch and length, cannot change them)
        # a forward run on a witness input (confirm_witness) ran on the confirmer's choice of
        # input: what it crashes on may be that choice (the -1 of a reshape the code needs
        # to be one size), so it is never an LST900 either
        invented = invented or bool(plan and plan.witnesses
                                    and (err is None or err.stage != "construct"))
        evidence.append(Evidence(name, [ObservedOp.from_child(o) for o in c.get("ops", [])],
                                 err, c.get("warnings", []),
                                 c.get("method"), c.get("device") or dev, c.get("output"),
                                 {"B": BATCH_SIZE, "T": TIME_SIZE, **(c.get("env") or {})},
                                 c.get("fx_error", ""), why.get(key, ""), invented,
                                 list(c.get("constraints_broken") or []),
                                 dict(c.get("constructor") or {}), c.get("wall_s"), key,
                                 list(c.get("no_value") or []), int(c.get("cuda_on_cpu") or 0),
                                 _built_from(c, plan), list(c.get("standins") or []),
                                 list(c.get("built_lines") or []),
                                 str(c.get("device_note") or ""), c.get("raised_in"),
                                 bool(plan and plan.given_inputs is not None),
                                 c.get("state_call"), c.get("resized")))
    return evidence, failed, why


#: (error type, message pattern, what it says of the environment): a crash that is this
#: machine's, not the model's (a library version, the network, a service), and so no verdict
_ENVIRONMENT = (
    (("AttributeError",), r"^module '((?:numpy|scipy|pandas|sklearn)(?:\.\w+)*)' has no "
     r"attribute '(\w+)'",
     "an environment failure, not a verdict on shapes: the installed {0} has no {0}.{1}; the "
     "file needs a version of it that has"),
    (("ConnectionError", "URLError", "HTTPError", "gaierror", "MaxRetryError", "timeout",
      "ConnectTimeout", "SSLError", "OSError"),
     r"(?i)Max retries exceeded|Failed to resolve|Name or service not known|"
     r"Temporary failure in name resolution|Network is unreachable|Connection refused|"
     r"getaddrinfo failed|nodename nor servname",
     "an environment failure, not a verdict on shapes: building the model downloads from "
     "the network, which this run cannot reach"),
    (("RuntimeError",), r"^RPC has not been initialized",
     "an environment failure, not a verdict on shapes: the model needs torch.distributed.rpc "
     "running (init_rpc), which a model built on its own does not have"),
    (("RuntimeError", "ValueError", "AssertionError"),
     r"(?i)Default process group has not been initialized|init_process_group",
     "an environment failure, not a verdict on shapes: the model needs a "
     "torch.distributed process group, which a model built on its own does not have"),
)


def environment_failure(err: RunError) -> str | None:
    """What a crash says of the machine it ran on (a library version that lacks a function,
    no network, no distributed runtime), in words; None for a crash of the model's own."""
    import re

    for types, pattern, said in _ENVIRONMENT:
        if err.type not in types:
            continue
        m = re.search(pattern, err.message or "")
        if m is not None:
            return said.format(*m.groups())
    return None


def _built_from(c: dict[str, Any], plan: ClassPlan | None) -> str:
    """Where a run's constructor values came from, in words."""
    if c.get("ctor_source") != "call":
        if plan is None:
            return ""
        if not plan.calls:
            return plan.source
        # the file's calls could not be used: the plan's own values
        if plan.engine_values:  # what the analysis knows of the call (a builder's defaults)
            return plan.source + (f" ({c['ctor_note']})" if c.get("ctor_note") else "")
        text = "the constructor's defaults" + (", and distinct primes for the required sizes"
                                               if plan.invented else "")
        return text + (f" ({c['ctor_note']})" if c.get("ctor_note") else "")
    where = f"{os.path.basename(c['ctor_path'])}:{c.get('ctor_line')}" if c.get("ctor_path") \
        else f"line {c.get('ctor_line')}"
    text = f"the call at {where}"
    given = [n for n in c.get("ctor_filled") or [] if n in getattr(plan, "from_table", [])]
    rest = [n for n in c.get("ctor_filled") or [] if n not in given]
    if given:
        text += ", with " + ", ".join(given) + f" not evaluable there from {SOURCE}"
    if rest:
        text += (", with " + ", ".join(rest) + " not evaluable there (a size "
                 "gets a prime, anything else a placeholder)")
    return text


def standin_notes(runs: list[Evidence]) -> str:
    """What the evidence owes to lstm-lint's stand-ins (said with every verdict)."""
    notes = []
    placeholders = sorted({n for e in runs for n in e.no_value})
    if placeholders:
        notes.append("built with a placeholder for " + ", ".join(repr(n) for n in placeholders)
                     + " (no value lstm-lint stands behind: any use of it stops the run)")
    standins = sorted({n for e in runs for n in e.standins})
    if standins:
        notes.append("built with a stand-in for " + ", ".join(repr(n) for n in standins)
                     + " (a configuration object: only the attributes the analysis uses as "
                     "sizes hold values, distinct primes; any other use of it stops the run)")
    if any(e.cuda_on_cpu for e in runs):
        notes.append("the model's .cuda() calls ran on the CPU, the run's device")
    notes += sorted({e.device_note for e in runs if e.device_note})
    return "".join(f"; {n}" for n in notes)


def name_sizes(evidence: list[Evidence], plans: dict[str, Any]) -> None:
    """Each run's sizes by the analysis's names: those the user's inputs fix (not the
    confirmer's batch and length), and those a witness input chose."""
    for e in evidence:
        fixed = plans[e.key].given_env if e.key in plans else None
        if fixed is not None:
            e.env = {**{k: v for k, v in e.env.items() if k not in ("B", "T")}, **fixed}
        if e.key in plans and plans[e.key].witnesses:
            e.env.update(witness_env(plans[e.key].witnesses, e.env))


def in_file(e: Evidence, path: str) -> Evidence:
    """The run as seen from another file's lines: its ops placed there (``op.at``), its
    error at that file's innermost line of the traceback (none when the crash did not pass
    through it: the run then did not run clean there either)."""
    ops = [replace(o, line=o.at[1]) for o in e.ops if o.at and o.at[0] == path]
    err = None
    if e.error is not None:
        line = e.error.at.get(path)
        err = replace(e.error, line=line, frames=[line] if line else [])
    return replace(e, ops=ops, error=err, built_lines=[])
