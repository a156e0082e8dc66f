"""Fix builders: new libcst nodes for the edits a rule attaches with ``RuleContext.with_fix``."""

from __future__ import annotations

from typing import Any


def move_index(sub: Any, src_axis: int, dst_axis: int) -> Any | None:
    """``x[-1]`` -> ``x[:, -1]``: move the index at ``src_axis`` to ``dst_axis`` (a bare ``:``).

    Returns a new libcst Subscript, or None when the subscript uses ``...``/``None`` or the
    target position holds anything but a full slice.
    """
    import libcst as cst

    if not isinstance(sub, cst.Subscript):
        return None
    elems = list(sub.slice)
    for el in elems:
        if isinstance(el.slice, cst.Index) and (
                isinstance(el.slice.value, cst.Ellipsis)
                or isinstance(el.slice.value, cst.Name) and el.slice.value.value == "None"):
            return None

    def full() -> cst.SubscriptElement:
        return cst.SubscriptElement(cst.Slice(lower=None, upper=None))

    def is_full(el: cst.SubscriptElement) -> bool:
        return isinstance(el.slice, cst.Slice) and el.slice.lower is None \
            and el.slice.upper is None and el.slice.step is None

    while len(elems) <= max(src_axis, dst_axis):
        elems.append(full())
    if not is_full(elems[dst_axis]):
        return None
    elems[src_axis], elems[dst_axis] = elems[dst_axis], elems[src_axis]
    while len(elems) > 1 and is_full(elems[-1]):
        elems.pop()
    out = [e.with_changes(comma=cst.MaybeSentinel.DEFAULT) for e in elems]
    return sub.with_changes(slice=out)


def replace_index(sub: Any, axis: int, value: int) -> Any | None:
    """``h_n[0]`` -> ``h_n[-1]``: put an integer at ``axis`` of a subscript."""
    import libcst as cst

    if not isinstance(sub, cst.Subscript) or axis >= len(sub.slice):
        return None
    el = sub.slice[axis]
    if not isinstance(el.slice, cst.Index):
        return None
    new_val: cst.BaseExpression = cst.Integer(str(abs(value)))
    if value < 0:
        new_val = cst.UnaryOperation(cst.Minus(), new_val)
    elems = list(sub.slice)
    elems[axis] = el.with_changes(slice=cst.Index(new_val))
    return sub.with_changes(slice=elems)
