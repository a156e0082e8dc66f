"""``x.squeeze()`` and ``x.squeeze(d)`` of axes whose sizes are symbols: which axes the shape
shown keeps, and what it assumes of the caller's sizes to do so."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from . import ops
from .symbolic import Expr, sym
from .values import Shape, Tensor

if TYPE_CHECKING:
    from .interp.core import Core


def squeeze_free_sizes(it: Core, x: Tensor, unknown: Tensor, axis: Expr | None
                       ) -> tuple[Tensor, list[Expr], list[Expr]]:
    """``x.squeeze()`` of ``(B, 1)``: ``(B,)`` unless the batch is 1, when PyTorch drops it
    too (``x.squeeze(0)`` of ``(B, H)`` likewise keeps ``B``).  The batch, the time and the
    other sizes of the caller's data are free, so the shape is shown as it is for every value
    but 1, with ``B != 1`` recorded beside it (as a size equality is).  An axis sized by the
    model (``n_out``) decides the rank: unknown.  The one axis named by ``x.squeeze(d)`` whose
    size the caller's sizes make through arithmetic (the height a CNN leaves of the image's,
    ``((H + 1)//2 + 1)//2``) is dropped, with ``... == 1`` recorded: the code names the axis
    to drop it (a strided size of one free axis only, never the batch or the time)."""
    t = x if isinstance(x, Tensor) else None
    if t is None or t.shape is None or t.shape.star:
        return unknown, [], []
    n_dims = len(t.shape.dims)
    only: int | None = None
    if axis is not None:
        k = axis.as_int()
        if k is None or not -n_dims <= k < n_dims:
            return unknown, [], []
        only = k % n_dims
    free = set(it.free_names) | set(it.time_names.values()) | {"B"}
    keep: list[int] = []
    assumed: list[Expr] = []
    dropped: list[Expr] = []
    for i, dim in enumerate(t.shape.dims):
        if only is not None and i != only:
            keep.append(i)
            continue
        if dim is None:
            return unknown, [], []
        n = dim.as_int()
        if n == 1:
            continue
        if n is None and ops.nonneg(dim - 2):
            keep.append(i)  # at least 2 for every choice of sizes (2*hidden, n + 1): kept
            continue
        if n is None:
            names = dim.symbols()
            if only is not None and _downsampled(it, dim):
                if not _rank_blind(it):
                    return unknown, [], []  # the code may read either rank: not decided
                dropped.append(dim)  # the height a CNN leaves: x.squeeze(2), shown as 1
                continue
            if len(names) != 1 or dim != sym(next(iter(names))) or not names <= free:
                return unknown, [], []  # (a sum like T - 1 may be 1 for a value above 1)
            assumed.append(dim)
        keep.append(i)
    roles = tuple(t.roles[i] for i in keep) if t.roles else None
    return (t.with_(shape=Shape(tuple(t.shape.dims[i] for i in keep)), roles=roles), assumed,
            dropped)


def spatial_size(it: Core, e: Expr | None) -> bool:
    """Is ``e`` one of the caller's free sizes (an image's width, strided or not), never the
    batch or the time, nor a product of several (``H'*W'``: a grid of locations flattened
    into one axis is a layout chosen on purpose, each location a sequence of its own)?"""
    names = e.symbols() if e is not None else set()
    free = (it.free_names | it.carried_free) - {"B"} - set(it.time_names.values())
    return len(names) == 1 and names <= free


#: what makes code work whatever the rank a squeeze left (``if x.dim() == 4``, ``x.flatten(1,
#: -2)``, ``x.view(n, -1, t)``, sizes read off the tensor)
_RANK_READ = re.compile(r"\.dim\(|\bndim\b|ndimension|\blen\(|flatten|\.view\(|reshape|"
                        r"\.size\(|\.shape\b|squeeze\(\s*\)")


def _rank_blind(it: Core) -> bool:
    """Does the file the squeeze runs in read no rank and no size outside its
    ``if __name__ == "__main__":`` block (``x.squeeze(2)`` then ``transpose``/``permute``
    into an RNN, as a CRNN's forward does)?  Only then does the model fail whatever the
    height: with the axis kept, the RNN gets 4 axes.  Code that reads a rank or a size, in
    the forward or in a helper it calls (a method, a function, a submodule of the file), may
    work either way (a spectrogram CNN whose frequency axis stays 16: ``squeeze(2)`` keeps it
    and ``flatten(1, -2)`` folds it), so the rank is not decided."""
    if not it.frames:
        return False
    text = getattr(it.fm, "text", "") or ""
    main = _MAIN_BLOCK.search(text)
    if main is not None:
        text = text[:main.start()]
    return bool(text) and _RANK_READ.search(text) is None


_MAIN_BLOCK = re.compile(r"^if\s+__name__\s*==\s*['\"]__main__['\"]\s*:", re.M)


def _downsampled(it: Core, dim: Expr) -> bool:
    """Is this size one of the caller's spatial sizes cut down by strides (``((H + 1)//2
    + 1)//2``: a floor division of one free size, never the batch or the time)?"""
    names = dim.symbols()
    if len(names) != 1 or dim == sym(next(iter(names))) or "//" not in str(dim):
        return False
    return spatial_size(it, dim)
