"""Property tests for the exact integer algebra in ``lstm_lint.symbolic``.

Expressions are generated as small trees over the symbols ``B``, ``T``, ``h``, ``n``, small
integers, ``+``, ``-``, ``*``, ``//`` by a positive constant and ``cond(flag, a, b)``.  Each
tree is built twice: once through the algebra (so the result is already in normal form) and
once as a *shadow* computation on plain Python ints, and the two must agree under every
binding of the symbols to positive integers and of the flags to 0/1.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lstm_lint.symbolic import (
    Expr,
    cond,
    const,
    definitely_different,
    definitely_equal,
    ind,
    sym,
    tie,
)

SYMS = ("B", "T", "h", "n")
FREE = ("B", "T")
FLAGS = ("flag", "bi")
NAMES = SYMS + FLAGS

PROPS = settings(max_examples=200, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

Tree = tuple[Any, ...]

# --------------------------------------------------------------------------- trees

leaves = st.one_of(
    st.sampled_from(SYMS).map(lambda s: ("sym", s)),
    st.integers(-3, 6).map(lambda k: ("int", k)),
)


def _extend(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    return st.one_of(
        st.tuples(st.just("add"), children, children),
        st.tuples(st.just("sub"), children, children),
        st.tuples(st.just("mul"), children, children),
        st.tuples(st.just("neg"), children),
        st.tuples(st.just("fdiv"), children, st.integers(1, 6)),
        st.tuples(st.just("cond"), st.sampled_from(FLAGS), children, children),
        st.tuples(st.just("ind"), st.sampled_from(FLAGS)),
    )


trees = st.recursive(leaves, _extend, max_leaves=8)


def _extend_arith(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    return st.one_of(
        st.tuples(st.sampled_from(("add", "sub", "mul")), children, children),
        st.tuples(st.just("neg"), children),
    )


#: constant trees (no symbols, no flags, no floors)
const_trees = st.recursive(st.integers(-3, 6).map(lambda k: ("int", k)), _extend, max_leaves=8)
#: polynomial trees (no floors): ring laws must hold exactly in normal form
poly_trees = st.recursive(
    st.one_of(leaves, st.sampled_from(FLAGS).map(lambda f: ("ind", f))),
    lambda ch: st.one_of(_extend_arith(ch), st.tuples(st.just("cond"), st.sampled_from(FLAGS), ch, ch)),
    max_leaves=6,
)


def build(t: Tree) -> Expr:
    """The tree through the algebra."""
    op = t[0]
    if op == "sym":
        return sym(t[1])
    if op == "int":
        return const(t[1])
    if op == "add":
        return build(t[1]) + build(t[2])
    if op == "sub":
        return build(t[1]) - build(t[2])
    if op == "mul":
        return build(t[1]) * build(t[2])
    if op == "neg":
        return -build(t[1])
    if op == "fdiv":
        return build(t[1]).floordiv(t[2])
    if op == "cond":
        return cond(t[1], build(t[2]), build(t[3]))
    if op == "ind":
        return ind(t[1])
    raise AssertionError(op)


def shadow(t: Tree, env: dict[str, int]) -> int:
    """The same construction on Python ints."""
    op = t[0]
    if op == "sym":
        return env[t[1]]
    if op == "int":
        return t[1]
    if op == "add":
        return shadow(t[1], env) + shadow(t[2], env)
    if op == "sub":
        return shadow(t[1], env) - shadow(t[2], env)
    if op == "mul":
        return shadow(t[1], env) * shadow(t[2], env)
    if op == "neg":
        return -shadow(t[1], env)
    if op == "fdiv":
        return shadow(t[1], env) // t[2]
    if op == "cond":
        return shadow(t[2], env) if env[t[1]] else shadow(t[3], env)
    if op == "ind":
        return 1 if env[t[1]] else 0
    raise AssertionError(op)


def _uses(t: Tree, names: tuple[str, ...]) -> bool:
    if t[0] == "sym":
        return t[1] in names
    return any(isinstance(c, tuple) and _uses(c, names) for c in t[1:])


# --------------------------------------------------------------------------- bindings

bindings = st.fixed_dictionaries(
    {**{s: st.integers(1, 40) for s in SYMS}, **{f: st.integers(0, 1) for f in FLAGS}}
)


def _fixed_bindings() -> list[dict[str, int]]:
    """A deterministic spread: small sizes exhaustively-ish, then random larger ones."""
    out: list[dict[str, int]] = []
    for flags in itertools.product((0, 1), repeat=len(FLAGS)):
        for vals in itertools.product((1, 2, 3), repeat=len(SYMS)):
            out.append({**dict(zip(SYMS, vals, strict=True)), **dict(zip(FLAGS, flags, strict=True))})
    rng = random.Random(20240501)
    for _ in range(200):
        b = {s: rng.choice((rng.randint(1, 9), rng.randint(1, 100), rng.randint(1, 5000)))
             for s in SYMS}
        b.update({f: rng.randint(0, 1) for f in FLAGS})
        out.append(b)
    return out


FIXED_BINDINGS = _fixed_bindings()


def _values(e: Expr, envs: list[dict[str, int]]) -> list[int]:
    return [e.evaluate(env) for env in envs]


# --------------------------------------------------------------------------- (a) evaluation


@PROPS
@given(trees, st.lists(bindings, min_size=1, max_size=8))
def test_evaluate_matches_shadow(t, envs):
    e = build(t)
    for env in envs:
        assert e.evaluate(env) == shadow(t, env), (t, str(e), env)
        # a flag given as a bool means the same as 0/1
        benv = {k: (bool(v) if k in FLAGS else v) for k, v in env.items()}
        assert e.evaluate(benv) == shadow(t, env), (t, str(e), benv)


@PROPS
@given(trees)
def test_evaluate_matches_shadow_on_fixed_grid(t):
    e = build(t)
    for env in FIXED_BINDINGS[:48]:
        assert e.evaluate(env) == shadow(t, env), (t, str(e), env)


@PROPS
@given(const_trees)
def test_constant_trees_fold_to_constants(t):
    """A tree with no symbols is a plain int in normal form (flags cancel out of cond(f, a, a))."""
    assume("cond" not in repr(t) and "ind" not in repr(t))
    e = build(t)
    assert e.is_const
    assert e.as_int() == shadow(t, {})


# --------------------------------------------------------------------------- (b) normal form


@PROPS
@given(trees, trees, st.lists(bindings, min_size=1, max_size=6))
def test_equal_normal_forms_have_equal_values(ta, tb, envs):
    a, b = build(ta), build(tb)
    envs = envs + FIXED_BINDINGS[:16]
    va = [shadow(ta, env) for env in envs]
    vb = [shadow(tb, env) for env in envs]
    if a == b:
        assert va == vb, (str(a), str(b))
        assert definitely_equal(a, b)
    if va != vb:
        assert a != b, (str(a), str(b))
        assert not definitely_equal(a, b)


@PROPS
@given(poly_trees, poly_trees, poly_trees)
def test_ring_laws_hold_in_normal_form(ta, tb, tc):
    """Polynomial identities must give identical normal forms (no floordiv involved)."""
    a, b, c = build(ta), build(tb), build(tc)
    assert a + b == b + a
    assert a * b == b * a
    assert (a + b) + c == a + (b + c)
    assert (a * b) * c == a * (b * c)
    assert a * (b + c) == a * b + a * c
    assert a - a == const(0)
    assert a + 0 == a and a * 1 == a and a * 0 == const(0)
    neg = -a
    assert -neg == a and neg + a == const(0)
    assert cond("flag", a, a) == a
    assert cond("flag", a, b) * ind("flag") == a * ind("flag")
    assert ind("flag") * ind("flag") == ind("flag")


@PROPS
@given(trees, st.integers(1, 6))
def test_floordiv_of_exact_multiple(t, k):
    a = build(t)
    assert (a * k).floordiv(k) == a


# --------------------------------------------------------------------------- (c) decisions


def _related(draw_tree: st.SearchStrategy[Tree]) -> st.SearchStrategy[tuple[Tree, Tree]]:
    """Pairs that are often close: b = k*a, a + c, a + B*x, (k*a + r)//k, or unrelated."""

    @st.composite
    def pair(draw):
        ta = draw(draw_tree)
        kind = draw(st.sampled_from(("free", "scale", "shift", "free_term", "same", "floor",
                                     "floor")))
        if kind == "free":
            tb = draw(draw_tree)
        elif kind == "scale":
            tb = ("mul", ("int", draw(st.sampled_from((2, 3, 4, 5, 6, 8)))), ta)
        elif kind == "shift":
            tb = ("add", ta, ("int", draw(st.integers(-3, 3))))
        elif kind == "free_term":
            tb = ("add", ta, ("mul", ("sym", draw(st.sampled_from(FREE))), draw(draw_tree)))
        elif kind == "floor":
            # (k*a + r)//k == a for 0 <= r < k: equal values, different normal forms
            k = draw(st.integers(2, 6))
            tb = ("fdiv", ("add", ("mul", ("int", k), ta), ("int", draw(st.integers(0, k - 1)))), k)
        else:
            tb = draw(draw_tree)
            ta = ("add", ta, ("sub", tb, ta))  # equal in value to tb
        if draw(st.booleans()):
            ta, tb = tb, ta
        return ta, tb

    return pair()


