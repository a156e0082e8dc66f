"""A ``break`` in a loop over a range that leaves the loop's count the range's: ``if t ==
<bound>: break`` on the loop's index with a bound the index never reaches, or its last index
where what the break skips on that pass is seen nowhere after the loop.  Read off the loop's
source with libcst (the bound's value from the caller's evaluator); no code is run."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import libcst as cst

from ..indexing import nonneg
from ..symbolic import Expr
from ..walk import descendants
from .objects import RangeVal

#: methods that change the object they are called on (a list, a dict, a set)
_MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "add", "update",
                       "setdefault", "popitem", "discard", "sort", "reverse", "__setitem__",
                       "__delitem__", "__iadd__", "register_buffer", "add_module"})


def _plain_binds(s: cst.BaseStatement, names: set[str]) -> bool:
    """``s`` binds plain names only (``a = ...``, ``a, b = ...``, an ``if`` of such), each
    added to ``names``."""
    if isinstance(s, cst.If):
        blocks: list[cst.BaseSuite] = [s.body]
        other = s.orelse
        while isinstance(other, cst.If | cst.Else):
            blocks.append(other.body)
            other = other.orelse if isinstance(other, cst.If) else None
        return all(isinstance(b, cst.IndentedBlock)
                   and all(_plain_binds(x, names) for x in b.body) for b in blocks)
    if not isinstance(s, cst.SimpleStatementLine):
        return False
    for small in s.body:
        if not isinstance(small, cst.Assign):
            return False
        for t in small.targets:
            got = _bound_names(t.target)
            if not got or any(isinstance(x, cst.Subscript | cst.Attribute | cst.StarredElement)
                              for x in descendants(t.target)):
                return False
            names |= got
    return True


def _bound_names(target: cst.BaseExpression) -> set[str]:
    """The names an assignment to ``target`` binds (``a, (b, *c)``; none for ``x[i]``)."""
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, cst.Tuple | cst.List):
        return {n for el in target.elements for n in _bound_names(el.value)}
    if isinstance(target, cst.StarredElement):
        return _bound_names(target.value)
    return set()


def breaks_on_last_pass_only(stmt: cst.For, it: RangeVal, n: Expr,
                             value: Callable[[cst.BaseExpression], Expr | None],
                             fn: cst.FunctionDef | None
                             ) -> list[tuple[cst.BaseExpression, Expr]] | None:
    """Every ``break`` of the loop is ``if t == <bound>: break`` at the top of its body
    that leaves the count the range's: the bound is an index the loop never reaches (``if
    t == self.num_step - 1: break`` in ``for t in range(self.num_step // 4)``: above the
    last index for every num_step), or the last index with what the ``if`` skips on the
    last pass seen nowhere after the loop (see :func:`_rest_unseen`: ``outs.append(o)``
    after it runs once less).  The bound reads no name nor attribute the body sets, no
    name the function does not bind itself (a module's global may be rebound by a call), and
    no size but the range's own (the algebra takes sizes as at least 1: ``steps + extra - 1``
    with ``extra=0`` is the last index, not past it).  Returns each bound with its value at
    the loop's start (the caller checks after each pass that a call in the body did not
    change it: ``self.shrink()`` setting ``self.stop``), or None."""
    if not isinstance(stmt.target, cst.Name) or it.start is None \
            or stmt.orelse is not None:
        return None  # (an ``else`` runs only where no break fired)
    target = stmt.target.value
    body = stmt.body.body if isinstance(stmt.body, cst.IndentedBlock) else ()
    top_breaks: set[int] = set()
    assigned: set[str] = set()
    set_attrs: set[str] = set()  # (``self.steps = ...`` in the body)
    for node in descendants(stmt.body):
        if isinstance(node, cst.Continue | cst.Return | cst.Yield):
            return None
        if isinstance(node, cst.AssignTarget | cst.AugAssign | cst.AnnAssign | cst.For
                      | cst.CompFor | cst.NamedExpr):
            assigned |= _bound_names(node.target)
            set_attrs |= {x.attr.value for x in descendants(node.target)
                          if isinstance(x, cst.Attribute)}
        elif isinstance(node, cst.AsName):
            assigned |= _bound_names(node.name)
    last = it.start + (n - 1)
    local: set[str] | None = None  # (the function's own names: asked of a candidate only)
    found: list[tuple[cst.BaseExpression, Expr]] = []
    for pos, s in enumerate(body):
        if not (isinstance(s, cst.If) and s.orelse is None
                and isinstance(s.body, cst.IndentedBlock) and len(s.body.body) == 1):
            continue
        only = s.body.body[0]
        if not (isinstance(only, cst.SimpleStatementLine) and len(only.body) == 1
                and isinstance(only.body[0], cst.Break)):
            continue
        test = s.test
        if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1
                and isinstance(test.comparisons[0].operator, cst.Equal)):
            continue
        left, right = test.left, test.comparisons[0].comparator
        if isinstance(right, cst.Name) and right.value == target:
            left, right = right, left
        if not (isinstance(left, cst.Name) and left.value == target):
            continue
        if any(isinstance(x, cst.Call | cst.Subscript | cst.Lambda | cst.NamedExpr
                          | cst.ListComp | cst.GeneratorExp | cst.Await | cst.IfExp)
               for x in descendants(right)):
            continue  # a plain expression of numbers and attributes only
        if any(isinstance(x, cst.Name) and x.value in assigned and x.value != "self"
               or isinstance(x, cst.Attribute) and x.attr.value in set_attrs
               for x in descendants(right)):
            continue
        if local is None:
            local = _function_names(fn)
        attrs = {id(x.attr) for x in descendants(right) if type(x) is cst.Attribute}
        if any(type(x) is cst.Name and id(x) not in attrs and x.value not in local
               for x in descendants(right)):
            continue  # (a global: a call in the body may rebind it)
        bound = value(right)
        if bound is None:
            continue
        if not set(bound.symbols()) <= set(n.symbols()):
            continue  # (another size, which may be 0 where the algebra takes it as >= 1)
        if (bound - last).as_int() == 0 and _rest_unseen(stmt, body[pos + 1:], fn) \
                or nonneg(bound - last - 1) or nonneg(it.start - bound - 1):
            top_breaks.add(id(only.body[0]))
            found.append((right, bound))
    breaks = [x for x in descendants(stmt.body) if isinstance(x, cst.Break)]
    if breaks and all(id(b) in top_breaks for b in breaks) and target not in assigned:
        return found
    return None


def _function_names(fn: cst.FunctionDef | None) -> set[str]:
    """The names ``fn`` binds: its parameters and its assignments' targets (``self``
    included), but not those a nested function rebinds; a bound that reads any other name
    reads a global."""
    if fn is None:
        return set()
    names = {p.name.value for p in (*fn.params.params, *fn.params.kwonly_params,
                                    *fn.params.posonly_params)}
    for node in descendants(fn.body):
        if isinstance(node, cst.AssignTarget | cst.AugAssign | cst.AnnAssign | cst.For
                      | cst.CompFor | cst.NamedExpr):
            names |= _bound_names(node.target)
        elif isinstance(node, cst.AsName):
            names |= _bound_names(node.name)
    # (a name a nested function rebinds with ``nonlocal`` may change in any call of it)
    return names - {n.name.value for node in descendants(fn.body)
                    if isinstance(node, cst.Nonlocal) for n in node.names}


def _rest_unseen(stmt: cst.For, rest: Sequence[cst.BaseStatement],
                 fn: cst.FunctionDef | None) -> bool:
    """Whether skipping ``rest`` (the statements after ``if t == last: break``) on the last
    pass changes nothing seen after the loop.  ``rest`` may only bind plain names, in
    assignments and ``if``s (``teacher_force = random.random() < r``; ``token = ...``),
    calling no mutating method (``append``...); the loop is a statement of the running
    function's own body, and the statements after it read none of the names ``rest``
    binds, calls or passes, nor ``self`` when ``rest`` calls through it."""
    if not rest:
        return True
    bound: set[str] = set()
    touched: set[str] = set()
    for s in rest:
        if not _plain_binds(s, bound):
            return False
        for n in descendants(s):
            if isinstance(n, cst.Lambda | cst.NamedExpr | cst.Yield | cst.Await
                          | cst.Global | cst.Nonlocal | cst.Del):
                return False
            if isinstance(n, cst.Call):
                f = n.func
                if isinstance(f, cst.Attribute) and f.attr.value in _MUTATORS:
                    return False
                while isinstance(f, cst.Attribute | cst.Subscript | cst.Call):
                    f = f.value if not isinstance(f, cst.Call) else f.func
                if isinstance(f, cst.Name):
                    touched.add(f.value)
                for a in n.args:
                    touched |= {x.value for x in descendants(a.value)
                                if isinstance(x, cst.Name)}
    if fn is None:
        return False
    top = fn.body.body if isinstance(fn.body, cst.IndentedBlock) else ()
    after = None
    for i, s in enumerate(top):
        if s is stmt:
            after = top[i + 1:]
    if after is None:
        return False  # (a loop inside another statement: a later pass may read them)
    seen = bound | touched
    return not any(isinstance(n, cst.Name) and n.value in seen
                   for s in after for n in descendants(s))
