"""Sizes for a ``--confirm`` run that agree with what the analysis recorded.

A dimension or a constraint is a Python expression over size symbols, as the engine renders
them (``hidden*(2 if bidirectional else 1)``, ``2*cfg.layers + 1``, ``T == seq_len``).  The
solver binds every symbol it needs: from values it is given (the constructor's real
arguments, the attributes of a configuration object), through the equalities it is given,
then the batch ``B`` and time ``T`` defaults and fresh primes for extra time axes; it never
invents any other value.  It then checks each constraint against the sizes chosen, so that a
verdict can say whether its run respected them.  Pure Python: used by both processes.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Iterable
from typing import Any

DEFAULTS = {"B": 3, "T": 7}
EXTRA_TIMES = [13, 17, 19, 23, 29, 31, 37]
#: the engine's other free sizes of the caller's data, chosen by the caller as B and T are (a
#: finding holds for every value of them): an axis the code only slices (``L``, ``L2``) and
#: one it reads off an input before anything solves it (``x_dim0``); each gets a prime of
#: its own, as an extra time axis does
FREE = re.compile(r"^(L\d*|[A-Za-z_]\w*_dim\d+)$")
_IND = re.compile(r"\[([A-Za-z_][\w.]*)\]")


def normalise(expr: str) -> str:
    """``[flag]`` (the engine's 0/1 indicator) as Python."""
    return _IND.sub(r"(1 if \1 else 0)", expr)


def _dotted(e: ast.expr) -> str | None:
    if isinstance(e, ast.Name):
        return e.id
    if isinstance(e, ast.Attribute):
        base = _dotted(e.value)
        return None if base is None else f"{base}.{e.attr}"
    return None


def symbols(expr: str) -> set[str]:
    """The (dotted) names an expression reads: ``cfg.hidden*2`` -> {"cfg.hidden"}."""
    try:
        tree = ast.parse(normalise(clean(expr)), mode="eval")
    except SyntaxError:
        return set()
    out: set[str] = set()

    def walk(n: ast.AST) -> None:
        d = _dotted(n) if isinstance(n, ast.expr) else None
        if d is not None:
            out.add(d)
            return
        for c in ast.iter_child_nodes(n):
            walk(c)

    walk(tree)
    return out


def evaluate(expr: str | int, env: dict[str, Any]) -> Any:
    """Value of ``expr`` with dotted names looked up in ``env``; KeyError if one is unbound."""
    if isinstance(expr, int):
        return expr
    expr = clean(expr)
    tree = ast.parse(normalise(expr), mode="eval")

    class Sub(ast.NodeTransformer):
        def visit_Attribute(self, node: ast.Attribute) -> Any:
            d = _dotted(node)
            if d is not None and d in env:
                return ast.copy_location(ast.Name(id=_key(d), ctx=ast.Load()), node)
            return self.generic_visit(node)

    tree = ast.fix_missing_locations(Sub().visit(tree))
    names = {_key(k): v for k, v in env.items()}
    for s in symbols(expr):
        if s not in env and s.split(".")[0] not in env:
            raise KeyError(s)
    return eval(compile(tree, "<size>", "eval"), {"__builtins__": {}}, names)  # noqa: S307


def _key(name: str) -> str:
    return name.replace(".", "__dot__")


def clean(constraint: str) -> str:
    """Without the engine's trailing note: ``"T == seq_len (self.fc in_features)"``."""
    s = constraint.strip()
    while True:
        try:
            ast.parse(normalise(s), mode="eval")
            return s
        except SyntaxError:
            i = s.rfind(" (")
            if i <= 0 or not s.endswith(")"):
                return s
            s = s[:i].rstrip()


def split(constraint: str) -> tuple[str, str] | None:
    """``"T == seq_len"`` -> ("T", "seq_len")."""
    try:
        tree = ast.parse(normalise(clean(constraint)), mode="eval").body
    except SyntaxError:
        return None
    if isinstance(tree, ast.Compare) and len(tree.ops) == 1 and isinstance(tree.ops[0], ast.Eq):
        return ast.unparse(tree.left), ast.unparse(tree.comparators[0])
    return None


def solve(needed: Iterable[str], constraints: Iterable[str],
          known: Callable[[str], Any], defaults: dict[str, int] | None = None
          ) -> tuple[dict[str, Any], list[str]]:
    """Bind ``needed`` symbols; return the sizes and the constraints the sizes do not satisfy.

    ``known(name)`` gives a real value (constructor argument, configuration attribute) or
    None.  Unbound symbols other than ``B``, ``T``, ``T_*`` and the free sizes (:data:`FREE`)
    stay unbound (the caller says why the model cannot be run).
    """
    base = dict(defaults or DEFAULTS)
    constraints = list(constraints)
    cons = [c for c in constraints if split(c) is not None]
    names = set(needed)
    for c in constraints:  # (a bound's names too: n_layer > 1 is checked with its value)
        names |= symbols(c)
    env: dict[str, Any] = {}
    for n in sorted(names):
        v = known(n)
        if v is not None:
            env[n] = v
    parent = {n: n for n in names}

    def find(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    pairs = [split(c) for c in cons]
    for p in pairs:
        assert p is not None
        lhs, rhs = p
        if lhs in parent and rhs in parent:
            parent[find(lhs)] = find(rhs)
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(find(n), []).append(n)

    def bind_group(n: str, v: Any) -> None:
        for m in groups[find(n)]:
            env.setdefault(m, v)

    for members in groups.values():
        for m in sorted(members):
            if m in env:
                bind_group(m, env[m])
                break
    changed = True
    while changed:
        changed = False
        for p in pairs:
            assert p is not None
            for lone, other in (p, p[::-1]):
                if lone in names and lone not in env:
                    try:
                        v = evaluate(other, env)
                    except Exception:
                        continue
                    if isinstance(v, int) and not isinstance(v, bool) and v > 0:
                        bind_group(lone, v)
                        changed = True
        if not changed:
            for members in groups.values():
                free = [m for m in members if m not in env]
                if not free:
                    continue
                for d in ("B", "T"):
                    if d in members:
                        bind_group(d, base[d])
                        changed = True
                        break
    extra = iter(v for v in EXTRA_TIMES if v not in env.values())
    for n in sorted(names):
        if n not in env and (n.startswith("T_") or n in base or FREE.match(n)):
            bind_group(n, base.get(n) or next(extra, 41))
    bad = []
    for c, p in zip(cons, pairs, strict=True):
        assert p is not None
        try:
            if evaluate(p[0], env) != evaluate(p[1], env):
                bad.append(c)
        except Exception:
            bad.append(c)
    bad += [c for c in constraints if split(c) is None and not holds_apart(c, env)]
    return env, bad


def holds_apart(constraint: str, env: dict[str, Any]) -> bool:
    """``B != 1`` (a size the shape shown assumes is not 1) or ``n_layer > 1`` (a size a
    configuration needs above a bound) holds under ``env``."""
    try:
        tree = ast.parse(normalise(clean(constraint)), mode="eval").body
    except SyntaxError:
        return False
    if not (isinstance(tree, ast.Compare) and len(tree.ops) == 1
            and type(tree.ops[0]) in _ORDER):
        return False
    try:
        a = evaluate(ast.unparse(tree.left), env)
        b = evaluate(ast.unparse(tree.comparators[0]), env)
    except Exception:
        return False
    return bool(_ORDER[type(tree.ops[0])](a, b))


_ORDER = {ast.NotEq: operator.ne, ast.Gt: operator.gt, ast.GtE: operator.ge,
          ast.Lt: operator.lt, ast.LtE: operator.le}
