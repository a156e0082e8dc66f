"""Initial-state pairs written with two sizes swapped in one of them.

``(zeros(bsz, self.num_layers, H), zeros(self.num_layers, bsz, H))``: an LSTM's ``(h, c)``
pair built in one tuple, the batch and the layer count swapped in one of the two.  Read from
the source alone (no shapes needed), so that it also holds in a state method only a parent
or the training loop calls; LST301 reports it and LST305 leaves it alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

import libcst as cst

from .node_memo import NodeMemo
from .walk import descendants

_PAIR_FACTORIES = frozenset({"zeros", "ones", "randn", "rand", "empty", "new", "new_zeros",
                             "new_ones", "new_empty", "FloatTensor", "Tensor"})
#: calls a state passes through unchanged in shape: ``Variable(...)``, ``.cuda()``, ``.to(d)``
_KEEP_SHAPE = frozenset({"Variable", "cuda", "to", "zero_", "detach", "requires_grad_",
                         "float", "contiguous", "cpu", "type", "type_as"})


#: a factory called (``torch.zeros(``; space, a line break, a comment may stand before the
#: parenthesis, as Python allows): a pair needs two such calls.  Its ``\b`` is tested by
#: hand (:func:`may_hold_pair`): a pattern that starts with the names is searched for by
#: their first letters, twice as fast over a file's text as one that starts with ``\b``
_FACTORY_CALL = re.compile(r"(?:" + "|".join(sorted(_PAIR_FACTORIES))
                           + r")(?:\s|\\\n|#[^\n]*)*\(")


#: what ends or may hide a call's arguments: a bracket, a string, a comment
_BRACKET_OR_DOUBT = re.compile(r"[()\[\]{}'\"#]")


@lru_cache(maxsize=8)
def may_hold_pair(text: str) -> bool:
    """Whether a file's text can hold a swapped pair at all: two factory calls with a size
    named for layers among their arguments (nine in ten model files hold none, and the field
    walk is a tenth of a rule run; of the files with two factory calls and a layer count
    somewhere, nine in ten hold no two such calls)."""
    if "layer" not in text.lower():
        return False
    found, pos = 0, 0
    while (m := _FACTORY_CALL.search(text, pos)) is not None:
        start = m.start()
        if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            pos = start + 1  # inside a longer name (``renew(``): no ``\b`` before it
            continue
        pos = m.end()
        if _args_may_name_layers(text, pos):
            found += 1
            if found >= 2:
                return True
    return False


def _args_may_name_layers(text: str, start: int) -> bool:
    """Whether the arguments of the call whose ``(`` ends at ``start`` may name a layer count
    (``layer`` in any case in their text).  Brackets are matched to the call's ``)``; a
    string or a comment before it (a bracket in it would mislead the count) or no ``)`` at all
    answers yes."""
    depth, pos = 1, start
    while True:
        m = _BRACKET_OR_DOUBT.search(text, pos)
        if m is None:
            return True
        ch = m.group()
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return "layer" in text[start:m.start()].lower()
        else:
            return True
        pos = m.end()


def _factory_sizes(e: cst.BaseExpression) -> tuple[cst.Call, list[cst.BaseExpression]] | None:
    """The factory call under shape-keeping wrappers, and its three plain sizes."""
    while isinstance(e, cst.Call):
        f = e.func
        name = f.attr.value if isinstance(f, cst.Attribute) else \
            f.value if isinstance(f, cst.Name) else None
        if name in _PAIR_FACTORIES:
            sizes = [a.value for a in e.args if a.keyword is None and not a.star]
            if len(sizes) == 1 and isinstance(sizes[0], cst.Tuple | cst.List):
                sizes = [el.value for el in sizes[0].elements
                         if isinstance(el, cst.Element)]
            return (e, sizes) if len(sizes) == 3 else None
        if name not in _KEEP_SHAPE:
            return None
        if name == "Variable" and e.args:
            e = e.args[0].value
        elif isinstance(f, cst.Attribute):
            e = f.value
        else:
            return None
    return None


def _layer_like(e: cst.BaseExpression) -> bool:
    name = e.value if isinstance(e, cst.Name) else e.attr.value \
        if isinstance(e, cst.Attribute) else None
    return name is not None and "layer" in name.lower()


def swapped_pairs(node: cst.CSTNode, text: str | None = None
                  ) -> list[tuple[cst.Call, list[cst.BaseExpression], list[cst.BaseExpression]]]:
    """Two-element tuples of state factories whose first two sizes are swapped against each
    other, a layer count second in the one returned (the layers belong on axis 0, so of the
    two it is that one which is wrong, whatever the sizes are).  ``text``: the source of the
    file that holds ``node`` (when known), read first to skip files that cannot hold a pair."""
    known = _FOUND.get(node)
    if known is not None:
        return known
    out: list[tuple[cst.Call, list[cst.BaseExpression], list[cst.BaseExpression]]] = []
    if text and not may_hold_pair(text):
        return _FOUND.put(node, out)
    code = cst.Module([]).code_for_node
    for t in descendants(node):  # (a field walk: libcst's visitor would copy the class)
        if type(t) is not cst.Tuple or len(t.elements) != 2:  # (exact: no ABC check)
            continue
        parts = [_factory_sizes(el.value) for el in t.elements]
        if parts[0] is None or parts[1] is None:
            continue
        (c0, s0), (c1, s1) = parts[0], parts[1]
        keys0, keys1 = [code(x) for x in s0], [code(x) for x in s1]
        if keys0[0] == keys0[1] or keys0[:2] != keys1[1::-1]:
            continue
        for call, sizes, other in ((c0, s0, s1), (c1, s1, s0)):
            if _layer_like(sizes[1]) and not _layer_like(sizes[0]):
                out.append((call, sizes, other))
    return _FOUND.put(node, out)


#: the answer per class node: LST301 and LST305 both ask
_FOUND: NodeMemo[cst.CSTNode, list[tuple[cst.Call, list[cst.BaseExpression],
                                         list[cst.BaseExpression]]]] = NodeMemo()
