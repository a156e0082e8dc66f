"""Forward inputs solved from their consumers: a consumer that wants a shape for a value made
from an input by some steps (``x.transpose(0, 1)``, ``x[..., :k]``, a join) binds the input
to the shape those steps undone give; a second consumer that reads it otherwise contests the
binding (rows of a tuple that disagree; batch and time read the other way round)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..symbolic import Expr, cond, const, sym
from ..values import Shape, Tensor

if TYPE_CHECKING:
    from .core import Core


def bind_hole(it: Core, t: Tensor, shape: Shape, roles: tuple[str | None, ...] | None,
              dtype: str | None, reader: bool = False) -> None:
    """A consumer wants ``shape`` (with ``roles``) for ``t``: the forward input ``t`` was made
    from is bound to what the steps undone give, unless a consumer bound it already.
    ``reader``: the consumer is a recurrent layer, whose batch and time are then a guess of
    the caller's layout (:mod:`lstm_lint.interp.layout_guess`)."""
    if t.hole is None:
        return
    name, steps = t.hole
    row_read = bool(steps) and steps[0][0] in ("row", "rows")
    if name in it.hole_bindings:
        if row_read and name in it.row_bound:
            _contest_rows(it, name, steps, shape, roles, dtype)
        return
    undone = undo_steps(name, steps, shape, roles, dtype, it.free_axis)
    if undone is not None:
        it.hole_bindings[name] = undone
        if row_read:
            it.row_bound.add(name)
        if reader:
            it.rnn_read.add(name)


def _contest_rows(it: Core, name: str, steps: tuple[Any, ...], shape: Shape,
                  roles: tuple[str | None, ...] | None, dtype: str | None) -> None:
    """A second row of a part read by index (``state[0][1]`` after ``state[0][0]``): the
    part is a tensor only if every row has one shape.  Rows that disagree are the parts
    of a tuple (``(h, c)`` of one layer), not rows of a tensor: the part is then unknown,
    never the first row's tensor."""
    bound = it.hole_bindings[name][0]
    placeholder = sym("?")
    other = undo_steps(name, steps, shape, roles, dtype, lambda _n, _d: placeholder)
    if bound is None or other is None or other[0] is None:
        return
    mine = other[0]
    agree = bound.star == mine.star and len(bound.dims) == len(mine.dims) and all(
        a is None or b is None or a == b or b == placeholder
        or (a.symbols() and a.symbols() <= it.free_names)
        for a, b in zip(bound.dims, mine.dims, strict=True))
    if not agree:
        it.hole_bindings[name] = (None, None, None)


def undo_steps(name: str, steps: tuple[Any, ...], shape: Shape,
               roles: tuple[str | None, ...] | None, dtype: str | None,
               free_axis: Any) -> tuple[Shape | None, tuple[str | None, ...] | None,
                                         str | None] | None:
    """The input's binding from the shape a consumer wants for the value made by
    ``steps`` (None: cannot tell)."""
    dims = list(shape.dims)
    rl = list(roles) if roles is not None else None
    for step, val in reversed(steps):
        if not dims:
            return None
        if step == "drop_last":
            dims = dims[:-1]
            if rl is not None:
                rl = rl[:-1]
            dtype = "int"
        elif step == "replace_last":
            dims[-1] = val
        elif step == "replace_last_if":
            # a layer on one branch of ``if flag:`` (None: the width came through)
            flag, if_true, if_false = val
            last = dims[-1]
            t = if_true if if_true is not None else last
            f = if_false if if_false is not None else last
            if t is None or f is None:
                return None
            dims[-1] = cond(flag, t, f)
        elif step == "join_last":
            # joined along the last axis with parts ``width`` wide in all (of ``rank``
            # axes): the input is what the consumer's width leaves
            width, rank = val
            last = dims[-1]
            if len(dims) != rank or shape.star or last is None:
                return None
            left = last - width
            if left.as_int() is not None and left.as_int() < 0:
                return None
            dims[-1] = left
        elif step in ("piece", "slice_of", "rows", "row"):
            # a piece of the input cut along an axis (split, chunk, a slice x[a:b]) or one
            # slice of it (unbind, an index x[i]): that axis of the input has a length
            # nothing here tells, a free size (never the piece's length)
            if step in ("rows", "row"):
                if shape.star:
                    return None
                step, val = ("piece" if step == "rows" else "slice_of"), 0
            if shape.star and val >= 0:
                return None  # unknown leading axes: an axis counted from the left is lost
            d = val if val >= 0 else val + len(dims) + (step == "slice_of")
            if not 0 <= d < len(dims) + (step == "slice_of"):
                return None
            free = free_axis(name, dims)
            if step == "piece":
                dims[d] = free
                if rl is not None:
                    rl[d] = None
            else:
                dims.insert(d, free)
                if rl is not None:
                    rl.insert(d, None)
        elif step in ("transpose", "permute", "unsqueeze", "squeeze"):
            undone = undo_layout(step, val, dims, rl)
            if undone is None:
                return None
            dims, rl = undone
    return Shape(tuple(dims), shape.star), tuple(rl) if rl else None, dtype


def undo_layout(step: str, val: Any, dims: list[Expr | None], roles: list[str | None] | None
                 ) -> tuple[list[Expr | None], list[str | None] | None] | None:
    """The input's axes before a layout op, from the axes after it (None: cannot tell)."""
    n = len(dims)
    rl = list(roles) if roles is not None else None
    if step == "transpose":
        a, b = (v if v >= 0 else v + n for v in val)
        if not (0 <= a < n and 0 <= b < n):
            return None
        dims = list(dims)
        dims[a], dims[b] = dims[b], dims[a]
        if rl is not None:
            rl[a], rl[b] = rl[b], rl[a]
        return dims, rl
    if step == "permute":
        order = [v if v >= 0 else v + n for v in val]
        if sorted(order) != list(range(n)):
            return None
        before: list[Expr | None] = [None] * n
        before_roles: list[str | None] = [None] * n
        for i, src in enumerate(order):
            before[src] = dims[i]
            if rl is not None:
                before_roles[src] = rl[i]
        return before, (before_roles if rl is not None else None)
    if step == "unsqueeze":
        d = val if val >= 0 else val + n
        if not 0 <= d < n:
            return None
        return dims[:d] + dims[d + 1:], (rl[:d] + rl[d + 1:] if rl is not None else None)
    if step == "squeeze":
        d = val if val >= 0 else val + n + 1
        if not 0 <= d <= n:
            return None
        return dims[:d] + [const(1)] + dims[d:], (rl[:d] + [None] + rl[d:] if rl is not None
                                                   else None)
    return None
