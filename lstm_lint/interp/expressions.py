"""Expressions: the evaluator's dispatch over libcst's expression nodes, names and globals,
literals, unary, conditional and boolean expressions; attributes (:mod:`.attributes`),
subscripts (:mod:`.subscripts`) and comprehensions (:mod:`.comprehensions`) each have a mixin.
"""

from __future__ import annotations

import ast
from functools import lru_cache

import libcst as cst

from .. import layers as L
from .. import ops
from ..extract import canonical
from ..symbolic import const
from ..values import UNKNOWN, Const, Flag, Int, Seq, Tensor, Value
from .attributes import Attributes
from .comprehensions import Comprehensions
from .core import Budget
from .joins import boolish, join, truth
from .objects import BUILTINS, Builtin, ClassRef, Env, FuncRef, Obj, Ref
from .record_stores import share_stores
from .subscripts import Subscripts

_NAME, _ATTRIBUTE, _CALL = cst.Name, cst.Attribute, cst.Call


class Expressions(Attributes, Subscripts, Comprehensions):
    """Evaluates expressions to abstract values."""

    def eval(self, e: cst.BaseExpression, env: Env) -> Value:
        self.steps += 1  # (Core.tick, inline: the interpreter's most frequent call)
        if self.steps > self.max_steps:
            raise Budget()
        try:
            return self._eval(e, env)
        except Budget:
            raise
        except RecursionError:
            raise
        except (ZeroDivisionError, OverflowError, ValueError):
            return UNKNOWN

    def _eval(self, e: cst.BaseExpression, env: Env) -> Value:
        # the node's exact class, compared by identity: every class below is a leaf of libcst's
        # hierarchy, and isinstance() against libcst's classes (ABCs) costs ten times more;
        # the most frequent first (names, attributes, calls: four in five expressions)
        t = type(e)
        if t is _NAME:
            v = env.vars.get(e.value)  # type: ignore[attr-defined]
            return v if v is not None else self.lookup(e.value, env)  # type: ignore[attr-defined]
        if t is _ATTRIBUTE:
            return self.attribute(self.eval(e.value, env), e.attr.value, e)  # type: ignore
        if t is _CALL:
            return self.call_expr(e, env)  # type: ignore[arg-type]
        if type(e) is cst.Integer:
            try:
                return Int(const(int(e.value.replace("_", ""), 0)))
            except ValueError:
                return UNKNOWN
        if type(e) is cst.Float:
            try:
                return Const(float(e.value.replace("_", "")))
            except ValueError:
                return UNKNOWN
        if type(e) is cst.Imaginary:
            return UNKNOWN
        if type(e) is cst.SimpleString:
            return _string(e.value)
        if type(e) is cst.ConcatenatedString or type(e) is cst.FormattedString:
            return Const("")
        if type(e) is cst.Ellipsis:
            return Const(Ellipsis)
        if type(e) is cst.Subscript:
            return self.subscript(e, env)
        if type(e) is cst.BinaryOperation:
            a = self.eval(e.left, env)
            b = self.eval(e.right, env)
            return self.binop(type(e.operator).__name__, a, b, e)
        if type(e) is cst.UnaryOperation:
            v = self.eval(e.expression, env)
            op = type(e.operator).__name__
            if op == "Minus":
                if isinstance(v, Int):
                    return Int(None if v.expr is None else -v.expr)
                if isinstance(v, Const) and type(v.value) in (int, float):
                    return Const(-v.value)  # -0.5: a number still (q * d ** -0.5 keeps q)
                return v if isinstance(v, Tensor) else UNKNOWN
            if op == "Not":
                tv = truth(v)
                if isinstance(tv, bool):
                    return Const(not tv)
                if isinstance(tv, Flag):
                    return Flag(tv.name, not tv.negated)
                return UNKNOWN
            return v
        if type(e) is cst.Tuple or type(e) is cst.List:
            items: list[Value] = []
            for el in e.elements:
                if type(el) is cst.StarredElement:
                    v = self.eval(el.value, env)
                    if isinstance(v, Seq) and v.repeated is None:
                        items.extend(v.items)
                        continue
                    return Seq((), isinstance(e, cst.List), UNKNOWN, None)
                items.append(self.eval(el.value, env))
            return Seq(tuple(items), isinstance(e, cst.List))
        if type(e) is cst.IfExp:
            c = self.condition(e.test, env)
            if c is True:
                return self.eval(e.body, env)
            if c is False:
                return self.eval(e.orelse, env)
            if isinstance(c, Flag):
                with ops.assuming(c.name, not c.negated):
                    body = self.eval(e.body, env)
                with ops.assuming(c.name, c.negated):
                    orelse = self.eval(e.orelse, env)
                return join(body, orelse, c)
            return join(self.eval(e.body, env), self.eval(e.orelse, env), None)
        if type(e) is cst.Comparison:
            return self.compare(e, env)
        if type(e) is cst.BooleanOperation:
            # `a or b` is a when a is truthy, else b (`and` the other way round): the operand,
            # not a truth value (`head_size or hidden_size` is a size)
            is_and = isinstance(e.operator, cst.And)
            lv = self.eval(e.left, env)
            lt = truth(lv)
            if lt is (not is_and):
                return lv
            rv = self.eval(e.right, env)
            if isinstance(lt, bool):
                return rv
            if not (boolish(lv) and boolish(rv)):
                return UNKNOWN
            rt = truth(rv)
            if is_and:
                return Const(False) if rt is False else (lv if rt is True else UNKNOWN)
            return Const(True) if rt is True else (lv if rt is False else UNKNOWN)
        if type(e) is cst.Dict:
            return self.dict_literal(e, env)
        if type(e) is cst.ListComp or type(e) is cst.GeneratorExp:
            mark = len(self.record_stores)
            out = self.comprehension(e, env)
            if len(self.record_stores) > mark:  # ``[finalize(a) for a in (args,)]``
                share_stores(self.selves, self.record_stores[mark:], env)
            return out
        if type(e) is cst.DictComp:
            return self.dict_comprehension(e, env)
        if type(e) is cst.NamedExpr:
            v = self.eval(e.value, env)
            self.assign(e.target, v, env)
            return v
        return UNKNOWN

    def lookup(self, name: str, env: Env) -> Value:
        if name in env.vars:
            return env.vars[name]
        if name in ("True", "False"):
            return Const(name == "True")
        if name == "None":
            return Const(None)
        return self.global_name(name)

    def global_name(self, name: str) -> Value:
        fm = self.fm
        key = f"{fm.path}:{name}"
        if key in self.globals_cache:
            return self.globals_cache[key]
        v: Value = UNKNOWN
        self.globals_cache[key] = UNKNOWN  # guards recursion through constants
        if name in fm.imports and name in fm.constants:
            pass  # imported, and bound again at the top level (``W = torch.ones(W, 1)``, or
            #      an ``except ImportError:`` fallback): which binding a call sees is not known
        elif name in fm.imports:
            # resolved against the other files of the run only when called (see call())
            v = Ref(canonical(fm.imports[name]))
        elif name in fm.classes:
            v = ClassRef(fm.classes[name], fm)
        elif name in fm.functions:
            v = FuncRef(fm.functions[name], fm)
        elif name in fm.constants:
            v = self.eval(fm.constants[name], Env({}))
            if isinstance(v, Tensor | L.Layer | Obj):
                v = UNKNOWN  # module-level tensors and layers: let script analysis handle them
        elif name in BUILTINS:
            v = Builtin(name)
        elif name == "torch":
            v = Ref("torch")
        self.globals_cache[key] = v
        return v

@lru_cache(maxsize=4096)
def _string(literal: str) -> Value:
    """A string literal's value (libcst evaluates it with ``ast.literal_eval`` each time)."""
    try:
        v = ast.literal_eval(literal)
    except Exception:
        return UNKNOWN
    return Const(v) if isinstance(v, str | bytes) else UNKNOWN
