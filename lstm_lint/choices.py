"""A recurrent class the caller chooses by name: ``getattr(nn, rnn_type)(...)`` with
``rnn_type`` a constructor parameter.  The symbolic run cannot tell which of RNN, GRU and LSTM
it builds; each candidate the name can stand for is run on its own and what all of them agree
on is known whatever the choice (the outputs of the three agree; the state does not: an LSTM's
is an ``(h, c)`` pair).  Read from the class's own source with libcst; no code is run."""

from __future__ import annotations

import functools
import re

import libcst as cst

from .extract import ClassInfo
from .values import UNKNOWN, Const, Packed, Seq, Shape, Tensor, Value

KINDS = ("LSTM", "GRU", "RNN")
MAX_CANDIDATES = 12


#: ``getattr(nn,`` or ``getattr(torch.nn,`` as written (space, line breaks and comments
#: allowed where Python allows them): a file without one has no choice to run
_GETATTR_NN = re.compile(r"\bgetattr(?:\s|#[^\n]*)*\((?:\s|#[^\n]*)*"
                         r"(?:torch(?:\s|#[^\n]*)*\.(?:\s|#[^\n]*)*)?nn(?:\s|#[^\n]*)*,")


@functools.lru_cache(maxsize=8)
def may_choose(text: str) -> bool:
    """Whether a file's text can hold ``getattr(nn, name)`` (a text test before the walk)."""
    return "getattr" in text and _GETATTR_NN.search(text) is not None


def _is_nn(e: cst.BaseExpression) -> bool:
    if isinstance(e, cst.Name):
        return e.value == "nn"
    return isinstance(e, cst.Attribute) and isinstance(e.value, cst.Name) \
        and e.value.value == "torch" and e.attr.value == "nn"


def _strip_case(e: cst.BaseExpression) -> tuple[cst.BaseExpression, str | None]:
    """``name.upper()`` -> (name, "upper"); anything else as it is."""
    if isinstance(e, cst.Call) and not e.args and isinstance(e.func, cst.Attribute) \
            and e.func.attr.value in ("upper", "lower"):
        return e.func.value, e.func.attr.value
    return e, None


def _param_of(e: cst.BaseExpression, params: set[str], aliases: dict[str, str]) -> str | None:
    if isinstance(e, cst.Name) and e.value in params:
        return e.value
    if isinstance(e, cst.Attribute) and isinstance(e.value, cst.Name) \
            and e.value.value == "self":
        return aliases.get(e.attr.value)
    return None


class _Calls(cst.CSTVisitor):
    def __init__(self) -> None:
        #: the name each ``getattr(nn, name)(...)`` reads, and whether its call proves the class
        #: one of RNN, GRU and LSTM (only they take ``bidirectional``; ``nonlinearity`` would
        #: make it an RNN, a kind known already)
        self.getattrs: list[tuple[cst.BaseExpression, bool]] = []
        self.seen: set[int] = set()
        self.literals: set[str] = set()
        #: ``assert name in ("LSTM", "GRU")``: the names asserted, by the expression tested
        self.asserted: list[tuple[cst.BaseExpression, list[str]]] = []

    def visit_Call(self, node: cst.Call) -> None:
        f = node.func
        if _is_getattr_nn(f) and isinstance(f, cst.Call):
            keys = {a.keyword.value for a in node.args if a.keyword is not None}
            self.getattrs.append((f.args[1].value,
                                  "bidirectional" in keys and "nonlinearity" not in keys))
            self.seen.add(id(f))
        elif _is_getattr_nn(node) and id(node) not in self.seen:
            self.getattrs.append((node.args[1].value, False))

    def visit_Comparison(self, node: cst.Comparison) -> None:
        for part in [node.left] + [c.comparator for c in node.comparisons]:
            for s in _strings(part):
                self.literals.add(s)

    def visit_Assert(self, node: cst.Assert) -> None:
        t = node.test
        if isinstance(t, cst.Comparison) and len(t.comparisons) == 1 \
                and isinstance(t.comparisons[0].operator, cst.In):
            names = _strings(t.comparisons[0].comparator)
            if names:
                self.asserted.append((t.left, names))


def _is_getattr_nn(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) \
        and node.func.value == "getattr" and len(node.args) == 2 \
        and _is_nn(node.args[0].value)


def _strings(e: cst.BaseExpression) -> list[str]:
    if isinstance(e, cst.SimpleString):
        v = e.evaluated_value
        return [v] if isinstance(v, str) else []
    if isinstance(e, cst.List | cst.Tuple | cst.Set):
        return [s for el in e.elements for s in _strings(el.value)]
    return []