@PROPS
@given(_related(trees), st.lists(bindings, min_size=0, max_size=6))
def test_definitely_different_is_sound(pair, envs):
    ta, tb = pair
    a, b = build(ta), build(tb)
    if not definitely_different(a, b):
        return
    envs = envs + FIXED_BINDINGS
    # B, T and the constructor's sizes are all free: it must differ under every binding
    bad = [env for env in envs if shadow(ta, env) == shadow(tb, env)]
    assert not bad, f"definitely_different({a}, {b}) is True but they are equal at {bad[0]}"


@PROPS
@given(_related(trees), st.lists(bindings, min_size=0, max_size=6))
def test_tie_is_equivalent(pair, envs):
    """A tie divides out common factors only: a == b exactly where a' == b' (sizes >= 1)."""
    ta, tb = pair
    a, b = build(ta), build(tb)
    t = tie(a, b)
    if t is None:
        return
    x, y = t
    for env in envs + FIXED_BINDINGS:
        assert (a.evaluate(env) == b.evaluate(env)) == (x.evaluate(env) == y.evaluate(env)), (
            f"tie({a}, {b}) = {x} == {y} disagrees at {env}")


@PROPS
@given(trees, st.integers(2, 6), st.data())
def test_definitely_different_is_false_for_floor_identities(t, k, data):
    """``(k*a + r)//k`` equals ``a`` for every binding when ``0 <= r < k``.

    The two have different normal forms (one is an opaque floor atom), so the algebra may not
    prove them equal, but ``definitely_different`` must never call them different.
    """
    r = data.draw(st.integers(0, k - 1), label="r")
    a = build(t)
    b = (a * k + r).floordiv(k)
    for env in FIXED_BINDINGS[:32]:
        assert a.evaluate(env) == b.evaluate(env)
    assert not definitely_different(a, b), f"definitely_different({a}, {b}) is True"
    assert not definitely_different(b, a), f"definitely_different({b}, {a}) is True"


