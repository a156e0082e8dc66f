"""``--confirm``: a recurrent layer refusing the initial state the code built (``Expected
hidden[0] size (1, 7, 16), got [1, 3, 16]`` for an input ``[3, 7, 16]``), read as the layer's
own answer on which axes hold the batch and the time (LST201, LST204): a state the code
built for one axis of the layer's input while the layer takes its batch from the other, or
the state the layer's own earlier call made for a batch its next input does not have."""

from __future__ import annotations

import re
from typing import Any

from .evidence import LAYER_AXES, RECURRENT_LAYERS
from .findings import Finding

#: how a verdict of two runs, the second on the user's inputs cut, names the second
CUT_AGAIN = "run again with every axis of"

_STATE_BATCH = re.compile(r"Expected hidden(?:\[0\])? size \((\d+), (\d+), (\d+)\), "
                          r"got \[(\d+), (\d+), (\d+)\]")


def state_refused_by_layer(f: Finding, evidence: list[Any]) -> tuple[str, str] | None:
    """A recurrent layer the finding names (``self.encoder``) refusing, at a call of it in the
    finding's class, the initial state the code built for its batch, where the two batches
    are the two leading axes of the layer's own input (``Expected hidden[0] size (1, 7, 16),
    got [1, 3, 16]`` for an input ``[3, 7, 16]``): the layer and the code take batch and time
    from each other's axis.  That is the layer's own answer on the layouts, wherever the
    finding's line is, when that line does not call the layer itself and every call of the
    layer passes the same input; never when the state's batch is a constant of the code
    (a fixed state equal to the other axis by chance).  On the user's own inputs (sized to
    fit the code's constants) only with a second run, the axis of the state's batch cut to
    another size (:mod:`~lstm_lint.confirm_resize`), in which the state followed it."""
    for ev in evidence:
        refused = _refusal(f, ev)
        if refused is None or getattr(ev, "resized", None):
            continue  # (a resized run speaks only beside the run it repeats)
        err, want, got, x, called = refused
        said = (f"PyTorch raised {err.type} at line {err.line}, where {called} is called: "
                f"{err.message}")
        if getattr(ev, "given_inputs", False):
            # the user's inputs are sized to fit the model's constants (N_ENVS = 9 with a
            # batch of 9): a state of a fixed size equal to one of their axes proves nothing
            # unless it follows the axis when the inputs change
            # (the resized runs: the inputs cut, and cut with their float values moved; a
            # state whose values moved with them was computed from them, as one the user
            # passed in is, detached, scaled or not: only a state built from their sizes
            # speaks for the code)
            again = [(e, r) for e in evidence if (e.resized or {}).get("from") == got
                     and e.cls == ev.cls and (r := _refusal(f, e)) is not None
                     and r[0].line == err.line and r[1] == want
                     and r[2] == (e.resized or {}).get("to")]
            cut = [(e, r) for e, r in again if not e.resized.get("shift")]
            moved = [e for e, _r in again if e.resized.get("shift")]
            for e, (err2, _want2, got2, x2, _c) in cut[:1]:
                same = (e.raised_in or {}).get("state_sum")
                if not moved or same is None or any((m.raised_in or {}).get("state_sum")
                                                    != same for m in moved):
                    continue
                hidden = _STATE_BATCH.search(err2.message or "")
                if hidden is None or _state_sized_input(e.resized.get("shapes"), got2,
                                                        int(hidden.group(3)), x2):
                    continue
                return ("confirmed", f"{said} (the layer took {want} for the batch, the "
                        f"state the code built carries {got}: the two leading axes of its "
                        f"input {x}); {CUT_AGAIN} {got} in the given inputs cut to {got2}, "
                        f"it raised {err2.message} for the input {x2}, and the same with "
                        "their values moved: the state follows the axis the code takes for "
                        "the batch, built from the inputs' sizes, not their values, and the "
                        f"layer takes its batch from the other ({LAYER_AXES})")
            continue
        if got in _constants(f.fm.text, _class_lines(f.fm.text, f.line) or (0, 0)):
            # the state's batch may be a constant of the code's (batch_size=32, N_ENVS = 9)
            # that equals the input's other axis by chance: the state is then fixed, not
            # swapped
            continue
        # the layer's own input: its two leading axes are those sizes, whatever the
        # analysis named them
        return ("confirmed", f"{said} (the layer took {want} for the batch, the state "
                f"the code built carries {got}: the two leading axes of its input {x}, so "
                f"the layer and the code take batch and time from each other's axis, "
                f"{LAYER_AXES})")
    return _refused_its_own_state(f, evidence)


