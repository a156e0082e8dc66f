"""``--confirm``: a witness input for a forward argument whose shape the engine left open.

The engine analyses ``forward(x)`` for every ``x`` when nothing tells it the shape of ``x``:
``x.reshape(len(x), self.d_feat, -1)`` is then ``(x_dim0, x_numel // (d_feat * x_dim0),
d_feat)``, and a finding that holds there holds for every ``x`` the reshape accepts.  The
confirmer still has to pass *some* tensor, and it must not invent one that the code would not
take or that reaches the finding's line only by the confirmer's choice.

Two kinds of witness are honest, and they are the only ones made here:

* **the target of a first reshape** (:func:`reshape_witness`).  When the first thing
  ``forward`` does with an argument, on its unconditional path, is ``x.reshape(...)``,
  ``x.view(...)`` or ``torch.reshape(x, ...)`` with a target the plan can name (integer
  literals, ``len(x)``, ``x.size(0)``, ``x.shape[0]``, one ``-1``, an attribute ``self.d``
  the engine knows to be a constructor's size), then a tensor of exactly that target shape
  is accepted by the reshape (it is the identity there), and every line after it sees what
  the engine analysed for any ``x``.  ``len(x)`` and its kin name the batch ``B``, first in
  the target only (they read the witness's axis 0); the ``-1``
  names the batch when nothing else does, else the time ``T``.  The engine's own names for
  the open argument (``x_dim0``, ``x_numel``) are then those of the witness, so the sizes the
  run uses can be held to the constraints the engine recorded with them.

* **None for a state the code lets be None** (:func:`none_witness`): the argument's first
  read is ``if hc is None:`` with a branch that goes on (the code builds the state itself
  then; one that raises or returns refuses None), or its one read is as
  the state of a recurrent layer the engine built (``self.lstm(emb, hidden)``), which starts
  from zeros on None.  The run then follows a path of the code's own, with the sizes the
  engine knows from the other inputs: any verdict stands.

Anything else stays open: an argument read before its reshape, a reshape inside a branch or
loop or after a ``return``, a target with a size the engine does not know, two ``-1``.  The
verdict's evidence names the witness (``x (B, d_feat, T): the target of x.reshape at line
336``).  Which open axis is called ``B`` and which ``T`` is this module's naming, not the
code's, so a run on a witness decides a finding only by a crash at its line
(:func:`judged_by_crash`), and a crash on a witness that no finding explains is the
confirmer's choice of input, never an ``LST900``.  A None input runs eagerly (fx traces with
proxies, which are never None).  Nothing here runs user code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from .values import Int

#: reshapes whose target is the shape of the result
RESHAPES = ("reshape", "view")


@dataclass
class Witness:
    """A forward argument's input spec and where it comes from."""

    name: str
    spec: dict[str, Any] | None  # None: the argument is passed as None
    why: str
    #: the engine's names for the argument's open sizes (``x_dim0``, ``x_numel``) as
    #: expressions of the witness's dims
    sizes: dict[str, str] = field(default_factory=dict)

    @property
    def named_axes(self) -> bool:
        """Does the witness name open axes B and T (lstm-lint's naming, not the code's)?"""
        return self.spec is not None

    def describe(self) -> str:
        if self.spec is None:
            return f"{self.name} = None: {self.why}"
        dims = ", ".join(str(d) for d in self.spec["tensor"])
        return f"{self.name} ({dims}{',' if len(self.spec['tensor']) == 1 else ''}): {self.why}"


