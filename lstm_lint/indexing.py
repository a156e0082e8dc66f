"""Indexing a tensor the engine follows: integer indices, slices (their lengths clamped to
the axis, symbolic bounds included), ``None`` and ``...``; the index events rules read; the
branch flags a path has decided, and what is known to be non-negative."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from .symbolic import Expr, const
from .values import TIME, Const, Int, Shape, Tensor, Value, int_of, unknown_like


@dataclass(frozen=True)
class SliceVal(Value):
    start: Value
    stop: Value
    step: Value


@dataclass(frozen=True)
class IndexEvent:
    """An integer index applied to one axis (kept for the rules)."""

    axis: int
    role: str | None
    index: Expr | None  # the index value, when known
    size: Expr | None  # the axis' size


def index(x: Tensor, items: Sequence[Value]) -> tuple[Value, list[IndexEvent]]:
    events: list[IndexEvent] = []
    if x.shape is None:
        return unknown_like(x), events
    if x.shape.star:
        # only trailing-axis selections are safe: x[..., :k] and friends
        return unknown_like(x), events
    dims = list(x.shape.dims)
    roles = list(x.roles) if x.roles is not None else [None] * len(dims)
    n_real = sum(1 for it in items if not (isinstance(it, Const) and it.value in (None, Ellipsis)))
    if len(items) == 1 and isinstance(items[0], Tensor) and items[0].dtype == "int" \
            and items[0].shape is not None and not items[0].shape.star and dims:
        # x[idx] with an integer index tensor: idx's axes replace the first axis
        # (sort-and-restore orders, gathers of rows)
        idx = items[0]
        assert idx.shape is not None
        new_dims = tuple(idx.shape.dims) + tuple(dims[1:])
        new_roles = ((roles[0],) if len(idx.shape.dims) == 1 else (None,) * len(idx.shape.dims)) \
            + tuple(roles[1:])
        return x.with_(shape=Shape(new_dims), roles=new_roles if x.roles else None,
                       hole=None), events
    mask = items[0] if items else None
    if isinstance(mask, Tensor) and mask.dtype == "bool" and mask.shape is not None \
            and not mask.shape.star and 0 < len(mask.shape.dims) <= len(dims) \
            and not any(isinstance(it, Tensor) for it in items[1:]):
        # x[mask, :, :]: a boolean mask over the first axes keeps as many rows as it has
        # True values (the data's: unknown), the other axes as the other items say
        r = len(mask.shape.dims)
        if any(m is not None and d is not None and m != d
               for m, d in zip(mask.shape.dims, dims[:r], strict=True)):
            return unknown_like(x), events  # PyTorch raises on a mask of another shape
        rest, _ev = index(x.with_(shape=Shape(tuple(dims[r:])),
                                  roles=tuple(roles[r:]) if x.roles else None), items[1:])
        if not isinstance(rest, Tensor) or rest.shape is None or rest.shape.star:
            return unknown_like(x), events
        return x.with_(shape=Shape((None, *rest.shape.dims)), roles=None, what=None,
                       hole=None), events
    out_dims: list[Expr | None] = []
    out_roles: list[str | None] = []
    ax = 0
    advanced = False
    for it in items:
        if isinstance(it, Const) and it.value is Ellipsis:
            skip = len(dims) - n_real
            for _ in range(max(skip, 0)):
                out_dims.append(dims[ax])
                out_roles.append(roles[ax])
                ax += 1
            continue
        if isinstance(it, Const) and it.value is None:
            out_dims.append(const(1))
            out_roles.append(None)
            continue
        if ax >= len(dims):
            return unknown_like(x), events  # too many indices: PyTorch raises
        if isinstance(it, SliceVal):
            out_dims.append(_slice_len(dims[ax], it))
            out_roles.append(roles[ax])
            ax += 1
        elif isinstance(it, Int) or (isinstance(it, Const) and isinstance(it.value, int)):
            events.append(IndexEvent(ax, roles[ax], int_of(it), dims[ax]))
            ax += 1
        elif isinstance(it, Tensor):
            advanced = True
            ax += 1
        else:
            return unknown_like(x), events
    if advanced:
        return unknown_like(x), events
    out_dims.extend(dims[ax:])
    out_roles.extend(roles[ax:])
    what = x.what
    if any(e.role == TIME for e in events):
        what = "last_step" if any(e.index is not None and e.index.as_int() == -1
                                  for e in events if e.role == TIME) else "step"
    return x.with_(shape=Shape(tuple(out_dims)), roles=tuple(out_roles) if x.roles else None,
                   what=what, hole=None), events


class _Decided(threading.local):
    """The flags an enclosing ``if`` decided on the path being run (a flag's name -> 0 or 1):
    in ``if self.bidirectional:`` the state has 2*num_layers rows (see :func:`assuming`); one
    per thread (a language server may analyse two files at once)."""

    def __init__(self) -> None:
        self.flags: dict[str, int] = {}


_DECIDED = _Decided()


@contextmanager
def assuming(name: str, value: bool) -> Iterator[None]:
    """Run a branch with the flag ``name`` decided (a constructor's bool is one value for the
    whole instance, so every size computed on the branch has it)."""
    flags = _DECIDED.flags
    had = flags.get(name)
    flags[name] = int(value)
    try:
        yield
    finally:
        if had is None:
            del flags[name]
        else:
            flags[name] = had


def _decided(e: Expr | None) -> Expr | None:
    flags = _DECIDED.flags
    return e.subs(flags) if e is not None and flags else e


def _slice_len(size: Expr | None, s: SliceVal) -> Expr | None:
    size = _decided(size)
    start = int_of(s.start) if not (isinstance(s.start, Const) and s.start.value is None) \
        else const(0)
    step = int_of(s.step) if not (isinstance(s.step, Const) and s.step.value is None) else const(1)
    stop_none = isinstance(s.stop, Const) and s.stop.value is None
    stop = size if stop_none else _decided(int_of(s.stop))
    start = _decided(start)
    if step is None or step.as_int() != 1:
        if step is not None and step.as_int() == -1 and start == const(0) and stop_none:
            return size  # x[::-1] keeps the length
        n, k = size.as_int() if size is not None else None, step.as_int() if step else None
        a, b = start.as_int() if start is not None else None, \
            stop.as_int() if stop is not None else None
        if n is not None and k is not None and k != 0 and a is not None and b is not None:
            return const(len(range(*slice(a, b, k).indices(n))))  # every bound a number
        return None
    if start is None or stop is None:
        return None
    sc, tc = start.as_int(), stop.as_int()
    if sc is not None and sc < 0:
        if size is None:
            return None
        start = size + sc
    if tc is not None and tc < 0:
        if size is None:
            return None
        stop = size + tc
    if start == const(0) and stop_none:
        return size
    if size is None:
        return None
    # Python clamps both bounds to [0, size]: the length is stop - start only when
    # 0 <= start <= stop <= size holds for every choice of sizes
    if not stop_none and not _nonneg(size - stop):
        stop_c = (stop - size).as_int()
        if stop_c is not None and stop_c > 0:
            stop = size  # past the end by a constant: clamped to the axis
        else:
            return None
    if not _nonneg(stop - start) or not _nonneg(start):
        return None
    return stop - start


def nonneg(e: Expr) -> bool:
    """Provably >= 0 for positive sizes and 0/1 flags."""
    return _nonneg(e)


def _nonneg(e: Expr, depth: int = 0) -> bool:
    """Provably >= 0 for positive sizes and 0/1 flags."""
    from .symbolic import Expr as _Expr
    from .symbolic import FloorDiv, Sym

    if depth < 3:
        # c*(n//d) with c a positive multiple of a constant d is at least (c/d)*(n - d + 1)
        # (the floor drops at most d - 1): ``2*(K//2) - K + 1 >= 0`` for every K
        for m, coef in e.terms:
            if len(m) != 1 or m[0][1] != 1 or not isinstance(m[0][0], FloorDiv) or coef <= 0:
                continue
            fd = m[0][0]
            d = fd.den.as_int()
            if d is None or d <= 0 or coef % d:
                continue
            low_e = e - _Expr(((m, coef),)) + fd.num * (coef // d) - (coef // d) * (d - 1)
            if _nonneg(low_e, depth + 1):
                return True
        # -c*(n//d) with d a positive constant is at least -(c/d)*n (the floor never exceeds
        # the quotient): ``K - K//4 >= 0`` and ``K - 2*(K//4) >= 0`` for every K, tested on
        # d times the expression, where the bound has whole coefficients; the expression is a
        # whole number, so d times it at least -(d - 1) makes it at least 0 (``K - K//4 - 1``)
        for m, coef in e.terms:
            if len(m) != 1 or m[0][1] != 1 or not isinstance(m[0][0], FloorDiv) or coef >= 0:
                continue
            fd = m[0][0]
            d = fd.den.as_int()
            if d is None or d <= 0:
                continue
            scaled = e * d - _Expr(((m, coef * d),)) + fd.num * coef
            if _nonneg(scaled + (d - 1), depth + 1):
                return True
    low = 0  # a lower bound: sizes are >= 1, flags and floor divisions >= 0
    for m, coef in e.terms:
        if not m:
            low += coef
        elif coef < 0:
            return False  # a negative term in a size: no bound from below
        elif all(isinstance(a, Sym) for a, _p in m):
            low += coef
    return low >= 0
