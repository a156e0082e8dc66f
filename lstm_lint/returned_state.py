"""LST205's returned final state: does a module hand its RNN's whole final state, fresh from
a call over a known plain sequence, back to forward's caller (``return output, h_n``)?"""

from __future__ import annotations

from typing import Any

import libcst as cst

from lstm_lint.values import Packed, Seq, Tensor


def state_returned(ctx: Any, g: Any, layer: Any, call: int | None) -> Any:
    """Does the module whose graph this is return this RNN's whole final state as it came
    (``return output, hn``; ``(h_n, c_n)`` of an LSTM)?  With ``call``: that call's state.
    None when not; else forward's return statement when it has one alone (the place the
    state leaves), or False."""
    for m in ctx.analysis.modules:
        if m.graph is not g:
            continue
        todo, seen = [m.output], 0
        while todo and seen < 32:
            v = todo.pop()
            seen += 1
            if isinstance(v, Seq):
                todo.extend(v.items)
            elif isinstance(v, Tensor) and v.what in ("h_n", "c_n") and v.rnn is not None \
                    and v.rnn.node == layer.node and not v.rnn.padded \
                    and _fresh_call(g, v.node, layer, call):
                return _only_return(m.cls.forward)
    return None


def _fresh_call(g: Any, nid: int | None, layer: Any, call: int | None) -> bool:
    """Was the state (made at ``nid``: the RNN's call, or an op after it, ``h.squeeze(0)``)
    made by exactly one call of this RNN (``call`` when given), a call given no initial state
    whose input is a known plain sequence (not packed, not a helper's unknown result)?"""
    import networkx as nx

    if nid is None or nid not in g.g:
        return False
    if _is_call_of(g, nid, layer):
        made = [nid]
    else:
        made = [a for a in nx.ancestors(g.g, nid) if _is_call_of(g, a, layer)]
    if len(made) != 1 or (call is not None and made[0] != call):
        return False
    return _fresh_state(g, made[0]) and _known_plain_input(g, made[0])


def _is_call_of(g: Any, nid: int, layer: Any) -> bool:
    view = g.view(nid)
    built = view.attrs.get("layer") if view.op == "layer" else None
    return built is not None and built.node == layer.node


def _known_plain_input(g: Any, nid: int) -> bool:
    """Is the call's input a known plain tensor of three axes (never a PackedSequence, never
    a value the engine could not follow)?"""
    ins = [g.g.edges[p, nid].get("value") for p in g.g.predecessors(nid)]
    return not any(isinstance(v, Packed) for v in ins) \
        and any(isinstance(v, Tensor) and v.rnn is None and v.shape is not None
                and not v.shape.star and len(v.shape.dims) == 3 for v in ins)


def _fresh_state(g: Any, nid: int | None) -> bool:
    """Was the call that made this state given no initial state (or ``None``, or zeros built
    in forward: ``h0 = torch.zeros(...)``)?  A state handed in (``self.rnn(emb, hidden)``) and
    returned is carried from call to call (a language model over contiguous text, truncated
    backpropagation): no padding is in sight there."""
    if nid is None or nid not in g.g:
        return False
    call = g.view(nid).cst
    if not isinstance(call, cst.Call) or any(a.star for a in call.args):
        return False
    positional = [a for a in call.args if a.keyword is None]
    states = positional[1:] + [a for a in call.args
                               if a.keyword is not None and a.keyword.value == "hx"]
    if not positional or call.args[0] is not positional[0] or len(states) > 1:
        return False
    if not states:
        return True
    if isinstance(states[0].value, cst.Name) and states[0].value.value == "None":
        return True
    # zeros built in forward: every value into the call but its input is a torch.zeros
    preds = [g.view(p) for p in g.g.predecessors(nid)]
    zeros = [p for p in preds if p.op == "factory" and p.label.rsplit(".", 1)[-1] == "zeros"]
    return bool(zeros) and len(preds) - len(zeros) == 1


def _only_return(fn: Any) -> Any:
    """``forward``'s return statement when it has exactly one (nested functions aside)."""
    from lstm_lint.walk import descendants_outside

    if fn is None:
        return False
    found = [n for n in descendants_outside(fn.body, _NESTED) if isinstance(n, cst.Return)]
    return found[0] if len(found) == 1 else False


_NESTED = frozenset({cst.FunctionDef, cst.Lambda, cst.ClassDef})
