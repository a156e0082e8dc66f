"""User classes and their objects: building an instance (``__init__``), running its
``forward``, method and class-attribute lookup along the MRO, ``super()``, torch base layers.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from .. import layers as L
from ..extract import ClassInfo, FileModel, canonical
from ..layers_apply import apply_layer
from ..node_memo import NodeMemo
from ..values import (
    UNKNOWN,
    Record,
    Tensor,
    Value,
)
from ..walk import descendants
from .core import MAX_DEPTH, Core
from .objects import TORCH_LAYER, ClassRef, Env, FuncRef, Obj, SuperVal


def _needed_despite_none(fn: cst.FunctionDef) -> frozenset[str]:
    """The ``forward`` arguments whose default is ``None`` but that the code indexes or reads an
    attribute of, and never tests (``def forward(self, feats, targets=None, mode="train")``
    reading ``targets[:, i]`` in the default mode): running with the default crashes, so the
    caller passes it, and it is an input like the others.  Any test of it (``is None``, ``if
    targets``, ``targets or ...``, ``isinstance``) keeps the default.  One walk of the body per
    function, remembered beside it."""
    known = _NEEDED.get(fn)
    if known is not None:
        return known
    names = {p.name.value for p in fn.params.params
             if isinstance(p.default, cst.Name) and p.default.value == "None"}
    needed: frozenset[str] = frozenset()
    if names:
        tested: set[int] = set()  # the nodes a test reads whole
        read: set[int] = set()  # the nodes indexed or whose attribute is read (None has neither)
        named: list[cst.Name] = []
        # (exact node types: ``isinstance`` against libcst's abstract classes costs a Python
        # call each, and this walks every node of every forward)
        for n in descendants(fn.body):
            if type(n) is cst.Name:
                if n.value in names:
                    named.append(n)
            elif type(n) is cst.Subscript or type(n) is cst.Attribute:
                read.add(id(n.value))
            elif type(n) is cst.Comparison:
                tested.update(id(x) for x in (n.left, *(c.comparator for c in n.comparisons)))
            elif type(n) is cst.If or type(n) is cst.IfExp or type(n) is cst.While:
                tested.add(id(n.test))
            elif type(n) is cst.UnaryOperation:
                tested.add(id(n.expression))
            elif type(n) is cst.BooleanOperation:
                tested.update((id(n.left), id(n.right)))
            elif type(n) is cst.Call and type(n.func) is cst.Name \
                    and n.func.value in ("isinstance", "getattr", "hasattr", "callable"):
                tested.update(id(a.value) for a in n.args)
        # (only handed on, to a helper that may test it itself: the default stands)
        was_read = {n.value for n in named if id(n) in read}
        was_tested = {n.value for n in named if id(n) in tested}
        needed = frozenset(was_read - was_tested)
    return _NEEDED.put(fn, needed)


#: the answer per function node
_NEEDED: NodeMemo[cst.FunctionDef, frozenset[str]] = NodeMemo()


class Classes(Core):
    """User classes: instances, methods, class attributes, the MRO."""

    def instantiate(self, cls: ClassInfo, fm: FileModel, args: Sequence[Value],
                    kwargs: dict[str, Value], label: str = "self") -> Obj:
        obj = Obj(cls, fm, {}, label)
        init = self.find_method(cls, fm, "__init__")
        if init is not None and self.depth < MAX_DEPTH \
                and (self.build_children or not self.selves):
            fn, owner_fm = init
            self.call_function(fn, owner_fm, args, kwargs, bound=obj)
        return obj

    def run_forward(self, obj: Obj, inputs: Sequence[Value] | None,
                    kwargs: dict[str, Value] | None = None) -> Value:
        found = self.find_method(obj.cls, obj.fm, "forward")
        if found is None and not obj.cls.is_module:
            # a plain class whose instances are called (fast_abs_rl's decoder object, built
            # from its parent's layers): its __call__
            found = self.find_method(obj.cls, obj.fm, "__call__")
        if found is None:
            layer = obj.attrs.get(TORCH_LAYER)
            if isinstance(layer, L.Layer) and inputs is not None:  # torch's own forward
                return apply_layer(self, layer, list(inputs), self.call_child)
            return UNKNOWN
        fn, fm = found
        if inputs is None:
            inputs = self.holes(fn)
        return self.call_function(fn, fm, inputs, kwargs or {}, bound=obj)

    def holes(self, fn: cst.FunctionDef) -> list[Value]:
        out: list[Value] = []
        for p in list(fn.params.params)[1:]:
            name = p.name.value
            if name in self.opened_inputs:
                out.append(UNKNOWN)  # None or not: the caller's (forward raised with None)
            elif p.default is not None and name not in _needed_despite_none(fn):
                out.append(self.eval(p.default, Env({})))
            elif name in self.hole_bindings:
                shape, roles, dtype = self.hole_bindings[name]
                out.append(Tensor(shape, dtype, roles))
            elif (parts := self.rebuilt_tuple(name)) is not None:
                out.append(parts)
            elif any(k.startswith(name + "['") or k.startswith(name + '["')
                     for k in self.hole_bindings):
                fields = []
                for k, (shape, roles, dtype) in self.hole_bindings.items():
                    if k.startswith(name + "[") and k.endswith("]"):
                        key = k[len(name) + 1:-1]
                        if len(key) >= 2 and key[0] == key[-1] and key[0] in "'\"":
                            fields.append((key[1:-1], Tensor(shape, dtype, roles)))
                out.append(Record(tuple(fields)))
            else:
                out.append(Tensor(None, None, hole=(name, ())))
        return out

    def find_method(self, cls: ClassInfo, fm: FileModel, name: str,
                     seen: int = 0) -> tuple[cst.FunctionDef, FileModel] | None:
        if name in cls.methods:
            return cls.methods[name], fm
        if seen > 10:
            return None
        for b in cls.bases:
            base = self._lookup_class(b, fm)
            if base is not None:
                r = self.find_method(base[0], base[1], name, seen + 1)
                if r is not None:
                    return r
        return None

    def _lookup_class(self, qual: str, fm: FileModel) -> tuple[ClassInfo, FileModel] | None:
        short = qual.rsplit(".", 1)[-1]
        if qual in fm.classes:
            return fm.classes[qual], fm
        if self.project is not None:
            r = self.project.find_class(qual, fm)
            if r is not None:
                return r
        if short in fm.classes and "." not in qual:
            return fm.classes[short], fm
        return None

    def mro(self, cls: ClassInfo, fm: FileModel) -> list[tuple[ClassInfo, FileModel]]:
        """The class and its bases found in the project, depth first, left to right (found once
        per analysis: every attribute lookup and ``super()`` asks again)."""
        key = (id(cls), id(fm))
        known = self.mro_cache.get(key)
        if known is not None:
            return known
        out: list[tuple[ClassInfo, FileModel]] = []
        seen: set[int] = set()
        # an explicit stack, not a recursive closure: a nested function that calls itself
        # and holds ``self`` is a reference cycle, which kept every analysis alive until the
        # cyclic collector found it
        stack: list[tuple[ClassInfo, FileModel, int]] = [(cls, fm, 0)]
        while stack:
            c, f, depth = stack.pop()
            if id(c) in seen or depth > 10:
                continue
            seen.add(id(c))
            out.append((c, f))
            found = [self._lookup_class(b, f) for b in c.bases]
            stack.extend((b[0], b[1], depth + 1) for b in reversed(found) if b is not None)
        self.mro_cache[key] = out
        return out

    def class_attribute(self, cls: ClassInfo, fm: FileModel, name: str,
                        after: ClassInfo | None = None) -> Value | None:
        """A method (unbound) or a class-level assignment found along the MRO."""
        chain = self.mro(cls, fm)
        if after is not None:
            idx = next((i for i, (c, _f) in enumerate(chain) if c is after), None)
            chain = chain[idx + 1:] if idx is not None else []
        for c, f in chain:
            if name in c.methods:
                return FuncRef(c.methods[name], f)
            expr = _class_level_value(c, name)
            if expr is not None:
                key = (id(expr), name)
                if key not in self.class_attr_cache:
                    self.class_attr_cache[key] = UNKNOWN  # guards recursion
                    saved = self.fm
                    self.fm = f
                    try:
                        self.class_attr_cache[key] = self.eval(expr, Env({}))
                    finally:
                        self.fm = saved
                return self.class_attr_cache[key]
        return None

    def torch_base(self, cls: ClassInfo, fm: FileModel) -> str | None:
        """The torch layer a user class derives from (``class LSTM(RNN, nn.LSTM)``), if any."""
        for c, _f in self.mro(cls, fm):
            for b in c.bases:
                q = canonical(b)
                if q.startswith("torch.nn.") and q.rsplit(".", 1)[-1] in L.SIGNATURES:
                    return q.rsplit(".", 1)[-1]
        return None

    def super_value(self, args: list[Value]) -> Value:
        """``super()`` / ``super(Cls, self)`` in the running method."""
        for fn, bound in reversed(self.frames):
            if not isinstance(bound, Obj):
                continue
            if len(args) == 2 and isinstance(args[0], ClassRef):
                return SuperVal(bound, args[0].cls)
            for c, _f in self.mro(bound.cls, bound.fm):
                if c.methods.get(fn.name.value) is fn:
                    return SuperVal(bound, c)
            return UNKNOWN
        return UNKNOWN


def _class_level_value(c: ClassInfo, name: str) -> cst.BaseExpression | None:
    """The expression assigned to ``name`` in the class body (``_cell = nn.GRU``)."""
    values = _CLASS_LEVEL.get(c.node)
    if values is None:
        values = _CLASS_LEVEL.put(c.node, _class_level_values(c.node))
    return values.get(name)


def _class_level_values(node: cst.ClassDef) -> dict[str, cst.BaseExpression]:
    """Every name the class body assigns, with the expression its last assignment gives
    (read once per class: attribute lookups ask for one name after another)."""
    out: dict[str, cst.BaseExpression] = {}
    body = node.body
    if not isinstance(body, cst.IndentedBlock):
        return out
    for stmt in body.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for t in small.targets:
                        if isinstance(t.target, cst.Name):
                            out[t.target.value] = small.value
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) \
                        and small.value is not None:
                    out[small.target.value] = small.value
    return out


#: a class body's assignments, per class node
_CLASS_LEVEL: NodeMemo[cst.ClassDef, dict[str, cst.BaseExpression]] = NodeMemo()