def _refused_its_own_state(f: Finding, evidence: list[Any]) -> tuple[str, str] | None:
    """A recurrent layer the finding names refusing, at a call of it, the state its own
    earlier call (at another line) made: the layer took its batch from the same axis of both
    inputs (7 of ``[3, 7, 16]`` first, 1 of ``[3, 1, 16]`` next), while the two inputs agree
    only on the other axis, the one the code keeps the batch on (S2VT's ``padding_frames``,
    built ``(batch_size, 1, dim)`` from the first input's axis 0).  The finding's line is
    one of the two calls, and its layer's layout is the one that ran."""
    layers = set(re.findall(r"\bself(?:\.\w+)+", f.message))
    text = f.fm.text.splitlines() if f.fm is not None and getattr(f.fm, "text", None) else []
    axis = 1 if "batch_first=False" in f.message else 0 if "batch_first=True" in f.message \
        else None
    cls = _class_lines(f.fm.text, f.line) if text else None
    if axis is None or cls is None:
        return None
    for ev in evidence:
        err, call = ev.error, ev.raised_in or {}
        m = _STATE_BATCH.search(err.message or "") if err is not None else None
        if err is None or m is None or err.line is None or not cls[0] <= err.line <= cls[1]:
            continue
        want, got = [int(v) for v in m.groups()[:3]], [int(v) for v in m.groups()[3:]]
        x2 = (call.get("args") or [None])[0]
        if want[0] != got[0] or want[2] != got[2] or call.get("line") != err.line \
                or call.get("name") not in RECURRENT_LAYERS or not isinstance(x2, list) \
                or len(x2) != 3 or x2[axis] != want[1] or x2[1 - axis] == want[1]:
            continue
        named = [n for n in sorted(layers) if re.search(re.escape(n) + r"\s*\(",
                                                         text[err.line - 1])]
        if not named:
            continue
        earlier = [op for op in ev.ops if op.op == "call_module" and op.line != err.line
                   and (op.module or op.name) == call.get("name") and op.args
                   and 1 <= op.line <= len(text)
                   and re.search(re.escape(named[0]) + r"\s*\(", text[op.line - 1])]
        if not earlier or f.line not in (earlier[-1].line, err.line):
            continue
        op = earlier[-1]
        x1, out = op.args[0], op.out
        h_n = out[1] if isinstance(out, list) and len(out) == 2 else None
        if isinstance(h_n, list) and h_n and isinstance(h_n[0], list):
            h_n = h_n[0]  # an LSTM's (h_n, c_n)
        if not (isinstance(x1, list) and len(x1) == 3 and isinstance(h_n, list)
                and len(h_n) == 3 and h_n[1] == got[1] == x1[axis]
                and x1[1 - axis] == x2[1 - axis] and x1[axis] != x2[axis]):
            continue
        return ("confirmed", f"PyTorch raised {err.type} at line {err.line}, where {named[0]} "
                f"is called: {err.message} (the layer took its batch from axis {axis} of "
                f"both its inputs, {x1} at line {op.line} and {x2} here: the state its call "
                f"at line {op.line} made for {got[1]} sequences cannot go on with "
                f"{want[1]}, while the two inputs agree on axis {1 - axis} "
                f"({x2[1 - axis]}), where the code keeps the batch; {LAYER_AXES})")
    return None


def _state_sized_input(shapes: Any, batch: int, hidden: int, x: list[int]) -> bool:
    """Whether a tensor the user gave (cut to ``batch``) could hold a state the user passes
    in, whatever the code then does with its values or its shape (``state * 0``, a flat
    ``[B, layers * hidden]`` viewed back, zeros): its elements a multiple of ``batch *
    hidden``.  Only one shaped exactly as the layer's own input is left out (its input,
    given as such); unknown shapes count as such a tensor.  A guess from sizes, so a wide
    one: an encoder's memory as wide as the state blocks the verdict too (silence)."""
    if not isinstance(shapes, list):
        return True
    for s in shapes:
        if not isinstance(s, list) or s == x:
            continue
        n = 1
        for d in s:
            n *= int(d)
        if n and n % (batch * hidden) == 0:
            return True
    return False