def _names(node: cst.CSTNode, name: str) -> int:
    """How many times ``name`` is read in ``node``."""
    count = 0

    class V(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            nonlocal count
            if n.value == name:
                count += 1

        def visit_AssignTarget(self, n: cst.AssignTarget) -> bool:
            # ``x = x.reshape(...)``, ``out, h = ...`` rebind their names: no read; a
            # subscript or attribute target (``x[0] = 1``) is visited
            for t in _bound_names(n.target):
                if not isinstance(t, cst.Name):
                    t.visit(self)
            return False

        def visit_Attribute(self, n: cst.Attribute) -> bool:
            n.value.visit(self)
            return False  # the attribute's own name is no read of a variable

    node.visit(V())
    return count


def _bound_names(t: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The targets an assignment target binds (a tuple's elements, one by one)."""
    if isinstance(t, cst.Tuple | cst.List):
        out: list[cst.BaseExpression] = []
        for el in t.elements:
            out += _bound_names(el.value)
        return out
    return [t]


def _rebinds(stmt: cst.BaseStatement, name: str) -> bool:
    """Does simple statement ``stmt`` assign ``name`` (``out, hidden = ...``)?"""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    return any(isinstance(s, cst.Assign) and any(
        isinstance(t, cst.Name) and t.value == name
        for at in s.targets for t in _bound_names(at.target)) for s in stmt.body)


def _reads_batch(e: cst.BaseExpression, name: str) -> bool:
    """``len(x)``, ``x.size(0)``, ``x.shape[0]``: the first axis of ``x``."""
    if isinstance(e, cst.Call) and isinstance(e.func, cst.Name) and e.func.value == "len" \
            and len(e.args) == 1 and isinstance(e.args[0].value, cst.Name) \
            and e.args[0].value.value == name:
        return True
    if isinstance(e, cst.Call) and isinstance(e.func, cst.Attribute) \
            and e.func.attr.value == "size" and isinstance(e.func.value, cst.Name) \
            and e.func.value.value == name and len(e.args) == 1 \
            and isinstance(e.args[0].value, cst.Integer) and e.args[0].value.value == "0":
        return True
    if isinstance(e, cst.Subscript) and isinstance(e.value, cst.Attribute) \
            and e.value.attr.value == "shape" and isinstance(e.value.value, cst.Name) \
            and e.value.value.value == name and len(e.slice) == 1:
        idx = e.slice[0].slice
        return isinstance(idx, cst.Index) and isinstance(idx.value, cst.Integer) \
            and idx.value.value == "0"
    return False


def _target(call: cst.Call, name: str) -> tuple[cst.Attribute, list[cst.Arg]] | None:
    """The reshape call's target arguments when ``call`` reshapes the argument ``name``."""
    f = call.func
    if isinstance(f, cst.Attribute) and f.attr.value in RESHAPES \
            and isinstance(f.value, cst.Name) and f.value.value == name:
        return f, list(call.args)
    if isinstance(f, cst.Attribute) and f.attr.value == "reshape" \
            and isinstance(f.value, cst.Name) and f.value.value == "torch" and call.args \
            and isinstance(call.args[0].value, cst.Name) and call.args[0].value.value == name \
            and call.args[0].keyword is None:
        return f, list(call.args[1:])
    return None


def _first_call(stmt: cst.BaseStatement, name: str) -> cst.Call | None:
    """The reshape of ``name`` in ``stmt`` when it is the statement's only read of ``name``
    but for the batch reads in its own target."""
    found: list[cst.Call] = []

    class V(cst.CSTVisitor):
        def visit_Call(self, n: cst.Call) -> None:
            if _target(n, name) is not None:
                found.append(n)

    stmt.visit(V())
    if len(found) != 1:
        return None
    call = found[0]
    tgt = _target(call, name)
    assert tgt is not None
    _f, args = tgt
    batch_reads = sum(1 for a in args if _reads_batch(a.value, name))
    # the reshape's receiver (or torch.reshape's first argument) and the batch reads in its
    # target: any other read of ``name`` in the statement comes before or beside the reshape
    if _names(stmt, name) != 1 + batch_reads:
        return None
    return call


def _attr_size(e: cst.BaseExpression, attrs: dict[str, Any], params: set[str]) -> str | None:
    """``self.d``: a size the engine knows as an expression of the constructor's sizes."""
    if not (isinstance(e, cst.Attribute) and isinstance(e.value, cst.Name)
            and e.value.value == "self"):
        return None
    v = attrs.get(e.attr.value)
    if not isinstance(v, Int) or v.expr is None:
        return None
    n = v.expr.as_int()
    if n is not None:
        return str(n) if n > 0 else None
    text = str(v.expr)
    free = _symbols(text)
    return text if free and free <= params else None


def _symbols(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z_0-9.]*", text))


def reshape_witness(fn: cst.FunctionDef, name: str, attrs: dict[str, Any],
                    params: set[str], module: cst.Module | None = None) -> Witness | str:
    """A witness for forward argument ``name`` of ``fn``: the target of its first reshape;
    else why there is none.

    ``attrs``: the instance's attributes as the engine built them with symbolic constructor
    arguments; ``params``: the constructor's parameter names (the sizes a target may use);
    ``module``: the file of ``fn`` (for the line the evidence names)."""
    body = fn.body.body if isinstance(fn.body, cst.IndentedBlock) else []
    for stmt in body:
        uses = _names(stmt, name)
        if not uses:
            if not isinstance(stmt, cst.SimpleStatementLine) \
                    or any(isinstance(s, cst.Return | cst.Raise) for s in stmt.body):
                return f"forward may leave before it reads {name!r}"
            continue
        if not isinstance(stmt, cst.SimpleStatementLine):
            return f"{name!r} is first read inside a compound statement"
        call = _first_call(stmt, name)
        if call is None:
            return f"{name!r} is first read other than by a reshape of it"
        tgt = _target(call, name)
        assert tgt is not None
        f, args = tgt
        if len(args) == 1 and isinstance(args[0].value, cst.Tuple | cst.List):
            items = [el.value for el in args[0].value.elements]  # x.view((B, d, -1))
        elif any(a.keyword is not None or a.star for a in args):
            return f"the reshape of {name!r} takes keywords or a starred target"
        else:
            items = [a.value for a in args]
        if not items:
            return f"the reshape of {name!r} has no target"
        dims: list[Any] = []
        open_at: list[int] = []
        for i, e in enumerate(items):
            if _reads_batch(e, name):
                if i != 0:  # len(x) reads the witness's axis 0: the reshape would move it
                    return (f"the reshape of {name!r} reads its first axis into position "
                            f"{i}, not 0")
                dims.append("B")
            elif isinstance(e, cst.UnaryOperation) and isinstance(e.operator, cst.Minus) \
                    and isinstance(e.expression, cst.Integer) and e.expression.value == "1":
                open_at.append(i)
                dims.append(None)
            elif isinstance(e, cst.Integer):
                n = int(e.value.replace("_", ""), 0)
                if n <= 0:
                    return f"the reshape of {name!r} has a size {n}"
                dims.append(n)
            else:
                size = _attr_size(e, attrs, params)
                if size is None:
                    code = cst.Module([]).code_for_node(e)
                    return (f"the size {code} in the reshape of {name!r} is not one the "
                            "analysis knows")
                dims.append(size)
        if len(open_at) > 1:
            return f"the reshape of {name!r} has two -1"
        for i in open_at:
            dims[i] = "T" if "B" in dims else "B"
        sizes = {f"{name}_dim{k}": str(d) for k, d in enumerate(dims)}
        sizes[f"{name}_numel"] = "*".join(f"({d})" for d in dims)
        line = _line(module, stmt)
        how = "torch.reshape" if isinstance(f.value, cst.Name) and f.value.value == "torch" \
            else f"{name}.{f.attr.value}"
        at = f" at line {line}" if line else ""
        return Witness(name, {"tensor": dims, "dtype": "float"},
                       f"the target of {how}{at}", sizes)
    return f"forward never reads {name!r}"


def _is_none_test(e: cst.BaseExpression, name: str) -> bool:
    """``name is None``."""
    return isinstance(e, cst.Comparison) and isinstance(e.left, cst.Name) \
        and e.left.value == name and len(e.comparisons) == 1 \
        and isinstance(e.comparisons[0].operator, cst.Is) \
        and isinstance(e.comparisons[0].comparator, cst.Name) \
        and e.comparisons[0].comparator.value == "None"


def _state_call(stmt: cst.BaseStatement, name: str, attrs: dict[str, Any]) -> cst.Call | None:
    """The call ``self.rnn(x, name)`` (or ``hx=name``) of a recurrent layer the engine built,
    when it is the only read of ``name`` in ``stmt``; else None."""
    from .layers import RECURRENT, Layer

    calls: list[cst.Call] = []

    class V(cst.CSTVisitor):
        def visit_Call(self, n: cst.Call) -> None:
            f = n.func
            if not (isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name)
                    and f.value.value == "self"):
                return
            layer = attrs.get(f.attr.value)
            if not (isinstance(layer, Layer) and layer.kind in RECURRENT):
                return
            args = list(n.args)
            state = [a for i, a in enumerate(args)
                     if (a.keyword is None and not a.star and i == 1)
                     or (a.keyword is not None and a.keyword.value == "hx")]
            if len(state) == 1 and isinstance(state[0].value, cst.Name) \
                    and state[0].value.value == name:
                calls.append(n)

    stmt.visit(V())
    return calls[0] if len(calls) == 1 == _names(stmt, name) else None


def none_witness(fn: cst.FunctionDef, name: str, attrs: dict[str, Any],
                 module: cst.Module | None = None) -> Witness | str:
    """``None`` for a state argument the code itself lets be None: its first read on
    forward's unconditional path is ``if name is None:`` (the code builds the state then), or
    its only reads are as the state of a recurrent layer the engine built (``self.rnn(x,
    hidden)``), which starts from zeros on None.  Else why not."""
    body = fn.body.body if isinstance(fn.body, cst.IndentedBlock) else []
    for k, stmt in enumerate(body):
        if not _names(stmt, name):
            if _rebinds(stmt, name):
                break
            continue
        call = _state_call(stmt, name, attrs)
        if call is not None and (_rebinds(stmt, name)
                                 or not any(_names(s, name) for s in body[k + 1:])):
            line = _line(module, call)
            at = f" at line {line}" if line else ""
            layer = cst.Module([]).code_for_node(call.func)
            return Witness(name, None, f"its only use is as the state of {layer}{at}, which "
                           "starts from zeros on None")
        if isinstance(stmt, cst.If) and _is_none_test(stmt.test, name):
            if not _goes_on_under_none(stmt):
                return f"the code tests {name} is None and leaves forward then"
            line = _line(module, stmt)
            at = f" at line {line}" if line else ""
            return Witness(name, None, f"the code tests {name} is None{at} and builds what "
                           "it needs then")
        break
    return f"{name!r} is not first tested against None"


def _goes_on_under_none(test: cst.If) -> bool:
    """Does the ``if name is None:`` branch go on (no ``raise``, ``return`` or ``yield`` in
    it)?  A branch that refuses None says the caller must give a value."""
    from .walk import descendants

    return not any(type(n) in (cst.Raise, cst.Return, cst.Yield)
                   for n in descendants(test.body))


def _line(module: cst.Module | None, stmt: cst.CSTNode) -> int | None:
    """The line of ``stmt`` in its file."""
    if module is None:
        return None
    from .positions import locate

    try:
        sp = locate(module, [stmt]).get(id(stmt))
    except Exception:  # a position is a courtesy of the evidence line, never a failure
        return None
    return sp.line if sp is not None else None


def with_witness_sizes(constraint: str, witnesses: list[Witness]) -> str:
    """A constraint the engine recorded with its names for an open argument's sizes
    (``x_dim0 != 1``), in the witness's sizes (``(B) != 1``)."""

    sizes = {k: v for w in witnesses for k, v in w.sizes.items()}
    if not sizes:
        return constraint
    return re.sub(r"[A-Za-z_][A-Za-z_0-9]*",
                  lambda m: f"({sizes[m.group(0)]})" if m.group(0) in sizes else m.group(0),
                  constraint)


def witness_env(witnesses: list[Witness], env: dict[str, Any]) -> dict[str, int]:
    """The engine's names for the witnessed arguments' sizes, at the sizes a run used (so a
    finding's constraint on ``x_dim0`` is checked against the run)."""
    from .confirm_sizes import evaluate

    out: dict[str, int] = {}
    for w in witnesses:
        for k, expr in w.sizes.items():
            try:
                v = evaluate(expr, env)
            except Exception:  # a size the run did not fix: the constraint stays unchecked
                continue
            if isinstance(v, int) and not isinstance(v, bool):
                out[k] = v
    return out


def judged_by_crash(verdict: tuple[str, str], f: Any, runs: list[Any],
                    witnesses: list[Witness]) -> tuple[str, str]:
    """A run on a witness input decides a finding only by a crash at its line.

    Which open axis of the witness is the batch and which the time is the confirmer's naming
    (``len(x)`` is ``B``, the ``-1`` is ``T``), not the code's: the layer that reads the
    tensor decides that (a layer without ``batch_first`` takes axis 0 as time).  A verdict a
    rule draws from the sizes it sees (``index -1 selected axis 1 of size 7: time``) would
    read the confirmer's names, so it is no verdict; a crash at the finding's line is the
    code's own answer, whatever the axes are called."""
    from .evidence import error_near, layer_answered

    if verdict[0] not in ("confirmed", "refuted") or not any(w.named_axes for w in witnesses):
        return verdict
    # the layer answered itself (the axes it ran, its own input check at another call)
    if verdict[0] == "confirmed" and (error_near(f, runs) is not None
                                      or layer_answered(verdict[1])):
        return verdict
    return ("unconfirmed", f"the run on the witness input would have said: {verdict[0]}: "
            f"{verdict[1]}; but it reads the batch and time of an input whose open axes "
            f"lstm-lint named ({witness_note([w for w in witnesses if w.named_axes])[2:]}), "
            "and only a "
            "crash at the finding's line is the code's own answer")


def witness_note(witnesses: list[Witness]) -> str:
    """The witness inputs a run used, for the verdict's evidence."""
    if not witnesses:
        return ""
    return "; forward input " + "; ".join(w.describe() for w in witnesses)


__all__ = ["Witness", "judged_by_crash", "none_witness", "reshape_witness", "witness_env", "witness_note",
           "with_witness_sizes"]
