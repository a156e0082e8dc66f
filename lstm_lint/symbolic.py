"""Symbolic dimensions: a small exact integer algebra (no sympy on the static path).

A dimension is an :class:`Expr`: a polynomial with integer coefficients over *atoms*.
Atoms are

* ``Sym(name)``: a positive size, e.g. ``hidden_size``, the batch ``B`` or time ``T``;
* ``Ind(name)``: the 0/1 indicator of a boolean flag, so ``2 if bidirectional else 1``
  is ``1 + Ind(bidirectional)``; ``Ind**k == Ind``;
* ``FloorDiv(num, den)``: ``num // den`` when it cannot be done exactly (convolution lengths).

Polynomials are kept in a canonical form (sorted monomials, no zero coefficients), so two
expressions are identical exactly when their normal forms are equal.  ``None`` is used by the
rest of the engine for an unknown dimension; this module never produces it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from math import gcd
from typing import cast

__all__ = [
    "tie",
    "Atom",
    "Expr",
    "FloorDiv",
    "Ind",
    "Sym",
    "const",
    "definitely_different",
    "definitely_equal",
    "sym",
]


@dataclass(frozen=True, order=True)
class Sym:
    name: str

    @property
    def key(self) -> str:
        return "s:" + self.name

    def render(self) -> str:
        return self.name


@dataclass(frozen=True, order=True)
class Ind:
    name: str

    @property
    def key(self) -> str:
        return "i:" + self.name

    def render(self) -> str:
        return f"[{self.name}]"


@dataclass(frozen=True)
class FloorDiv:
    num: Expr
    den: Expr

    @property
    def key(self) -> str:
        return f"f:({self.num.key})//({self.den.key})"

    def render(self) -> str:
        return f"({self.num})//{_paren(self.den)}"


Atom = Sym | Ind | FloorDiv
Monomial = tuple[tuple[Atom, int], ...]


def _mono_key(m: Monomial) -> tuple[tuple[str, int], ...]:
    return tuple((a.key, p) for a, p in m)


def _paren(e: Expr) -> str:
    s = str(e)
    return s if (e.is_const or len(e.terms) == 1 and e.terms[0][1] == 1) and " " not in s else f"({s})"


class Expr:
    """An immutable, hashable polynomial in canonical form."""

    __slots__ = ("terms", "_hash", "_key")

    terms: tuple[tuple[Monomial, int], ...]

    def __init__(self, terms: Mapping[Monomial, int] | Iterable[tuple[Monomial, int]] = ()):
        acc: dict[tuple[tuple[str, int], ...], tuple[Monomial, int]] = {}
        t = type(terms)  # (tuples first: ``isinstance`` against an ABC costs a Python call)
        items = cast("Iterable[tuple[Monomial, int]]", terms) if t is tuple or t is list \
            else terms.items() if isinstance(terms, Mapping) else terms
        for mono, coef in items:
            k = _mono_key(mono)
            if k in acc:
                acc[k] = (mono, acc[k][1] + coef)
            else:
                acc[k] = (mono, coef)
        ordered = sorted((k, mc) for k, mc in acc.items() if mc[1] != 0)
        self._set(tuple(mc for _, mc in ordered), tuple((k, mc[1]) for k, mc in ordered))

    def _set(self, terms: tuple[tuple[Monomial, int], ...],
             key: tuple[tuple[tuple[tuple[str, int], ...], int], ...]) -> None:
        self.terms = terms
        self._key = key  # (monomial key, coefficient) per term, in canonical order
        # a constant hashes like the int it equals (Expr == int compares by value)
        if not terms:
            self._hash = hash(0)
        elif len(terms) == 1 and not terms[0][0]:
            self._hash = hash(terms[0][1])
        else:
            self._hash = hash(key)

    # ---- constructors -------------------------------------------------
    @staticmethod
    def atom(a: Atom) -> Expr:
        mono: Monomial = ((a, 1),)
        return Expr([(mono, 1)])

    # ---- inspection ---------------------------------------------------
    @property
    def key(self) -> str:
        return repr(self._key)

    @property
    def is_const(self) -> bool:
        return all(not m for m, _ in self.terms)

    def as_int(self) -> int | None:
        if not self.terms:
            return 0
        if len(self.terms) == 1 and not self.terms[0][0]:
            return self.terms[0][1]
        return None

    def atoms(self) -> set[Atom]:
        out: set[Atom] = set()
        for m, _ in self.terms:
            for a, _p in m:
                out.add(a)
                if isinstance(a, FloorDiv):
                    out |= a.num.atoms() | a.den.atoms()
        return out

    def symbols(self) -> set[str]:
        return {a.name for a in self.atoms() if isinstance(a, Sym | Ind)}

    def sizes(self) -> set[str]:
        """The plain symbols (not the flags of an indicator)."""
        return {a.name for a in self.atoms() if isinstance(a, Sym)}

    def const_term(self) -> int:
        for m, c in self.terms:
            if not m:
                return c
        return 0

    # ---- arithmetic ---------------------------------------------------
    def __add__(self, other: Expr | int) -> Expr:
        o = _lift(other)
        return Expr(list(self.terms) + list(o.terms))

    __radd__ = __add__

    def __neg__(self) -> Expr:
        # the same monomials in the same order: canonical already, no sort or merge
        out = Expr.__new__(Expr)
        out._set(tuple((m, -c) for m, c in self.terms), tuple((k, -c) for k, c in self._key))
        return out

    def __sub__(self, other: Expr | int) -> Expr:
        return self + (-_lift(other))

    def __rsub__(self, other: Expr | int) -> Expr:
        return _lift(other) - self

    def __mul__(self, other: Expr | int) -> Expr:
        o = _lift(other)
        out: list[tuple[Monomial, int]] = []
        for m1, c1 in self.terms:
            for m2, c2 in o.terms:
                out.append((_mono_mul(m1, m2), c1 * c2))
        return Expr(out)

    __rmul__ = __mul__

    def __pow__(self, k: int) -> Expr:
        if k < 0:
            raise ValueError("negative power")
        r = const(1)
        for _ in range(k):
            r = r * self
        return r

    def floordiv(self, other: Expr | int) -> Expr:
        o = _lift(other)
        oc = o.as_int()
        if oc is not None:
            if oc == 0:
                raise ZeroDivisionError("division of a dimension by zero")
            sc = self.as_int()
            if sc is not None:
                return const(sc // oc)
            if oc == 1:
                return self
            if all(c % oc == 0 for _, c in self.terms):
                return Expr([(m, c // oc) for m, c in self.terms])
            if oc > 0:
                # floor((k*q + r)/k) = q + floor(r/k) for integer q: keep 0 <= r_i < k
                quot = Expr([(m, c // oc) for m, c in self.terms])
                rest = Expr([(m, c % oc) for m, c in self.terms])
                rc = rest.as_int()
                if rc is not None:
                    return quot + rc // oc
                if quot.terms:
                    return quot + rest.floordiv(oc)
        if self._key == o._key:
            return const(1)
        # exact division by a monomial factor common to every term, e.g. (4*h*l)//(2*h)
        q = _exact_quotient(self, o)
        if q is not None:
            return q
        # reduce by the common integer factor so equal quotients get one normal form
        g = 0
        for _, c in self.terms + o.terms:
            g = gcd(g, c)
        num, den = self, o
        if g > 1:
            num = Expr([(m, c // g) for m, c in self.terms])
            den = Expr([(m, c // g) for m, c in o.terms])
        return Expr.atom(FloorDiv(num, den))

    def __floordiv__(self, other: Expr | int) -> Expr:
        return self.floordiv(other)

    # ---- substitution and evaluation ---------------------------------
    def subs(self, env: Mapping[str, Expr | int | bool]) -> Expr:
        """Replace symbols (and indicators, by their flag's name) with values."""
        return _sum_subs(self, env)

    def evaluate(self, env: Mapping[str, int | bool]) -> int:
        r = self.subs(env).as_int()
        if r is None:
            raise KeyError(f"unbound symbols in {self}: {sorted(self.subs(env).symbols())}")
        return r

    # ---- comparison and display --------------------------------------
    def __eq__(self, other: object) -> bool:
        if isinstance(other, int):
            other = const(other)
        return isinstance(other, Expr) and other._key == self._key

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"Expr({self})"

    def __str__(self) -> str:
        return _render(self)


def _sum_subs(e: Expr, env: Mapping[str, Expr | int | bool]) -> Expr:
    total = const(0)
    for m, c in e.terms:
        term = const(c)
        for a, p in m:
            term = term * (_subs_atom(a, env) ** p)
        total = total + term
    return total


def _subs_atom(a: Atom, env: Mapping[str, Expr | int | bool]) -> Expr:
    if isinstance(a, Sym):
        v = env.get(a.name)
        return Expr.atom(a) if v is None else _lift(v)
    if isinstance(a, Ind):
        v = env.get(a.name)
        if v is None:
            return Expr.atom(a)
        iv = _lift(v).as_int()
        if iv is None:
            return Expr.atom(a)
        return const(1 if iv else 0)
    return a.num.subs(env).floordiv(a.den.subs(env))


def set_flags(e: Expr, bits: Mapping[str, int]) -> Expr:
    """``e`` with the indicators of the flags in ``bits`` set, and nothing else: a symbol of
    the same name stays (``cond("args.hidden", sym("args.hidden"), 128)``, the branch of an
    ``if not args.hidden:``, is ``args.hidden`` when the flag is set, not 1)."""
    total = const(0)
    for m, c in e.terms:
        term = const(c)
        for a, p in m:
            if isinstance(a, Ind) and a.name in bits:
                term = term * const(1 if bits[a.name] else 0)
            elif isinstance(a, FloorDiv):
                term = term * set_flags(a.num, bits).floordiv(set_flags(a.den, bits)) ** p
            else:
                term = term * Expr.atom(a) ** p
        total = total + term
    return total


def _lift(v: Expr | int | bool) -> Expr:
    if isinstance(v, Expr):
        return v
    return const(int(v))


def _mono_mul(m1: Monomial, m2: Monomial) -> Monomial:
    powers: dict[str, tuple[Atom, int]] = {}
    for a, p in m1 + m2:
        if a.key in powers:
            powers[a.key] = (a, powers[a.key][1] + p)
        else:
            powers[a.key] = (a, p)
    out = []
    for k in sorted(powers):
        a, p = powers[k]
        if isinstance(a, Ind):
            p = 1  # an indicator is idempotent
        out.append((a, p))
    return tuple(out)


def _exact_quotient(num: Expr, den: Expr) -> Expr | None:
    """num / den when den is a single term dividing every term of num exactly."""
    if len(den.terms) != 1:
        return None
    dm, dc = den.terms[0]
    dpow = {a.key: p for a, p in dm}
    if any(isinstance(a, Ind) for a, _ in dm):
        return None
    out: list[tuple[Monomial, int]] = []
    for m, c in num.terms:
        if c % dc:
            return None
        mp = {a.key: (a, p) for a, p in m}
        for k, p in dpow.items():
            if k not in mp or mp[k][1] < p:
                return None
        rest = tuple(
            (a, p - dpow.get(k, 0)) for k, (a, p) in sorted(mp.items()) if p - dpow.get(k, 0) > 0
        )
        out.append((rest, c // dc))
    return Expr(out)


_CONSTS: dict[int, Expr] = {}


def const(n: int) -> Expr:
    """The constant ``n`` (an Expr is immutable: one object per small int is shared)."""
    n = int(n)
    got = _CONSTS.get(n)
    if got is None:
        unit: Monomial = ()
        got = Expr([(unit, n)]) if n else Expr()
        if -4096 <= n <= 65536:
            _CONSTS[n] = got
    return got


def sym(name: str) -> Expr:
    return Expr.atom(Sym(name))


def ind(name: str) -> Expr:
    return Expr.atom(Ind(name))


def cond(flag: str, if_true: Expr | int, if_false: Expr | int) -> Expr:
    """``if_true if flag else if_false`` as ``if_false + (if_true - if_false) * [flag]``."""
    t, f = _lift(if_true), _lift(if_false)
    return f + (t - f) * ind(flag)


# ---- rendering ---------------------------------------------------------


def _render_mono(m: Monomial) -> list[str]:
    parts = []
    for a, p in m:
        s = a.render()
        if isinstance(a, FloorDiv):
            s = f"({s})"
        parts.append(s if p == 1 else f"{s}**{p}")
    return parts


def _render_poly(e: Expr) -> str:
    if not e.terms:
        return "0"
    chunks: list[str] = []
    ordered = sorted(e.terms, key=lambda mc: (len(mc[0]) == 0, -len(mc[0])))
    for i, (m, c) in enumerate(ordered):
        factors = _render_mono(m)
        mag = abs(c)
        if not factors:
            body = str(mag)
        elif mag == 1:
            body = "*".join(factors)
        else:
            body = f"{mag}*" + "*".join(factors)
        if i == 0:
            chunks.append(("-" if c < 0 else "") + body)
        else:
            chunks.append((" - " if c < 0 else " + ") + body)
    return "".join(chunks)


def _render(e: Expr) -> str:
    inds = sorted({a.name for a in e.atoms() if isinstance(a, Ind)})
    if len(inds) == 1:
        flag = inds[0]
        t = set_flags(e, {flag: 1})
        f = set_flags(e, {flag: 0})
        tc, fc = t.as_int(), f.as_int()
        if tc is not None and fc is not None:
            return f"({tc} if {flag} else {fc})"
        # factor out a common polynomial: t == k*f, render f*(k if flag else 1)
        for k in range(2, 9):
            if t == f * k:
                return f"{_paren(f)}*({k} if {flag} else 1)"
            if f == t * k:
                return f"{_paren(t)}*(1 if {flag} else {k})"
        return f"({t} if {flag} else {f})"
    return _render_poly(e)


# ---- decisions ---------------------------------------------------------


def definitely_equal(a: Expr, b: Expr) -> bool:
    return a == b


def definitely_different(a: Expr, b: Expr, positive: Iterable[Expr] = ()) -> bool:
    """True only when ``a != b`` for every admissible binding of every symbol.

    Sizes are positive and flags are 0/1.  The batch ``B``, the time ``T`` and every size the
    caller picks are free like the constructor's sizes: a difference that vanishes for *some*
    of their values is a constraint (see :func:`tie`), never a proven mismatch.  ``positive``:
    expressions known to be at least 1 where the two are compared (a recurrent layer's
    ``hidden_size``, which torch refuses to build at 0): a floor division among them counts as
    a size (``2*((n*c)//2)`` differs from ``(n*c)//2``).
    """
    for p in positive:
        a, b = _as_size(a, p), _as_size(b, p)
    if a == b:
        return False
    d = a - b
    dc = d.as_int()
    if dc is not None:
        return dc != 0
    # a = k*b (or b = k*a) for a constant k != 1, with positive sizes: e.g. 2*h vs h
    for x, y in ((a, b), (b, a)):
        for k in (2, 3, 4, 5, 6, 8):
            if x == y * k and _strictly_positive(y):
                return True
    flags = sorted(at.name for at in d.atoms() if isinstance(at, Ind))
    if len(flags) > 4:
        return False
    for bits in range(1 << len(flags)):
        fixed = set_flags(d, {f: (bits >> i) & 1 for i, f in enumerate(flags)})
        if not (_strictly_positive(fixed) or _strictly_positive(-fixed)):
            return False
    return True


def tie(a: Expr, b: Expr) -> tuple[Expr, Expr] | None:
    """``(a', b')``: the constraint under which ``a == b`` holds, with common factors divided
    out (``T*hidden`` vs ``seq_len*hidden`` gives ``(T, seq_len)``); None when the two are
    equal or can never be."""
    if a == b or definitely_different(a, b):
        return None
    for _ in range(4):
        common = _common_factor(a, b)
        if common is None:
            break
        qa, qb = _exact_quotient(a, common), _exact_quotient(b, common)
        if qa is None or qb is None:
            break
        a, b = qa, qb
    return (a, b) if str(a) <= str(b) else (b, a)


def _common_factor(a: Expr, b: Expr) -> Expr | None:
    """One symbol dividing every term of both expressions, if any."""
    terms = list(a.terms) + list(b.terms)
    if not terms:
        return None
    shared: set[str] | None = None
    atoms: dict[str, Atom] = {}
    for m, _c in terms:
        names = {at.key for at, _p in m if isinstance(at, Sym)}
        for at, _p in m:
            atoms[at.key] = at
        shared = names if shared is None else shared & names
    if not shared:
        return None
    return Expr.atom(atoms[sorted(shared)[0]])


def _as_size(e: Expr, p: Expr) -> Expr:
    """``e`` with the floor division ``p`` (known >= 1) replaced by a fresh size: a size may
    take any value >= 1, a superset of the values ``p`` takes, so a difference proven for every
    value of the size holds for every value of ``p``."""
    if len(p.terms) != 1 or p.terms[0][1] != 1 or len(p.terms[0][0]) != 1 \
            or p.terms[0][0][0][1] != 1 or not isinstance(p.terms[0][0][0][0], FloorDiv):
        return e
    key = p.terms[0][0][0][0].key
    size = Sym(f"({p})")
    return Expr((tuple((size if a.key == key else a, k) for a, k in m), c) for m, c in e.terms)


def _strictly_positive(e: Expr) -> bool:
    """Provably > 0: non-negative coefficients over non-negative atoms (sizes are >= 1, flags
    and floor divisions of sizes >= 0), with a positive constant or a term of sizes alone."""
    if not e.terms:
        return False
    strict = False
    for m, c in e.terms:
        if c <= 0:
            return False
        if all(isinstance(a, Sym) for a, _ in m):
            strict = True
    return strict


def nonnegative(e: Expr) -> bool:
    """Provably >= 0 for every admissible binding (sizes >= 1, flags 0/1): ``hidden`` or
    ``2*hidden - hidden``; ``hidden - 1`` too (a size is at least 1)."""
    if _strictly_positive(e):
        return True
    low = 0
    for m, c in e.terms:
        if not m:
            low += c
        elif c < 0:
            return False
        elif all(isinstance(a, Sym) for a, _p in m):
            low += c
    return low >= 0