def rnn_choices(cls: ClassInfo) -> tuple[str, tuple[str, ...]] | None:
    """The constructor parameter (given without a default) whose value names the recurrent
    class ``getattr(nn, ...)`` builds, and every value of it the code lets through, up to what
    the class's code tells apart.  The names an ``assert p in (...)`` allows, when each is a
    recurrent class; else, when every such call passes ``bidirectional`` (only RNN, GRU and
    LSTM take it): for ``getattr(nn, p)`` exactly ``LSTM``, ``GRU`` and ``RNN``; for
    ``getattr(nn, p.upper())`` also each casing the code compares ``p`` with (``'lstm'``) and
    one it compares with nothing.  None otherwise: any ``nn`` class could be named (a
    ``TransformerEncoderLayer`` takes ``(d_model, nhead, dim_feedforward, batch_first=True)``),
    nor is a choice guessed when there is more than one such parameter."""
    init = cls.methods.get("__init__")
    if init is None:
        return None
    params = {p.name.value for p in list(init.params.params)[1:] + list(init.params.kwonly_params)
              if p.default is None}
    if not params:
        return None
    aliases: dict[str, str] = {}
    if isinstance(init.body, cst.IndentedBlock):
        for stmt in init.body.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1 \
                        and isinstance(small.value, cst.Name) and small.value.value in params:
                    t = small.targets[0].target
                    if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) \
                            and t.value.value == "self":
                        aliases[t.attr.value] = small.value.value
    calls = _Calls()
    cls.node.visit(calls)
    chosen: dict[str, str | None] = {}
    proven = True
    for arg, one_of_three in calls.getattrs:
        inner, case = _strip_case(arg)
        p = _param_of(inner, params, aliases)
        if p is None or case == "lower":
            return None  # getattr(nn, p.lower()) builds no recurrent layer; other names: open
        if chosen.get(p, case) != case:
            return None
        chosen[p] = case
        proven = proven and one_of_three
    if len(chosen) != 1:
        return None
    (p, case), = chosen.items()
    for tested, names in calls.asserted:
        inner, acase = _strip_case(tested)
        if _param_of(inner, params, aliases) == p and acase == case \
                and all((n.upper() if case else n) in KINDS for n in names):
            return p, tuple(dict.fromkeys(names))  # the names the code lets through
    if not proven:
        return None  # any nn class could be named: nothing to join
    if case is None:
        return p, KINDS
    out: list[str] = []
    for k in KINDS:
        named = sorted(s for s in calls.literals if s.upper() == k)
        spellings = [k, k.lower(), k.capitalize(), *named]
        # one spelling none of the code's literals is: it compares unequal to all of them
        for s in (k.capitalize(), k.lower().capitalize().swapcase(), k[:-1].lower() + k[-1]):
            if s not in calls.literals:
                spellings.append(s)
                break
        for s in spellings:
            if s not in out:
                out.append(s)
    if len(out) > MAX_CANDIDATES:
        return None
    return p, tuple(out)


def join_all(values: list[Value]) -> Value:
    """What every value agrees on: equal values stay; tensors of one rank keep the axes they
    agree on (the others not known); tuples of one length are joined item by item; anything
    else is not known."""
    first = values[0]
    if all(v == first for v in values[1:]) and not isinstance(first, Tensor | Seq | Packed):
        return first
    if all(isinstance(v, Tensor) for v in values):
        ts = [v for v in values if isinstance(v, Tensor)]
        shapes = [t.shape for t in ts]
        s0 = shapes[0]
        if s0 is None or any(s is None or s.star != s0.star or len(s.dims) != len(s0.dims)
                             for s in shapes):
            return Tensor(None)
        dims = tuple(d if all(s is not None and s.dims[i] == d for s in shapes) else None
                     for i, d in enumerate(s0.dims))
        dtype = ts[0].dtype if all(t.dtype == ts[0].dtype for t in ts) else None
        roles = ts[0].roles if all(t.roles == ts[0].roles for t in ts) else None
        return Tensor(Shape(dims, s0.star), dtype, roles)
    if all(isinstance(v, Packed) for v in values):
        ps = [v for v in values if isinstance(v, Packed)]
        data = join_all([p.data for p in ps])
        bf = ps[0].batch_first if all(p.batch_first == ps[0].batch_first for p in ps) else None
        return Packed(data, bf) if isinstance(data, Tensor) else UNKNOWN
    if all(isinstance(v, Seq) and v.repeated is None for v in values):
        ss = [v for v in values if isinstance(v, Seq)]
        n = len(ss[0].items)
        if all(len(s.items) == n and s.is_list == ss[0].is_list for s in ss):
            return Seq(tuple(join_all([s.items[i] for s in ss]) for i in range(n)),
                       ss[0].is_list)
    if all(isinstance(v, Const) and v.value is None for v in values):
        return Const(None)
    return UNKNOWN


def known_dims(v: Value) -> int:
    """How much of a value is known: its known axes, counted over a tuple's items."""
    if isinstance(v, Tensor):
        return 0 if v.shape is None else 1 + sum(1 for d in v.shape.dims if d is not None)
    if isinstance(v, Packed):
        return known_dims(v.data)
    if isinstance(v, Seq) and v.repeated is None:
        return sum(known_dims(i) for i in v.items)
    return 0


def complete(v: Value) -> bool:
    """Every axis of every tensor of the value known (nothing a choice could add)."""
    if isinstance(v, Tensor):
        return v.shape is not None and not v.shape.star and None not in v.shape.dims
    if isinstance(v, Packed):
        return complete(v.data)
    if isinstance(v, Seq):
        return v.repeated is None and all(complete(i) for i in v.items)
    return isinstance(v, Const)