@PROPS
@given(trees)
def test_definitely_different_is_irreflexive(t):
    a = build(t)
    assert not definitely_different(a, a)
    assert not definitely_different(a, build(t))


@PROPS
@given(trees, trees)
def test_definitely_different_is_symmetric(ta, tb):
    a, b = build(ta), build(tb)
    assert definitely_different(a, b) == definitely_different(b, a), (str(a), str(b))


# --------------------------------------------------------------------------- (d) subs


@PROPS
@given(trees, bindings)
def test_subs_then_as_int_agrees_with_evaluate(t, env):
    e = build(t)
    assert e.subs(env).as_int() == e.evaluate(env) == shadow(t, env)


@PROPS
@given(trees, bindings, st.sets(st.sampled_from(NAMES)))
def test_partial_subs_composes(t, env, first):
    """Substituting some names, then the rest, is the same as substituting all at once."""
    e = build(t)
    part1 = {k: v for k, v in env.items() if k in first}
    part2 = {k: v for k, v in env.items() if k not in first}
    mid = e.subs(part1)
    assert not (mid.symbols() & set(part1)), (str(e), part1, str(mid))
    assert mid.subs(part2).as_int() == shadow(t, env)


@PROPS
@given(trees, trees, bindings)
def test_subs_with_an_expression(t, tv, env):
    """h := (an expression in the other symbols, kept positive) then evaluate."""
    assume(not _uses(tv, ("h",)))
    e = build(t)
    v = build(tv)
    vh = shadow(tv, env)
    assume(vh >= 1)
    assert e.subs({"h": v}).evaluate(env) == shadow(t, {**env, "h": vh}), (str(e), str(v))


@PROPS
@given(trees)
def test_evaluate_with_missing_binding_raises_keyerror(t):
    e = build(t)
    names = e.symbols()
    assume(names)
    missing = sorted(names)[0]
    env = {k: 1 for k in NAMES if k != missing}
    try:
        r = e.evaluate(env)
    except KeyError:
        return
    # allowed only when the missing name cancels out after substitution (e.g. inside a floor)
    assert missing not in e.subs(env).symbols(), (str(e), r)


# --------------------------------------------------------------------------- (e) str / hash


@PROPS
@given(trees)
def test_str_and_repr_never_raise(t):
    e = build(t)
    s = str(e)
    assert isinstance(s, str) and s
    assert repr(e) == f"Expr({s})"


@PROPS
@given(trees, trees)
def test_hash_is_consistent_with_eq(ta, tb):
    a, b = build(ta), build(tb)
    a2 = build(ta)
    assert a == a2 and hash(a) == hash(a2)
    if a == b:
        assert hash(a) == hash(b)
        assert str(a) == str(b)
    assert (a == b) == (b == a)
    assert (a == b) != (a != b)
    assert len({a, a2}) == 1


@PROPS
@given(st.integers(-50, 50))
def test_eq_with_int_is_hash_consistent(k):
    """``Expr.__eq__`` accepts ints, so by the data model equal objects must hash alike."""
    e = const(k)
    assert e == k
    assert hash(e) == hash(k), f"const({k}) == {k} but their hashes differ"
