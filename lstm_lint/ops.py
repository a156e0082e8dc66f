"""Tensor operations the engine follows: indexing, layout, reductions, factories, algebra.

Every function here takes abstract values and returns an abstract value; anything that cannot
be followed becomes an unknown shape (never a guess).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from .symbolic import Expr, const
from .values import (
    BATCH,
    FEATURE,
    TIME,
    UNKNOWN,
    Const,
    Dim,
    Int,
    Packed,
    Seq,
    Shape,
    Tensor,
    Value,
    int_of,
)


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


def _norm_axis(axis: Expr | None, rank: int) -> int | None:
    if axis is None:
        return None
    a = axis.as_int()
    if a is None:
        return None
    if a < 0:
        a += rank
    return a if 0 <= a < rank else None


def _known(x: Value) -> Tensor | None:
    if isinstance(x, Tensor) and x.shape is not None and not x.shape.star:
        return x
    return None


def unknown_like(x: Value, **kw: Any) -> Tensor:
    if isinstance(x, Tensor):
        return x.with_(shape=None, roles=None, hole=None, **kw)
    return Tensor(None, **kw)


# ---- indexing ------------------------------------------------------------------------------


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
        # d times the expression, where the bound has whole coefficients
        for m, coef in e.terms:
            if len(m) != 1 or m[0][1] != 1 or not isinstance(m[0][0], FloorDiv) or coef >= 0:
                continue
            fd = m[0][0]
            d = fd.den.as_int()
            if d is None or d <= 0:
                continue
            scaled = e * d - _Expr(((m, coef * d),)) + fd.num * coef
            if _nonneg(scaled, depth + 1):
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


# ---- layout ----------------------------------------------------------------------------------


def permute(x: Tensor, order: Sequence[Expr | None]) -> Tensor:
    t = _known(x)
    if t is None or t.shape is None:
        return _permute_unknown(x, order)
    rank = len(t.shape.dims)
    idx = [_norm_axis(o, rank) for o in order]
    if len(idx) != rank or any(i is None for i in idx) or len(set(idx)) != rank:
        return unknown_like(x)
    ii = [i for i in idx if i is not None]
    dims = tuple(t.shape.dims[i] for i in ii)
    roles = tuple(t.roles[i] for i in ii) if t.roles else None
    return t.with_(shape=Shape(dims), roles=roles)


def _permute_unknown(x: Tensor, order: Sequence[Expr | None]) -> Tensor:
    """``permute`` of a tensor whose rank is not known: torch takes exactly one axis per
    dimension, so ``x.permute(0, 2, 1)`` is 3-d whatever ``x`` was (its sizes stay unknown; the
    known trailing sizes of a ``(*, ...)`` tensor move with their axes)."""
    rank = len(order)
    shape = x.shape if isinstance(x, Tensor) else None
    if not isinstance(x, Tensor) or x.hole is not None or rank == 0 \
            or (shape is not None and (not shape.star or len(shape.dims) > rank)):
        return unknown_like(x)
    idx = [_norm_axis(o, rank) for o in order]
    if any(i is None for i in idx) or len(set(idx)) != rank:
        return unknown_like(x)
    known = shape.dims if shape is not None else ()
    full: tuple[Dim, ...] = (None,) * (rank - len(known)) + tuple(known)
    return x.with_(shape=Shape(tuple(full[i] for i in idx if i is not None)), roles=None,
                   hole=None)


def transpose(x: Tensor, a: Expr | None, b: Expr | None) -> Tensor:
    t = _known(x)
    if t is None or t.shape is None:
        return unknown_like(x)
    rank = len(t.shape.dims)
    ia, ib = _norm_axis(a, rank), _norm_axis(b, rank)
    if ia is None or ib is None:
        return unknown_like(x)
    order: list[Expr | None] = [const(i) for i in range(rank)]
    order[ia], order[ib] = order[ib], order[ia]
    return permute(t, order)


def squeeze(x: Tensor, dim: Expr | None, has_dim: bool) -> Tensor:
    t = _known(x)
    if t is None or t.shape is None:
        return unknown_like(x)
    dims = list(t.shape.dims)
    roles = list(t.roles) if t.roles else [None] * len(dims)
    if not has_dim:
        keep = [i for i, d in enumerate(dims) if not (d is not None and d.as_int() == 1)]
        if any(d is None or d.as_int() is None for d in dims):
            # a symbolic axis (the batch too) might be 1 at run time and PyTorch would drop it
            return unknown_like(x)
        return t.with_(shape=Shape(tuple(dims[i] for i in keep)),
                       roles=tuple(roles[i] for i in keep) if t.roles else None)
    i = _norm_axis(dim, len(dims))
    if i is None:
        return unknown_like(x)
    d = dims[i]
    if d is not None and d.as_int() == 1:
        del dims[i]
        del roles[i]
    elif d is None or d.as_int() is None:
        return unknown_like(x)
    return t.with_(shape=Shape(tuple(dims)), roles=tuple(roles) if t.roles else None)


def unsqueeze(x: Tensor, dim: Expr | None) -> Tensor:
    t = _known(x)
    if t is None or t.shape is None or dim is None or dim.as_int() is None:
        return unknown_like(x)
    dims = list(t.shape.dims)
    roles = list(t.roles) if t.roles else [None] * len(dims)
    a = dim.as_int()
    assert a is not None
    if a < 0:
        a += len(dims) + 1
    if not 0 <= a <= len(dims):
        return unknown_like(x)
    dims.insert(a, const(1))
    roles.insert(a, None)
    return t.with_(shape=Shape(tuple(dims)), roles=tuple(roles) if t.roles else None)


def product(dims: Sequence[Expr | None]) -> Expr | None:
    """The number of elements of a shape (None when an axis is unknown)."""
    return _prod(dims)


def _prod(dims: Sequence[Expr | None]) -> Expr | None:
    p = const(1)
    for d in dims:
        if d is None:
            return None
        p = p * d
    return p


def flatten_shape(x: Tensor, start: Expr | None, end: Expr | None) -> Tensor:
    t = _known(x)
    if t is None or t.shape is None:
        return unknown_like(x)
    rank = len(t.shape.dims)
    if rank == 0:
        return t.with_(shape=Shape((const(1),)))
    s, e = _norm_axis(start, rank), _norm_axis(end, rank)
    if s is None or e is None or s > e:
        return unknown_like(x)
    dims = t.shape.dims
    merged = _prod(dims[s:e + 1])
    roles = None
    if t.roles:
        r = t.roles[s] if s == e else (FEATURE if t.roles[e] == FEATURE else None)
        roles = t.roles[:s] + (r,) + t.roles[e + 1:]
    return t.with_(shape=Shape(dims[:s] + (merged,) + dims[e + 1:]), roles=roles)


def reshape(x: Tensor, sizes: Sequence[Expr | None]) -> Tensor:
    t = _known(x)
    out = list(sizes)
    minus = [i for i, d in enumerate(out) if d is not None and d.as_int() == -1]
    if len(minus) > 1:
        return unknown_like(x)
    if minus:
        total = _prod(t.shape.dims) if t is not None and t.shape is not None else None
        rest = _prod([d for i, d in enumerate(out) if i != minus[0]])
        if total is None or rest is None:
            out[minus[0]] = None
        else:
            # when torch accepts the view, the -1 axis is numel // rest exactly, whatever the
            # sizes; only a quotient proven not to divide (all sizes numbers) stays unknown
            q = total.floordiv(rest)
            tc, rc = total.as_int(), rest.as_int()
            proven_off = tc is not None and rc is not None and (rc == 0 or tc % rc != 0)
            out[minus[0]] = None if proven_off else q
    roles = None
    if t is not None and t.shape is not None and t.roles:
        # keep the roles of axes that survive unchanged at the same position from the left
        rl: list[str | None] = []
        for i, d in enumerate(out):
            if i < len(t.shape.dims) and d is not None and d == t.shape.dims[i] \
                    and all(rl[j] == t.roles[j] for j in range(i)):
                rl.append(t.roles[i])
            else:
                rl.append(None)
        if len(out) >= 1 and t.shape.dims and out[-1] is not None and out[-1] == t.shape.dims[-1]:
            rl[-1] = t.roles[-1]
        roles = tuple(rl)
    base = x if isinstance(x, Tensor) else Tensor(None)
    return base.with_(shape=Shape(tuple(out)), roles=roles, hole=None)


def reduce(x: Tensor, dim: Value, keepdim: bool) -> Tensor:
    t = _known(x)
    if isinstance(dim, Const) and dim.value is None:
        return (x if isinstance(x, Tensor) else Tensor(None)).with_(
            shape=Shape(()), roles=(), hole=None, what="scalar")
    if t is None or t.shape is None:
        return unknown_like(x)
    rank = len(t.shape.dims)
    axes_v = dim.items if isinstance(dim, Seq) else (dim,)
    axes = [_norm_axis(int_of(a), rank) for a in axes_v]
    if any(a is None for a in axes):
        return unknown_like(x)
    dims = list(t.shape.dims)
    roles = list(t.roles) if t.roles else [None] * rank
    what = t.what
    if any(roles[a] == TIME for a in axes if a is not None):
        what = "pooled"
    for a in sorted((a for a in axes if a is not None), reverse=True):
        if keepdim:
            dims[a] = const(1)
            roles[a] = None
        else:
            del dims[a]
            del roles[a]
    return t.with_(shape=Shape(tuple(dims)), roles=tuple(roles) if t.roles else None, what=what)


def _aligned_parts(tensors: Sequence[Tensor]) -> tuple[int, bool, list[list[Expr | None]]] | None:
    """The parts of a cat/stack as dims lists of one common rank (right-aligned).

    Every part of a cat or a stack has the same rank, so a part whose rank is known gives it to
    the others: a part of unknown shape becomes all-unknown axes, a part with unknown leading
    axes keeps its trailing ones.  Returns ``(rank, star, dims per part)``; ``star`` when no
    part tells the rank (then ``rank`` is the fewest trailing axes known).  None when the
    known ranks disagree (a legacy empty 1-D part, or a call PyTorch refuses).
    """
    ranks = {len(t.shape.dims) for t in tensors if t.shape is not None and not t.shape.star}
    if len(ranks) > 1:
        return None
    if ranks:
        rank = ranks.pop()
        star = False
    else:
        known = [len(t.shape.dims) for t in tensors if t.shape is not None]
        if not known:
            return None
        rank = min(known)
        star = True
    parts: list[list[Expr | None]] = []
    for t in tensors:
        if t.shape is None:
            parts.append([None for _ in range(rank)])
            continue
        dims = list(t.shape.dims)
        if len(dims) > rank:
            if not star:
                return None  # more trailing axes than the rank: PyTorch refuses
            dims = dims[len(dims) - rank:]
        pad: list[Expr | None] = [None] * (rank - len(dims))
        parts.append(pad + dims)
    return rank, star, parts


def _first_known(column: Sequence[Expr | None]) -> Expr | None:
    return next((d for d in column if d is not None), None)


def cat(items: Sequence[Value], dim: Expr | None, stack: bool = False) -> Tensor:
    """torch.cat / torch.stack.  Every axis but the joined one is equal in all parts (PyTorch
    checks it), so a part that does not tell an axis takes it from a part that does; the
    joined axis is the sum of the parts' and unknown when one part's is."""
    # a part PyTorch accepts is a tensor: an unknown value stands for one of unknown shape
    tensors = [i if isinstance(i, Tensor) else Tensor(None) for i in items if
               isinstance(i, Tensor) or i is UNKNOWN]
    if len(tensors) != len(items) or not tensors:
        return Tensor(None)
    first = tensors[0]
    aligned = _aligned_parts(tensors)
    if aligned is None:
        return unknown_like(first, width_note=None)
    rank, star, parts = aligned
    a_int = dim.as_int() if dim is not None else None
    if a_int is None:
        return unknown_like(first, width_note=None)
    all_known = not star and all(t.shape is not None and not t.shape.star for t in tensors)
    same_roles = all_known and all(t.roles == first.roles for t in tensors)
    if stack:
        if star:
            if a_int >= 0 or -a_int > rank + 1:
                return unknown_like(first)
            a = rank + 1 + a_int  # the new axis, counted among the trailing axes known
        else:
            a_norm = _norm_axis(dim, rank + 1)
            if a_norm is None:
                return unknown_like(first)
            a = a_norm
        dims = [_first_known([p[i] for p in parts]) for i in range(rank)]
        dims.insert(a, const(len(tensors)))
        roles = list(first.roles) if same_roles and first.roles else None
        if roles is not None:
            roles.insert(a, None)
        return first.with_(shape=Shape(tuple(dims), star), roles=tuple(roles) if roles else None,
                           hole=None)
    if star:
        if a_int >= 0 or -a_int > rank:
            return unknown_like(first, width_note=None)
        a = rank + a_int
    else:
        a_norm = _norm_axis(dim, rank)
        if a_norm is None:
            return unknown_like(first)
        a = a_norm
    total: Expr | None = const(0)
    for p in parts:
        part = p[a]
        total = None if total is None or part is None else total + part
    dims = [_first_known([p[i] for p in parts]) for i in range(rank)]
    dims[a] = total
    note = None
    what = first.what
    if a == rank - 1:
        rnns = [t.rnn for t in tensors]
        if all(r is not None and t.what in ("h_n", "c_n") for r, t in zip(rnns, tensors, strict=True)):
            first_rnn = rnns[0]
            assert first_rnn is not None
            both = "both directions of " if first_rnn.bidirectional else ""
            note = f"{both}{first_rnn.layer}'s final states joined"
            what = "summary"
        else:
            widths = [t.width_note for t in tensors if t.width_note]
            note = "; ".join(widths) if widths else None
    return first.with_(shape=Shape(tuple(dims), star), roles=first.roles if same_roles else None,
                       width_note=note, hole=None, what=what)


def matmul(a: Tensor, b: Tensor, kind: str = "matmul") -> Tensor:
    ta, tb = _known(a), _known(b)
    if ta is None or tb is None or ta.shape is None or tb.shape is None:
        return _matmul_partial(ta, tb, kind)
    da, db = ta.shape.dims, tb.shape.dims
    if len(da) == 1 or len(db) == 1:
        if len(da) == 1 and len(db) == 1:
            return Tensor(Shape(()), "float")
        if len(db) == 1:
            return ta.with_(shape=Shape(da[:-1]), roles=ta.roles[:-1] if ta.roles else None)
        return Tensor(Shape(db[:-2] + db[-1:]), "float")
    batch = broadcast_dims(da[:-2], db[:-2])
    if batch is None:
        return Tensor(None, "float")
    return Tensor(Shape(tuple(batch) + (da[-2], db[-1])), "float")


def _matmul_partial(ta: Tensor | None, tb: Tensor | None, kind: str) -> Tensor:
    """A product with one operand of unknown shape: what the other one fixes.

    ``bmm`` multiplies (b, n, m) by (b, m, p) into (b, n, p) and ``mm`` (n, m) by (m, p)
    into (n, p), so either operand tells its axes of the result; ``matmul`` by a matrix
    (m, p) ends with p whatever the other operand's rank.
    """
    da = ta.shape.dims if ta is not None and ta.shape is not None else None
    db = tb.shape.dims if tb is not None and tb.shape is not None else None
    if kind == "bmm" and (da is None or len(da) == 3) and (db is None or len(db) == 3) \
            and (da is not None or db is not None):
        return Tensor(Shape((_first_known([da[0] if da else None, db[0] if db else None]),
                             da[1] if da else None, db[2] if db else None)), "float")
    if kind == "mm" and (da is None or len(da) == 2) and (db is None or len(db) == 2) \
            and (da is not None or db is not None):
        return Tensor(Shape((da[0] if da else None, db[1] if db else None)), "float")
    if kind == "matmul" and da is None and db is not None and len(db) == 2:
        return Tensor(Shape((db[1],), star=True), "float")
    return Tensor(None, "float")


def glu(x: Tensor, dim: Expr | None) -> Tensor:
    """``F.glu(x, dim)``: the axis ``dim`` (even) is halved."""
    if x.shape is None or dim is None or dim.as_int() is None:
        return unknown_like(x)
    d = dim.as_int()
    assert d is not None
    n = len(x.shape.dims)
    if x.shape.star and d >= 0 or not -n <= d < n:
        return unknown_like(x)
    dims = list(x.shape.dims)
    size = dims[d]
    half = size.floordiv(2) if size is not None else None
    dims[d] = half if half is not None and size is not None and half * 2 == size else None
    roles = x.roles
    return x.with_(shape=Shape(tuple(dims), x.shape.star), roles=roles, hole=None,
                   rnn=None, what=None, width_note=None)


def broadcast_dims(a: Sequence[Expr | None], b: Sequence[Expr | None]) -> list[Expr | None] | None:
    n = max(len(a), len(b))
    pa = [const(1)] * (n - len(a)) + list(a)
    pb = [const(1)] * (n - len(b)) + list(b)
    out: list[Expr | None] = []
    for x, y in zip(pa, pb, strict=True):
        if x is not None and x.as_int() == 1:
            out.append(y)
        elif y is not None and y.as_int() == 1:
            out.append(x)
        elif x is not None and y is not None and x == y:
            out.append(x)
        elif (known := x if y is None else y if x is None else None) is not None \
                and known.as_int() not in (None, 1):
            # an unknown size against a known one other than 1: it is 1 or that size (any
            # other raises), and the result is that size either way
            out.append(known)
        else:
            out.append(None)
    return out


def is_scalar(v: Value) -> bool:
    """A plain Python number (an int size, a float constant, a flag): broadcasts to nothing."""
    from .values import Flag, Quotient

    if isinstance(v, Int | Flag | Quotient):
        return True
    return isinstance(v, Const) and isinstance(v.value, int | float | bool) \
        and not isinstance(v.value, type(None))


def broadcast(a: Value, b: Value) -> Value:
    """Result of an elementwise binary operation (unknown when an operand is not modelled:
    an unknown value may be a tensor with more axes)."""
    # with a plain number the tensor keeps its shape: an unsolved forward input stays that
    # input (``(lengths - 1).view(-1, 1, 1)``), so a consumer after it still solves it
    if isinstance(a, Tensor) and not isinstance(b, Tensor):
        if not is_scalar(b):
            return unknown_like(a)
        return a.with_() if a.hole is None or a.shape is None else unknown_like(a)
    if isinstance(b, Tensor) and not isinstance(a, Tensor):
        if not is_scalar(a):
            return unknown_like(b)
        return b.with_() if b.hole is None or b.shape is None else unknown_like(b)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a.shape is None and b.shape is None and a.hole is not None and a.hole == b.hole:
            # two values shaped exactly like one unsolved input: that shape again
            return a.with_(dtype=a.dtype if a.dtype == b.dtype else None, roles=None)
        if a.shape is None or b.shape is None:
            return unknown_like(a)
        if a.shape.star or b.shape.star:
            # ``(*, c) * (*, c)`` (a Linear fed a tensor of unknown rank): the leading axes stay
            # unknown, the trailing axes both sides state broadcast as usual
            k = min(len(a.shape.dims), len(b.shape.dims))
            tail = broadcast_dims(a.shape.dims[len(a.shape.dims) - k:],
                                  b.shape.dims[len(b.shape.dims) - k:]) if k else []
            if not tail or tail[-1] is None:
                return unknown_like(a)
            return a.with_(shape=Shape(tuple(tail), star=True), roles=None, hole=None)
        dims = broadcast_dims(a.shape.dims, b.shape.dims)
        if dims is None:
            return unknown_like(a)
        base = a if len(a.shape.dims) >= len(b.shape.dims) else b
        roles = base.roles if base.shape is not None and len(base.shape.dims) == len(dims) else None
        return base.with_(shape=Shape(tuple(dims)), roles=roles, hole=None)
    return UNKNOWN


#: steps on a forward input still to be solved that change its number of axes
RANK_STEPS = frozenset(("unsqueeze", "squeeze"))


def as_it_came(t: Tensor) -> Tensor | None:
    """After an ``if`` whose condition is not known, the forward input still to be solved as
    it came on the path that left it alone: ``if x.ndim == 2: x = x.unsqueeze(1)`` joins
    ``x`` with ``x.unsqueeze(1)``.  A consumer that reads the joined value solves the input
    from that path; the next pass, with the input's rank known, decides the condition.  Only
    when every other path adds steps that change the number of axes (so the condition, a
    test of the rank, is decided against the path it did not take), and only for one input."""
    if t.hole is not None or t.shape is not None or not t.alts:
        return None
    holes = [a for a in t.alts if a.hole is not None and a.shape is None]
    if len(holes) != len(t.alts) or len({h.hole[0] for h in holes if h.hole}) != 1:
        return None
    base = min(holes, key=lambda h: len(h.hole[1]) if h.hole else 0)
    assert base.hole is not None
    steps = base.hole[1]
    for h in holes:
        assert h.hole is not None
        extra = h.hole[1][len(steps):]
        if h.hole[1][:len(steps)] != steps:
            return None
        if h is not base and (not extra or any(st[0] not in RANK_STEPS for st in extra)):
            return None
    return base


def inplace(target: Value, out: Value) -> Value:
    """``a += b``, ``a.add_(b)``: the result is ``a`` itself, so it keeps ``a``'s shape and dtype
    whatever ``b`` is (PyTorch refuses an operand that would broadcast ``a`` to another shape).
    Where ``a``'s size on an axis is unknown, the broadcast's is taken."""
    if not isinstance(target, Tensor) or target.shape is None or target.shape.star \
            or target.hole is not None:
        return out
    dims = target.shape.dims
    if isinstance(out, Tensor) and out.shape is not None and not out.shape.star \
            and len(out.shape.dims) == len(dims):
        dims = tuple(t if t is not None else o for t, o in zip(dims, out.shape.dims, strict=True))
    base = out if isinstance(out, Tensor) else target
    return base.with_(shape=Shape(dims), roles=target.roles, dtype=target.dtype or base.dtype,
                      hole=None)


def factory(sizes: Sequence[Value], dtype: str | None = "float") -> Tensor:
    """torch.zeros(2, b, h) / torch.zeros((2, b, h)) / torch.zeros(x.size())"""
    vals: Sequence[Value] = sizes
    if len(sizes) == 1 and isinstance(sizes[0], Seq):
        s0 = sizes[0]
        if s0.repeated is not None:
            return Tensor(None, dtype)
        vals = s0.items
    dims = [int_of(v) for v in vals]
    roles: list[str | None] = []
    for v in vals:
        roles.append(getattr(v, "role", None))
    return Tensor(Shape(tuple(dims)), dtype, tuple(roles) if any(roles) else None)


def pad_packed(p: Value, batch_first: bool | None) -> Value:
    lengths = Tensor(None, "int")
    if not isinstance(p, Packed):
        return Seq((Tensor(None, "float"), lengths))
    data = p.data
    if data.shape is not None and not data.shape.star and len(data.shape.dims) == 3 \
            and p.batch_first is not None and batch_first is not None:
        if p.batch_first != batch_first:
            data = transpose(data, const(0), const(1))
        roles = (BATCH, TIME, FEATURE) if batch_first else (TIME, BATCH, FEATURE)
        b = data.shape.dims[0 if batch_first else 1] if data.shape else None
        lengths = Tensor(Shape((b,)), "int")
        rnn = replace(data.rnn, padded=True) if data.rnn else None
        data = data.with_(roles=roles, rnn=rnn)
    elif data.shape is not None and data.shape.dims:
        # layout unknown, but the features stay last
        data = data.with_(shape=Shape(data.shape.dims[-1:], star=True), roles=None)
    else:
        data = unknown_like(data)
    return Seq((data, lengths))


def pack(x: Value, batch_first: bool | None) -> Value:
    if not isinstance(x, Tensor):
        return UNKNOWN
    return Packed(x, batch_first)
