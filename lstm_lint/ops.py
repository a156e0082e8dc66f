"""Tensor operations the engine follows: layout, reductions, joins, factories, algebra
(indexing: :mod:`.indexing`).

Every function here takes abstract values and returns an abstract value; anything that cannot
be followed becomes an unknown shape (never a guess).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .indexing import IndexEvent as IndexEvent
from .indexing import SliceVal as SliceVal
from .indexing import assuming as assuming
from .indexing import index as index
from .indexing import nonneg as nonneg
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
    size_args,
    unknown_like,
)


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
    floor: Expr | None = None
    if total is None and a == rank - 1:
        # the parts whose width is known: the join is at least as wide as they are together
        for width in (p[a] for p in parts):
            if width is not None:
                floor = width if floor is None else floor + width
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
                       width_note=note, hole=None, what=what, floor=floor)


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
    vals = size_args(sizes)
    if vals is None:  # torch.zeros(size) of an unknown size: any number of axes
        return Tensor(None, dtype)
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
