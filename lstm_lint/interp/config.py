"""Configuration values: config classes (dataclasses, NamedTuples, plain classes), constructor
parameters as symbols, dict literals, ``dict(...)`` and ``SimpleNamespace``, argparse parsers and
in-place changes of configuration records.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import libcst as cst

from ..extract import ClassInfo, FileModel, dotted
from ..symbolic import sym
from ..values import (
    UNKNOWN,
    Const,
    Flag,
    Int,
    Record,
    Seq,
    Value,
)
from .core import Core
from .objects import OPEN_KWARGS, SPLAT, ArgParser, Env, Obj, Ref
from .record_stores import share_stores

#: names of plain classes that carry a model's configuration
CONFIG_NAME = re.compile(r"Config|Conf$|Args|Opt|Param|Settings|Hyper", re.IGNORECASE)
#: calls that build a namespace from keywords (``SimpleNamespace(hidden=64)``)
NAMESPACES = frozenset({"types.SimpleNamespace", "argparse.Namespace", "easydict.EasyDict",
                        "addict.Dict", "munch.Munch", "dotmap.DotMap"})


class Configuration(Core):
    """Configuration values: config classes, constructor parameters, dict literals, records."""

    def instantiate_plain(self, cls: ClassInfo, fm: FileModel, args: Sequence[Value],
                          kwargs: dict[str, Value]) -> Value:
        """A configuration class: ``Config()`` (class attributes), a dataclass or NamedTuple
        (fields bound to the arguments), or a class whose ``__init__`` sets attributes."""
        fields = record_fields(cls)
        if fields is not None and "__init__" not in cls.methods:
            obj = Obj(cls, fm, {}, "config")
            rest = list(args)
            for name, default in fields:
                if rest:
                    obj.attrs[name] = rest.pop(0)
                elif name in kwargs:
                    obj.attrs[name] = kwargs[name]
                elif default is not None:
                    saved = self.fm
                    self.fm = fm
                    try:
                        obj.attrs[name] = self.eval(default, Env({}))
                    finally:
                        self.fm = saved
            return obj
        return self.instantiate(cls, fm, args, kwargs, "config")

    def symbolic_params(self, fn: cst.FunctionDef, fm: FileModel) -> tuple[list[Value],
                                                                            dict[str, Value]]:
        """Constructor arguments as symbols: sizes become Sym, bool flags become Flag."""
        kwargs: dict[str, Value] = {}
        for p in list(fn.params.params)[1:] + list(fn.params.kwonly_params):
            name = p.name.value
            kwargs[name] = self._symbolic_param(name, p.default)
        if fn.params.star_kwarg is not None:
            kwargs[SPLAT] = OPEN_KWARGS  # whatever a caller forwards through **kwargs
        return [], kwargs

    def open_param(self, fn_fm: FileModel, name: str, default: cst.BaseExpression | None
                   ) -> Value:
        """A parameter the class's open ``**kwargs`` reaches (see :data:`OPEN_KWARGS`),
        its default read in the file that defines it."""
        saved = self.fm
        self.fm = fn_fm
        try:
            return self._symbolic_param(name, default)
        finally:
            self.fm = saved

    def _symbolic_param(self, name: str, default: cst.BaseExpression | None) -> Value:
        """Sizes stay symbols and bool flags stay flags (so every configuration is checked at
        once); other defaults (a string, a layer class, None, a float) are configuration
        choices and are taken as written."""
        if default is None:
            return Int(sym(name), param=name)
        if isinstance(default, cst.Name) and default.value in ("True", "False"):
            return Flag(name)
        if isinstance(default, cst.Integer):
            return Int(sym(name), param=name)
        v = self.eval(default, Env({}))
        if isinstance(v, Const) and v.value is None:
            return Const(None, param=name)
        if isinstance(v, Const) and isinstance(v.value, str | float):
            return Const(v.value, param=name)  # (a finding it decides names the default)
        if isinstance(v, Ref):
            return v
        return UNKNOWN

    def dict_literal(self, e: cst.Dict, env: Env) -> Value:
        """``{"hidden": 64, ...}`` with string keys: a record; anything else: unknown."""
        fields: list[tuple[str, Value]] = []
        for el in e.elements:
            if not isinstance(el, cst.DictElement):
                return UNKNOWN  # ** splat
            k = self.eval(el.key, env)
            if not (isinstance(k, Const) and isinstance(k.value, str)):
                return UNKNOWN
            fields.append((k.value, self.eval(el.value, env)))
        return Record(tuple(fields))

    def config_method(self, recv: ArgParser | Record, name: str, args: list[Value],
                      kwargs: dict[str, Value], e: cst.Call, env: Env) -> Value:
        """A method of an argparse parser or of a configuration record."""
        if isinstance(recv, ArgParser):
            if name == "add_argument":
                recv.add(args, kwargs)
                return Const(None)
            if name in ("add_argument_group", "add_mutually_exclusive_group"):
                return recv
            if name == "set_defaults":
                recv.options.update(kwargs)
                return Const(None)
            if name == "parse_args":
                return recv.parsed()
            if name == "parse_known_args":
                return Seq((recv.parsed(), Seq((), True)))
            return UNKNOWN
        if isinstance(recv, Record) and name in ("update", "setdefault", "pop", "clear", "copy"):
            return self._record_method(recv, name, args, kwargs, e, env)
        if isinstance(recv, Record):
            if name == "get" and args and isinstance(args[0], Const) \
                    and isinstance(args[0].value, str):
                got = recv.get(args[0].value)
                if got is not None:
                    return got
                return args[1] if len(args) > 1 else kwargs.get("default", Const(None))
            return UNKNOWN

    def _record_method(self, recv: Record, name: str, args: list[Value],
                       kwargs: dict[str, Value], e: cst.Call, env: Env) -> Value:
        """A configuration dict changed in place: follow it, or stop knowing it."""
        target = e.func.value if isinstance(e.func, cst.Attribute) else None
        if name == "copy":
            return Record(recv.fields)  # a new dict: a store into it leaves ``recv`` as it is
        changed: Value = UNKNOWN
        result: Value = Const(None)
        first = args[0] if args else None
        if name == "update" and len(args) <= 1 and (first is None or isinstance(first, Record)):
            rec = recv
            extra = first.fields if isinstance(first, Record) else ()
            for k, v in [*extra, *kwargs.items()]:
                rec = rec.with_field(k, v)
            changed = rec
        elif name == "setdefault" and isinstance(first, Const) and isinstance(first.value, str):
            got = recv.get(first.value)
            val = args[1] if len(args) > 1 else Const(None)
            changed = recv if got is not None else recv.with_field(first.value, val)
            result = got if got is not None else val
        elif name == "clear":
            changed = Record(())
        elif name == "pop" and isinstance(first, Const) and isinstance(first.value, str) \
                and len(args) <= 2 and not kwargs:
            # ``kwargs.pop("output_hidden_states", False)`` in a configuration's constructor:
            # the value given, else the default; the key is gone after it
            got = recv.get(first.value)
            changed = recv if got is None else Record(
                tuple((k, v) for k, v in recv.fields if k != first.value))
            result = got if got is not None else args[1] if len(args) == 2 else UNKNOWN
        elif name == "pop":
            result = UNKNOWN
        if isinstance(changed, Record) and changed is not recv:
            # every other holder of the dict (``self.opts = kwargs`` before
            # ``kwargs.pop("bidirectional")``) sees the keys changed or removed as unknown
            self.record_stores.append((recv, changed))
            share_stores(self.selves, [(recv, changed)], env)
        if target is not None:
            self.rebind(target, changed, env)
        return result


def config_call(qual: str, args: list[Value], kwargs: dict[str, Value]) -> Value | None:
    """``argparse.ArgumentParser()`` and namespace constructors; None for any other call."""
    if qual == "argparse.ArgumentParser":
        return ArgParser()
    if qual in NAMESPACES:
        return namespace_record(args, kwargs)
    return None


def namespace_record(args: list[Value], kwargs: dict[str, Value]) -> Value:
    """``dict(base, **kw)`` / ``SimpleNamespace(**kw)``: a record of the keywords (over a known
    record passed first, never that record itself: a new dict); unknown when the first
    argument is not a known record."""
    rec = Record(args[0].fields) if args and isinstance(args[0], Record) else Record(())
    if args and not isinstance(args[0], Record):
        return UNKNOWN
    for k, v in kwargs.items():
        rec = rec.with_field(k, v)
    return rec


def record_fields(c: ClassInfo) -> list[tuple[str, cst.BaseExpression | None]] | None:
    """The fields of a dataclass or NamedTuple, in order, with their default expressions."""
    deco = [dotted(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator)
            for d in c.node.decorators]
    is_dc = any(d is not None and d.rsplit(".", 1)[-1] == "dataclass" for d in deco)
    is_nt = any(b.rsplit(".", 1)[-1] == "NamedTuple" for b in c.bases)
    if not (is_dc or is_nt) or not isinstance(c.node.body, cst.IndentedBlock):
        return None
    out: list[tuple[str, cst.BaseExpression | None]] = []
    for stmt in c.node.body.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    ann = dotted(small.annotation.annotation) or ""
                    if ann.rsplit(".", 1)[-1] == "ClassVar":
                        continue
                    default = small.value
                    if isinstance(default, cst.Call) and (dotted(default.func) or "").rsplit(
                            ".", 1)[-1] == "field":
                        default = next((a.value for a in default.args if a.keyword is not None
                                        and a.keyword.value == "default"), None)
                    out.append((small.target.value, default))
    return out