def refused_batch(f: Finding, evidence: list[Any]) -> tuple[int, int] | None:
    """The state's batch and the layer's of a run on the user's inputs in which a layer the
    finding names refused the state the code built (:func:`state_refused_by_layer`), to be
    repeated with that axis of the inputs cut to another size."""
    for ev in evidence:
        refused = _refusal(f, ev)
        if refused is not None and getattr(ev, "given_inputs", False) \
                and not getattr(ev, "resized", None):
            return refused[2], refused[1]
    return None


def _refusal(f: Finding, ev: Any) -> tuple[Any, int, int, list[int], str] | None:
    """The run's crash, when it is a layer the finding names refusing, at a call of it in the
    finding's class, a state whose batch is one of the two leading axes of the layer's own
    input and the layer's the other: the error, the layer's batch, the state's, the input's
    shape and the layer's name."""
    layers = set(re.findall(r"\bself(?:\.\w+)+", f.message))
    text = f.fm.text.splitlines() if f.fm is not None and getattr(f.fm, "text", None) else []
    err = ev.error
    m = _STATE_BATCH.search(err.message or "") if err is not None else None
    if err is None or m is None or err.line is None or not 1 <= err.line <= len(text):
        return None
    want, got = [int(x) for x in m.groups()[:3]], [int(x) for x in m.groups()[3:]]
    cls = _class_lines(f.fm.text, f.line)
    called = [name for name in sorted(layers)
              if re.search(re.escape(name) + r"\s*\(", text[err.line - 1])
              and (err.line == f.line or _one_input(name, text, f.line))]
    if want[0] != got[0] or want[2] != got[2] or want[1] == got[1] or not called \
            or cls is None or not cls[0] <= err.line <= cls[1]:
        return None  # (a layer of the same name in another class is another layer)
    call = ev.raised_in or {}
    x = (call.get("args") or [None])[0]
    if not (call.get("line") == err.line and call.get("name") in RECURRENT_LAYERS
            and isinstance(x, list) and len(x) == 3 and x[0] != x[1]
            and {want[1], got[1]} == {x[0], x[1]}):
        return None
    return err, want[1], got[1], x, called[0]


def _class_lines(text: str, line: int) -> tuple[int, int] | None:
    """The first and last lines of the class whose body holds ``line``."""
    import ast

    from .summaries import parse_ast

    tree = parse_ast(text)
    if tree is None:
        return None
    for n in ast.walk(tree):
        if isinstance(n, ast.ClassDef) and n.lineno <= line <= (n.end_lineno or n.lineno):
            return n.lineno, n.end_lineno or n.lineno
    return None


def _one_input(name: str, text: list[str], line: int) -> bool:
    """Whether a crash at a call of layer ``name`` speaks for the finding at ``line``: the
    line does not call the layer itself (the finding is about what the call made, or what
    reached it), and every call of the layer in the file passes the same first argument
    (``self.nn(obs)`` and ``self.nn(obs, state)``): a call given another tensor (``x`` at
    one line, ``x.transpose(0, 1)`` at another) says nothing of the others."""
    if re.search(re.escape(name) + r"\s*\(", text[line - 1] if 1 <= line <= len(text) else ""):
        return False
    firsts = {re.sub(r"\s+", "", a) for a in
              re.findall(re.escape(name) + r"\s*\(\s*([^,()]*(?:\([^()]*\))?[^,()]*)",
                         "\n".join(text))}
    return len(firsts) == 1


def _constants(source: str, cls: tuple[int, int]) -> set[int]:
    """The integer literals of the class's code (comments and strings left out) and of the
    values the module's top-level assignments give (``N_ENVS = 9``, ``CFG = dict(n=9)``)."""
    import ast
    import io
    import tokenize

    from .summaries import parse_ast

    out: set[int] = set()
    tree = parse_ast(source)
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return out
    if tree is None:
        return out
    for t in toks:
        if t.type == tokenize.NUMBER and cls[0] <= t.start[0] <= cls[1]:
            try:
                out.add(int(t.string, 0))
            except ValueError:
                continue
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
            out |= {n.value for n in ast.walk(stmt.value) if isinstance(n, ast.Constant)
                    and isinstance(n.value, int) and not isinstance(n.value, bool)}
    return out
