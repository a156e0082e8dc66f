"""Comprehensions: ``[f(x) for x in xs]``, generator expressions and ``{k: v for ...}``,
over a sequence the engine knows item by item, one repeated item, or a tensor's rows."""

from __future__ import annotations

import libcst as cst

from ..values import UNKNOWN, Int, Mapping, Seq, Value
from .builtins import sequential_items, tensor_rows
from .core import Core
from .joins import join, truth
from .objects import Env, RangeVal

#: a comprehension over a range of at most this many known indices is built element by element
COMP_UNROLL = 8


class Comprehensions(Core):
    """List, generator and dict comprehensions."""

    def dict_comprehension(self, e: cst.DictComp, env: Env) -> Value:
        """``{k: v for ...}``: which keys is not followed; each value is known when the one
        expression gives the same value for every element (``{ind: i for i, ind in
        enumerate(order)}``: an int)."""
        comp = e.for_in
        if comp.inner_for_in is not None or comp.ifs:
            return UNKNOWN
        it = sequential_items(self.eval(comp.iter, env))
        inner = Env(dict(env.vars))
        if isinstance(it, RangeVal):
            elems: list[Value] = [Int(None)]
        elif isinstance(it, Seq) and it.repeated is not None:
            elems = [it.repeated]
        elif isinstance(it, Seq) and len(it.items) <= 16:
            elems = list(it.items)
        else:
            return UNKNOWN
        values = []
        for item in elems:
            self.assign(comp.target, item, inner)
            values.append(self.eval(e.value, inner))
        if not values:
            return UNKNOWN
        one = values[0]
        for v in values[1:]:
            one = join(one, v)
        return Mapping(one) if one is not UNKNOWN else UNKNOWN

    def comprehension(self, e: cst.ListComp | cst.GeneratorExp, env: Env) -> Value:
        comp = e.for_in
        if comp.inner_for_in is not None:
            return Seq((), isinstance(e, cst.ListComp), UNKNOWN, None)
        it = self.eval(comp.iter, env)
        inner = Env(dict(env.vars))
        if comp.ifs:
            # filtered: the elements are known only when every condition is decided
            if isinstance(it, Seq) and it.repeated is None and len(it.items) <= 16:
                kept = []
                undecided = False
                for item in it.items:
                    self.assign(comp.target, item, inner)
                    verdicts = [truth(self.eval(c.test, inner)) for c in comp.ifs]
                    if any(v is False for v in verdicts):
                        continue
                    undecided = undecided or not all(v is True for v in verdicts)
                    kept.append(self.eval(e.elt, inner))
                if not undecided:
                    return Seq(tuple(kept), True)
                # some kept, some maybe not: how many is not known; what each is, when every
                # element that may be kept is the same
                same = kept[0] if kept and all(k == kept[0] for k in kept) else UNKNOWN
                return Seq((), isinstance(e, cst.ListComp), same, None)
            rows = tensor_rows(self, it, comp.iter)
            if rows is not None:
                it = rows
            if isinstance(it, Seq) and it.repeated is not None:
                # a mask decides which are kept (``[h for m, h in zip(mask, hs) if m]``): each
                # kept element is the one element, their count not known
                self.assign(comp.target, it.repeated, inner)
                for c in comp.ifs:
                    self.eval(c.test, inner)
                return Seq((), isinstance(e, cst.ListComp), self.eval(e.elt, inner), None)
            return Seq((), isinstance(e, cst.ListComp), UNKNOWN, None)
        rows = tensor_rows(self, it, comp.iter)
        if rows is not None:
            it = rows
        if isinstance(it, RangeVal):
            n = it.length.as_int() if it.length is not None else None
            if n is not None and 0 <= n <= COMP_UNROLL and it.start is not None:
                # a short range of known count: each element with its own index (the first
                # layer of a stack built `in_size if i == 0 else hidden`)
                items = []
                for i in range(n):
                    self.assign(comp.target, Int(it.start + i), inner)
                    items.append(self.eval(e.elt, inner))
                return Seq(tuple(items), True)
            self.assign(comp.target, Int(None), inner)
            elt = self.eval(e.elt, inner)
            return Seq((), True, elt, it.length)
        if isinstance(it, Seq) and it.repeated is None and len(it.items) <= 16:
            items = []
            for item in it.items:
                self.assign(comp.target, item, inner)
                items.append(self.eval(e.elt, inner))
            return Seq(tuple(items), True)
        if isinstance(it, Seq) and it.repeated is not None:
            self.assign(comp.target, it.repeated, inner)
            return Seq((), True, self.eval(e.elt, inner), it.length)
        return Seq((), True, UNKNOWN, None)
