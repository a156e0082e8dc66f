"""Where an initial state built by a factory call is handed to the layer that reads it.

``h = (zeros(...), zeros(...))`` then ``self.lstm(x, h)``; ``return (zeros(...), ...)`` in
``init_hidden`` then ``state = self.init_hidden(bsz)`` and ``self.core(xt, state)``;
``self.hidden = ...`` then ``self.lstm(x, self.hidden)`` in ``forward``.  Read from the class's
source alone, for the rules that find a state by its source (LST301's swapped pairs, LST305's
state methods): the call that receives the state is the line a run crashes at when the state
is wrong, and the finding names it as related so that ``--confirm`` can read that crash.
"""

from __future__ import annotations

import re

import libcst as cst

from .walk import descendants

#: the related message of a receiver found here (read from the source, not the dataflow)
RECEIVES_STATE = "the state is passed here"

#: what a method that builds a recurrent state is named after (``init_hidden``, ``init_state``)
STATE_METHOD_WORDS = ("hidden", "state", "init_h", "zero_h")
#: a parameter that is the batch size (``init_hidden(self, bsz)``)
BATCH_PARAM = re.compile(r"^(?:b|bs|bsz|nbatch|n_batch|batch|batch_?size|batch_sz|batchsize|"
                         r"num_batch|batch_len)$")


def is_state_method(name: str) -> bool:
    return name != "forward" and any(w in name.lower() for w in STATE_METHOD_WORDS)


def _self_attr(e: cst.BaseExpression) -> str | None:
    if isinstance(e, cst.Attribute) and isinstance(e.value, cst.Name) \
            and e.value.value == "self":
        return e.attr.value
    return None


def _holds(e: cst.CSTNode, target: cst.CSTNode) -> bool:
    return e is target or any(d is target for d in descendants(e))


def _statements(fn: cst.FunctionDef) -> list[cst.BaseSmallStatement]:
    """The function's small statements in source order (nested blocks included, nested
    functions and classes left out)."""
    out: list[cst.BaseSmallStatement] = []

    def walk(node: cst.CSTNode) -> None:
        for child in node.children:
            if isinstance(child, cst.FunctionDef | cst.ClassDef | cst.Lambda):
                continue
            if isinstance(child, cst.BaseSmallStatement):
                out.append(child)
            else:
                walk(child)

    walk(fn.body)
    return out


def _holder(fn: cst.FunctionDef, call: cst.Call) -> tuple[str, str, int] | None:
    """What the state built by ``call`` is kept in: ("return", "", i), ("local", name, i) or
    ("attr", name, i), with ``i`` the index of the statement among ``_statements(fn)``."""
    for i, st in enumerate(_statements(fn)):
        if not _holds(st, call):
            continue
        if isinstance(st, cst.Return):
            return ("return", "", i)
        if isinstance(st, cst.Assign) and len(st.targets) == 1:
            target: cst.BaseExpression = st.targets[0].target
            value = st.value
            if isinstance(target, cst.Tuple) and isinstance(value, cst.Tuple) \
                    and len(target.elements) == len(value.elements):
                for t_el, v_el in zip(target.elements, value.elements, strict=True):
                    if _holds(v_el.value, call):
                        target = t_el.value
                        break
                else:
                    return None
            if isinstance(target, cst.Name):
                return ("local", target.value, i)
            attr = _self_attr(target)
            if attr is not None:
                return ("attr", attr, i)
        return None
    return None


def _passes(arg: cst.BaseExpression, local: str | None, attr: str | None) -> bool:
    """Whether an argument is the state (or a tuple holding it)."""
    items = [el.value for el in arg.elements] if isinstance(arg, cst.Tuple | cst.List) \
        else [arg]
    for it in items:
        if local is not None and isinstance(it, cst.Name) and it.value == local:
            return True
        if attr is not None and _self_attr(it) == attr:
            return True
    return False


def _receiver(statements: list[cst.BaseSmallStatement], local: str | None,
              attr: str | None) -> cst.Call | None:
    """The first call ``self.layer(x, state)`` (the state after the input, or as ``hx=``)."""
    for st in statements:
        for node in [st, *descendants(st)]:
            if not isinstance(node, cst.Call) or _self_attr(node.func) is None:
                continue
            for k, a in enumerate(node.args):
                if a.star:
                    continue
                if (k >= 1 or a.keyword is not None) and _passes(a.value, local, attr):
                    return node
    return None


def _method_calls(fn: cst.FunctionDef, name: str
                  ) -> list[tuple[int, cst.BaseSmallStatement, cst.Call]]:
    out = []
    for i, st in enumerate(_statements(fn)):
        for node in [st, *descendants(st)]:
            if isinstance(node, cst.Call) and _self_attr(node.func) == name:
                out.append((i, st, node))
    return out


def state_receiver(methods: dict[str, cst.FunctionDef], call: cst.Call) -> cst.Call | None:
    """The call that receives the state ``call`` builds (``self.lstm(x, h)``), in the class
    whose methods are ``methods``; None when the source does not show it plainly."""
    owner = next((fn for fn in methods.values() if _holds(fn, call)), None)
    if owner is None:
        return None
    held = _holder(owner, call)
    if held is None:
        return None
    kind, name, i = held
    if kind == "local":
        return _receiver(_statements(owner)[i + 1:], name, None)
    if kind == "attr":
        return _attr_receiver(methods, name, owner, i)
    # returned: where the class's own methods call this one
    method = next((n for n, fn in methods.items() if fn is owner), None)
    if method is None:
        return None
    for fn in methods.values():
        if fn is owner:
            continue
        for j, st, c in _method_calls(fn, method):
            # the call handed on directly: self.lstm(x, self.init_hidden(b))
            for node in [st, *descendants(st)]:
                if isinstance(node, cst.Call) and _self_attr(node.func) is not None \
                        and node is not c and any(
                            (k >= 1 or a.keyword is not None) and a.value is c
                            for k, a in enumerate(node.args)):
                    return node
            if isinstance(st, cst.Assign) and len(st.targets) == 1 and st.value is c:
                target = st.targets[0].target
                if isinstance(target, cst.Name):
                    got = _receiver(_statements(fn)[j + 1:], target.value, None)
                    if got is not None:
                        return got
                attr = _self_attr(target)
                if attr is not None:
                    got = _attr_receiver(methods, attr, fn, j)
                    if got is not None:
                        return got
    return None


def _attr_receiver(methods: dict[str, cst.FunctionDef], attr: str, owner: cst.FunctionDef,
                   i: int) -> cst.Call | None:
    """The first call handed ``self.<attr>``: later in the method that sets it, else in
    ``forward``, else in any other method."""
    got = _receiver(_statements(owner)[i + 1:], None, attr)
    if got is not None:
        return got
    order = sorted((fn for fn in methods.values() if fn is not owner),
                   key=lambda fn: fn.name.value != "forward")
    for fn in order:
        got = _receiver(_statements(fn), None, attr)
        if got is not None:
            return got
    return None
