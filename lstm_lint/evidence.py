"""Helpers for ``Rule.confirm``: reading what ``--confirm``'s child process observed.

Evidence (``confirm_evidence.Evidence``) is what one run showed: the error it raised
(:class:`RunError`), the operations it went through (:class:`ObservedOp`: name, line, argument
and output shapes) and the sizes it ran with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .findings import Finding


@dataclass
class RunError:
    """An exception a run raised, as the child process reported it."""

    type: str  # the exception's class name
    message: str  # its first line
    #: the innermost line of the analysed file in the traceback (None: not passed through)
    line: int | None = None
    #: where it was raised: definitions | construct | forward | inputs | script | call
    stage: str | None = None
    #: the analysed file's lines in the traceback, outermost first
    frames: list[int] = field(default_factory=list)
    #: the innermost line of each other project file the traceback passed through
    at: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def from_child(d: dict[str, Any]) -> RunError:
        return RunError(d["type"], d["message"], d.get("line"), d.get("stage"),
                        list(d.get("frames") or []), dict(d.get("at") or {}))


@dataclass
class ObservedOp:
    """One operation a run went through: a torch.fx node, a function or module call, or the
    build of a recurrent layer (``op == "build"``, with its ``config``)."""

    line: int | None  # the analysed file's line that ran it
    op: str  # call_function | call_module | call_method | build | output | ...
    name: str  # the function, method or module class
    #: argument shapes (lists of ints) and plain values, as the child wrote them
    args: list[Any] = field(default_factory=list)
    out: Any = None  # the output's shape
    module: str | None = None  # call_module: the module's class
    config: dict[str, Any] | None = None  # build: the layer's options
    #: ``x[...]``: for each row of the result, whether it is all zeros
    zero_rows: list[bool] | None = None
    #: ``x[...]`` of a tensor of three or more axes: whether it holds a zero vector at some
    #: position of its first two axes (padding; False: every sequence ran its full length)
    padded: bool | None = None
    #: (file, line) in another project file whose code ran it
    at: tuple[str, int] | None = None

    @staticmethod
    def from_child(d: dict[str, Any]) -> ObservedOp:
        at = d.get("at")
        return ObservedOp(d.get("line"), d.get("op", ""), d.get("name", ""),
                          list(d.get("args") or []), d.get("out"), d.get("module"),
                          d.get("config"), d.get("zero_rows"),
                          padded=d.get("padded"), at=(at[0], at[1]) if at else None)


def lines_of(f: Finding) -> set[int]:
    lines = {f.line}
    for r in f.related:
        if r.span is not None:
            lines.add(r.span.line)
    return lines


#: the RNN's own check of an initial state (``Expected hidden[0] size (1, 3, 16), got ...``)
#: the message of an RNN refusing an initial state
STATE_CHECK = r"Expected hidden(\[\d\])? size"


def crash_lines(f: Finding, ev: Any, err: RunError) -> set[int]:
    """The lines a crash of this run may be at to speak of ``f``: its own and its related
    lines; but the call a state is passed to (read from the source:
    :data:`lstm_lint.state_consumers.RECEIVES_STATE`) only when the run went through the
    state's own line (in ``forward``, or while the model was built: ``self.hidden =
    self.init_hidden()`` in ``__init__``) and the crash is the RNN's check of a state: a
    branch not taken builds its state otherwise, and the call raises for many reasons of its
    own."""
    from .state_consumers import RECEIVES_STATE

    lines = {f.line}
    receivers: set[int] = set()
    for r in f.related:
        if r.span is not None:
            (receivers if r.message == RECEIVES_STATE else lines).add(r.span.line)
    ran = bool(ev.ops_at(f.line)) or f.line in (getattr(ev, "built_lines", None) or ())
    if receivers and ran and re.search(STATE_CHECK, err.message or ""):
        lines |= receivers
    return lines


def error_near(f: Finding, evidence: list[Any]) -> tuple[str, str] | None:
    """A run that crashed at (or next to) one of the finding's lines with the error its rule
    predicts (``Rule.confirm_error``, when the rule names one): confirmed."""
    from .catalogue import rule_by_code

    rule = rule_by_code(f.code)
    kinds = rule.confirm_error if rule is not None else None
    for ev in evidence:
        err: RunError | None = ev.error
        if err is None or err.line is None or not any(abs(err.line - ln) <= 1
                                                      for ln in crash_lines(f, ev, err)):
            continue
        if kinds is None or (err.type in kinds[0] and re.search(kinds[1], err.message or "")):
            return ("confirmed", f"PyTorch raised {err.type} at line {err.line}: "
                    f"{err.message}")
    return None


def getitems_at(evidence: list[Any], line: int) -> list[tuple[Any, ObservedOp]]:
    """``x[...]`` operations observed at ``line``: (evidence, op)."""
    out = []
    for ev in evidence:
        op: ObservedOp
        for op in ev.ops:
            if op.line == line and op.name in ("getitem", "__getitem__") \
                    and op.args and isinstance(op.args[0], list):
                out.append((ev, op))
    return out


def int_index(op: ObservedOp) -> list[tuple[int, int]]:
    """(axis, index) pairs of the integer indices in an observed ``x[...]``."""
    idx = op.args[1] if len(op.args) > 1 else None
    items = idx if isinstance(idx, list) else [idx]
    out = []
    for axis, it in enumerate(items):
        if isinstance(it, int) and not isinstance(it, bool):
            out.append((axis, it))
    return out


#: in a verdict drawn from the axes a recurrent layer itself gave its output (its final state
#: holds the batch): the layer's own answer, not the confirmer's naming of an input's axes
#: (``confirm_verdicts`` and ``confirm_witness`` let such a verdict stand on any input)
LAYER_AXES = "as the layer itself ran it"

#: in a verdict from a layer's own check of its input, raised with the sizes the finding
#: names at another call of that same layer (LST101): the layer's answer too
CALLED_TOO = "is called too"

RECURRENT_LAYERS = ("LSTM", "GRU", "RNN")


def layer_answered(text: str) -> bool:
    """Whether a verdict rests on the layer's own answer (the axes it ran, its own input
    check) rather than on the confirmer's names for an input's axes."""
    return LAYER_AXES in text or CALLED_TOO in text


def rnn_output_axes(ev: Any, shape: Any) -> tuple[int, int, ObservedOp, list[int]] | None:
    """(batch axis, time axis, the call, its final state h_n) of a recurrent call of the run
    whose 3-d output is exactly ``shape``, read off the call's own final state (axis 1 of
    h_n holds the batch); None when no call gave it, when its batch and time are one size,
    or when the calls that gave it disagree."""
    if not (isinstance(shape, list) and len(shape) == 3 and shape[0] != shape[1]):
        return None
    found: dict[tuple[int, int], tuple[ObservedOp, list[int]]] = {}
    for op in ev.ops:
        if op.op != "call_module" or (op.module or op.name) not in RECURRENT_LAYERS:
            continue
        out = op.out
        if not (isinstance(out, list) and len(out) == 2 and out[0] == shape):
            continue
        h = out[1]
        if isinstance(h, list) and len(h) == 2 and all(isinstance(x, list) for x in h):
            h = h[0]  # an LSTM's (h_n, c_n)
        if not (isinstance(h, list) and len(h) == 3 and all(type(v) is int for v in h)):
            continue
        if h[1] == 1:
            return None  # one sequence: index -1 of its batch axis is that sequence
        if shape[0] == h[1]:
            found.setdefault((0, 1), (op, h))
        elif shape[1] == h[1]:
            found.setdefault((1, 0), (op, h))
        else:
            return None
    if len(found) != 1:
        return None
    [((b, t), (op, h))] = found.items()
    return b, t, op, h


def axis_name(size: int, env: dict[str, int]) -> str:
    names = [k for k, v in env.items() if v == size and k in ("B", "T")]
    if names == ["B"]:
        return f"the batch (B={size})"
    if names == ["T"]:
        return f"time (T={size})"
    return str(size)


def ran_clean_at(f: Finding, evidence: list[Any]) -> tuple[str, str] | None:
    """The real model ran through the finding's line without error: the claim is refuted."""
    for ev in evidence:
        if ev.error is None and any(op.line == f.line for op in ev.ops):
            ops: list[ObservedOp] = [op for op in ev.ops if op.line == f.line
                                     and op.out is not None]
            if ops:
                return ("refuted", f"the model ran through line {f.line} without error "
                        f"({ops[0].name} gave {ops[0].out})")
    return None

