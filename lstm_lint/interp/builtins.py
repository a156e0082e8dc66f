"""Python's builtins as the interpreter models them (``range``, ``len``, ``int``, ``zip``,
``getattr``, ``setattr``, ``super``, ``dict``...) and methods of strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import libcst as cst

from .. import layers as L
from ..extract import ClassInfo, FileModel, canonical
from ..node_memo import NodeMemo
from ..symbolic import Expr, cond, const, sym
from ..values import (
    UNKNOWN,
    Choice,
    Const,
    Flag,
    Int,
    Packed,
    Quotient,
    Record,
    Seq,
    Tensor,
    Value,
    int_of,
)
from .caller_stores import is_stored, store_item
from .config import namespace_record
from .core import Core
from .joins import join, truth, truth_value
from .objects import LIST_ITEMS, Builtin, ClassRef, Env, Obj, RangeVal, Ref

#: ``getattr(nn, name)`` with a name not known: which class it is, its call tells (if anything)
CHOSEN_NN_CLASS = "torch.nn.<chosen>"
#: ``getattr(nn, name)`` with a name known to be RNN, GRU or LSTM, which of them not known
CHOSEN_RNN_CLASS = "torch.nn.<chosen recurrent>"


class Builtins(Core):
    """Calls of Python builtins."""

    def _may_hold_tensors(self, t: Value, depth: int = 0) -> bool:
        """Whether an instance of the class ``t`` may be a tensor: False only for a class of
        the project whose bases, followed to the end, are plain Python ones (``class
        PaddedTensor(NamedTuple)``: a tuple, never a ``torch.Tensor``)."""
        found: tuple[Any, Any] | None = None
        if isinstance(t, ClassRef):
            found = (t.cls, t.fm)
        elif isinstance(t, Ref) and self.project is not None \
                and not t.qual.startswith(("torch.", "numpy.", "typing.")):
            found = self.project.find_class(t.qual, self.fm)
        if found is None or depth > 4:
            return True
        info, fm = found
        for base in info.bases:
            if base in _PLAIN_BASES:
                continue
            if base.startswith(("torch.", "numpy.")) or self.project is None:
                return True
            inner = fm.classes.get(base)
            ref: Value = ClassRef(inner, fm) if inner is not None else Ref(base)
            saved = self.fm
            self.fm = fm
            try:
                if self._may_hold_tensors(ref, depth + 1):
                    return True
            finally:
                self.fm = saved
        return False

    def _has_attribute(self, obj: Obj, attr: str) -> Value:
        """``hasattr(self, 'dropout')`` on a module whose constructor ran: True when its class
        has it; False when the constructor, as it ran, did not set it and no other method of
        its classes can (no ``self.dropout =``, no setattr, no ``__dict__``/``__getattr__``);
        otherwise not known (an attribute set on one branch of an undecided ``if`` is kept
        in the object, so being there does not prove it was set)."""
        if self.class_attribute(obj.cls, obj.fm, attr) is not None:
            return Const(True)
        if attr in obj.attrs or not obj.attrs or not obj.cls.is_module:
            return UNKNOWN
        mro = self.mro(obj.cls, obj.fm)
        seen = {c.name for c, _f in mro}
        for c, f in mro:
            if _may_set(c, f, attr):
                return UNKNOWN  # (the constructors ran: what they set is in the object)
            for b in c.bases:
                q = canonical(b)
                if not q.startswith("torch.nn.") and q != "object" \
                        and q.rsplit(".", 1)[-1] not in seen:
                    return UNKNOWN  # a base class not read: it may set the attribute
        return Const(False)

    def call_builtin(self, name: str, args: list[Value], kwargs: dict[str, Value], e: cst.Call,
                     env: Env) -> Value:
        if name in ("zip", "enumerate", "list", "tuple", "reversed"):
            args = [sequential_items(a) for a in args]  # an nn.Sequential yields its modules
        if name == "range":
            ints = [int_of(a) for a in args]
            for count in ints:
                if count is not None:
                    self.graph.counts |= count.sizes()
            if len(ints) == 1:
                return RangeVal(ints[0], start=const(0))
            if len(ints) >= 2 and ints[0] is not None and ints[1] is not None and (
                    len(ints) == 2 or (ints[2] is not None and ints[2].as_int() == 1)):
                return RangeVal(ints[1] - ints[0], start=ints[0])
            return RangeVal(None)
        if name == "len" and args:
            a = args[0]
            if isinstance(a, Seq):
                return Int(const(len(a.items)) if a.repeated is None else a.length)
            if isinstance(a, Tensor):
                return self.size_of(a, Int(const(0)))
            if isinstance(a, Int) and a.param is not None and a.expr is not None \
                    and a.expr.as_int() is None:
                name = f"len({a.param})"
                return Int(sym(name), param=name)
            return Int(None)
        if name in ("int", "abs", "round") and args:
            a = args[0]
            if isinstance(a, Int):
                return a
            if name == "int" and len(args) == 1:
                if isinstance(a, Quotient):  # int(n / 4) of sizes: the floor
                    return Int(a.num.floordiv(a.den))
                if isinstance(a, Const) and isinstance(a.value, float) \
                        and abs(a.value) < 2 ** 52:
                    return Int(const(int(a.value)))
            if isinstance(a, Const) and isinstance(a.value, bool):
                return Int(const(int(a.value)))
            if isinstance(a, Flag):
                return Int(cond(a.name, 0 if a.negated else 1, 1 if a.negated else 0))
            return Int(None)
        if name == "float" and len(args) == 1:
            a = args[0]
            n = a.expr.as_int() if isinstance(a, Int) and a.expr is not None else None
            if n is not None:
                return Const(float(n))
            if isinstance(a, Const) and isinstance(a.value, int | float):
                return Const(float(a.value))
            if isinstance(a, Int | Flag):
                return Int(None)  # a number, its value not followed
            return UNKNOWN
        if name == "bool" and args:
            t = truth(args[0])
            return truth_value(t)
        if name in ("list", "tuple") and args:
            a = args[0]
            if isinstance(a, Seq):
                return Seq(a.items, name == "list", a.repeated, a.length)
            if isinstance(a, RangeVal):
                return Seq((), name == "list", Int(None), a.length)
            return UNKNOWN
        if name in ("list", "tuple"):
            return Seq((), name == "list")
        if name == "sorted" and len(args) == 1 and set(kwargs) <= {"key", "reverse"}:
            # a new list as long as what it sorts; which element lands where is not followed
            # unless they are all the same
            a = args[0]
            if isinstance(a, RangeVal):
                return Seq((), True, Int(None), a.length)
            if isinstance(a, Seq) and a.repeated is not None:
                return Seq((), True, a.repeated, a.length)
            if isinstance(a, Seq):
                if not a.items:
                    return Seq((), True)
                if all(i == a.items[0] for i in a.items):
                    return Seq(a.items, True)
                same = Int(None) if all(isinstance(i, Int) for i in a.items) else UNKNOWN
                return Seq((), True, same, const(len(a.items)))
            return UNKNOWN
        if name == "super":
            return self.super_value(args)
        if name == "enumerate" and args:
            a = args[0]
            if isinstance(a, Seq):
                if a.repeated is None:
                    return Seq(tuple(Seq((Int(const(i)), it)) for i, it in enumerate(a.items)))
                if a.tail is not None:  # known first items, then a grown tail
                    return Seq((), False, Seq((Int(None), a.repeated)), a.length,
                               head=tuple(Seq((Int(const(i)), it)) for i, it in enumerate(a.head)),
                               tail=Seq((Int(None), a.tail)))
                return Seq((), False, Seq((Int(None), a.repeated)), a.length)
            rows = tensor_rows(self, a, e)
            if rows is not None:
                return Seq((), False, Seq((Int(None), rows.repeated or UNKNOWN)), rows.length)
            if isinstance(a, Tensor):
                # a tensor whose shape is not known: its rows are tensors all the same (as a
                # for loop over it gives), how many not known
                row = self.index_value(a, [Int(None)], e) if a.shape \
                    else self.record("iter", e, [a], Tensor(None), label="row")
                held = self.hole_axis(a, 0)  # an unsolved input: as many rows as x_dim0
                return Seq((), False, Seq((Int(None), row)), held.expr if held else None)
            return UNKNOWN
        if name == "type" and len(args) == 1 and not kwargs:
            # ``type(dec_outs) == list``: the class of a value whose kind is known
            a = args[0]
            if isinstance(a, Tensor):
                return Ref("torch.Tensor")
            if isinstance(a, Seq):
                return Builtin("list" if a.is_list else "tuple")
            if isinstance(a, Int):
                return Builtin("int")
            if isinstance(a, Const) and type(a.value) in (int, float, bool, str):
                return Builtin(type(a.value).__name__)
            return UNKNOWN
        if name == "isinstance" and len(args) == 2:
            out = isinstance_of(args[0], args[1])
            if out is UNKNOWN and isinstance(args[0], Tensor | Packed) \
                    and not self._may_hold_tensors(args[1]):
                return Const(False)
            return out
        if name == "sum" and len(args) == 1 and not kwargs and isinstance(args[0], Seq) \
                and args[0].repeated is None:
            items = args[0].items
            if not items:
                return Int(const(0))
            ints = [int_of(i) if isinstance(i, Int) else None for i in items]
            if all(i is not None for i in ints):
                total = const(0)
                for i in ints:
                    assert i is not None
                    total = total + i
                return Int(total)
            return UNKNOWN
        if name == "zip" and args and not kwargs:
            args = _counted(args)  # zip(count(), xs) / zip(range(3), xs): the numbers known
            seqs = [tensor_rows(self, a, e) or a for a in args]  # a tensor zips by rows
            if not all(isinstance(a, Seq) for a in seqs):
                return UNKNOWN
            if all(isinstance(a, Seq) and a.repeated is None for a in seqs):
                known = [a for a in seqs if isinstance(a, Seq)]
                n = min(len(s.items) for s in known)
                return Seq(tuple(Seq(tuple(s.items[i] for s in known)) for i in range(n)))
            return _zip_repeated([a for a in seqs if isinstance(a, Seq)])
        if name == "reversed" and args and isinstance(args[0], RangeVal):
            return RangeVal(args[0].length)  # as many passes, the index not known per pass
        if name == "reversed" and args and isinstance(args[0], Seq):
            a = args[0]
            return Seq(tuple(reversed(a.items)), a.is_list, a.repeated, a.length)
        if name in ("min", "max") and len(args) == 1 and not kwargs \
                and isinstance(args[0], Seq) and args[0].repeated is None and args[0].items:
            # max(lens) of a list of known numbers
            nums = [int_of(i) for i in args[0].items]
            vals = [k for n in nums if n is not None and (k := n.as_int()) is not None]
            if len(vals) == len(nums):
                return Int(const(min(vals) if name == "min" else max(vals)))
            return Int(None) if all(n is not None for n in nums) else UNKNOWN
        if name in ("min", "max") and len(args) == 2:
            x, y = int_of(args[0]), int_of(args[1])
            if x is not None and y is not None and x.as_int() is not None and y.as_int() is not None:
                xv, yv = x.as_int(), y.as_int()
                assert xv is not None and yv is not None
                return Int(const(min(xv, yv) if name == "min" else max(xv, yv)))
            if x is not None and x == y:
                return Int(x)
            return Int(None)
        if name == "getattr" and len(args) == 2 and isinstance(args[0], Ref) \
                and args[0].qual == "torch.nn" and isinstance(args[1], Choice) \
                and set(args[1].options) <= L.RECURRENT - {L.ANY_RNN}:
            # one of a few recurrent classes (``assert cell in ["LSTM", "GRU"]``): what the
            # three agree on is known
            return Ref(CHOSEN_RNN_CLASS)
        if name == "getattr" and len(args) == 2 and isinstance(args[0], Ref) \
                and args[0].qual == "torch.nn" and not isinstance(args[1], Const):
            return Ref(CHOSEN_NN_CLASS)  # getattr(nn, rnn_type): a class chosen at run time
        if name == "getattr" and len(args) >= 2 and isinstance(args[1], Const) \
                and isinstance(args[1].value, str):
            v = self.attribute(args[0], args[1].value, e)
            if v is UNKNOWN and len(args) == 3 and not (
                    isinstance(args[0], Obj) and args[1].value in args[0].attrs) and not (
                    isinstance(args[0], Int) and args[0].param and is_stored(
                        self.stored_items, f"{args[0].param}.{args[1].value}")):
                # (an attribute set to a value not known, or on one branch only: the
                # default answers only some runs; not an item of a caller's value stored
                # into: it is there, holding what was stored)
                return args[2]
            return v
        if name == "hasattr" and len(args) == 2 and isinstance(args[0], Obj) \
                and isinstance(args[1], Const) and isinstance(args[1].value, str):
            return self._has_attribute(args[0], args[1].value)
        if name == "print":
            return Const(None)
        if name == "setattr" and len(args) == 3 and isinstance(args[1], Const) \
                and isinstance(args[1].value, str) and args[1].value.isidentifier() and e.args:
            # setattr(cfg, "batch_first", True) is cfg.batch_first = True
            self.assign(cst.Attribute(value=e.args[0].value, attr=cst.Name(args[1].value)),
                        args[2], env)
            return Const(None)
        if name == "vars" and len(args) == 1 and isinstance(args[0], Int) and args[0].param:
            return args[0]  # a caller's value's ``__dict__``: its items, read or stored by key
        if name in ("setattr", "vars", "delattr") and e.args:
            # vars(cfg) can change cfg through its __dict__: cfg is no longer known
            if isinstance(args[0], Record):
                # (and so does every other holder of it)
                self.record_stores.append(
                    (args[0], Record(tuple((k, UNKNOWN) for k, _v in args[0].fields))))
                self.rebind(e.args[0].value, UNKNOWN, env)
            elif isinstance(args[0], Int) and args[0].param:
                # a caller's value: none of it is known
                store_item(self.stored_items, args[0].param)
            return UNKNOWN
        if name == "dict":
            return namespace_record(args, kwargs)
        return UNKNOWN


def _zip_repeated(seqs: list[Seq]) -> Value:
    """zip of sequences one of which is known only as n copies of an element: n pairs."""
    elems: list[Value] = []
    lengths: list[Expr | None] = []
    for sq in seqs:
        if sq.repeated is not None:
            elems.append(sq.repeated)
            lengths.append(sq.length)
            continue
        if not sq.items:
            return Seq(())
        one = sq.items[0]
        for x in sq.items[1:]:
            one = join(one, x)
        elems.append(one)
        lengths.append(const(len(sq.items)))
    n: Expr | None = lengths[0]
    for m in lengths[1:]:
        if n is None or m is None or n != m:
            n = None
            break
    return Seq((), False, Seq(tuple(elems)), n)


def sequential_items(v: Value) -> Value:
    """An ``nn.Sequential`` whose modules are all known, as the sequence it iterates over."""
    if isinstance(v, L.Layer) and v.kind == "Sequential" and v.children \
            and all(isinstance(c, L.Layer | Obj) for c in v.children):
        return Seq(tuple(v.children))
    if isinstance(v, Record):  # a dict iterates over its keys
        return Seq(tuple(Const(k) for k, _ in v.fields))
    if isinstance(v, Obj) and isinstance(v.attrs.get(LIST_ITEMS), Seq):
        return v.attrs[LIST_ITEMS]  # an object of a class extending nn.ModuleList
    return v


def tensor_rows(it: Core, x: Value, node: cst.CSTNode) -> Seq | None:
    """Iterating a tensor gives its rows ``x[i]``, as many as its first axis is long (None
    when its shape is not known well enough to say)."""
    if not isinstance(x, Tensor) or x.shape is None or x.shape.star or not x.shape.dims:
        return None
    return Seq((), False, it.index_value(x, [Int(None)], node), x.shape.dims[0])


#: the only torch.nn subclasses of those classes (checked against torch 2.13)
_LEAF_SUBCLASSES = {"Conv1d": {"LazyConv1d"}, "Conv2d": {"LazyConv2d"}, "Conv3d": {"LazyConv3d"},
                    "Linear": {"LazyLinear"}, "ConstantPad1d": {"ZeroPad1d"}}
#: torch layer classes whose instances are known exactly (checked against torch)
_LEAF_LAYERS = frozenset("""Conv1d Conv2d Conv3d MaxPool1d MaxPool2d AvgPool1d AvgPool2d Linear
    Embedding LSTM GRU RNN LSTMCell GRUCell RNNCell BatchNorm1d BatchNorm2d LayerNorm Dropout ReLU
    Tanh Sigmoid Sequential Softmax LogSoftmax GELU ELU LeakyReLU Identity Flatten
    MultiheadAttention GLU AdaptiveAvgPool1d AdaptiveMaxPool1d ConstantPad1d""".split())


#: the Python types ``isinstance`` is decided for, on values the engine knows the kind of
_PY_CLASSES: dict[str, type] = {"tuple": tuple, "list": list, "int": int, "float": float,
                                 "str": str, "dict": dict, "bool": bool, "set": set}
_PY_TYPES = frozenset(_PY_CLASSES)


#: bases of a project class whose instances are never tensors (nor packed sequences)
_PLAIN_BASES = frozenset({"object", "typing.NamedTuple", "NamedTuple", "tuple", "list", "dict",
                          "Exception", "enum.Enum", "abc.ABC"})


def isinstance_of(v: Value, t: Value) -> Value:
    """``isinstance(v, t)`` when the kind of ``v`` decides it (a tensor is not a tuple), else
    unknown."""
    if isinstance(t, Seq) and t.repeated is None and t.items:
        answers = [isinstance_of(v, x) for x in t.items]
        if any(isinstance(a, Const) and a.value is True for a in answers):
            return Const(True)
        if all(isinstance(a, Const) and a.value is False for a in answers):
            return Const(False)
        return UNKNOWN
    py = t.name if isinstance(t, Builtin) and t.name in _PY_TYPES else None
    qual = t.qual if isinstance(t, Ref) else None
    if isinstance(v, L.Layer):
        if qual == "torch.nn.Module":
            return Const(True)
        cls = qual[len("torch.nn."):] if qual is not None and qual.startswith("torch.nn.") else None
        if cls in _LEAF_LAYERS:
            # the classes that are instances of cls are known exactly: itself and its lazy
            # variants; a layer whose class is one of several (RNNBase) must be decided by all
            kinds = {"RNN", "GRU", "LSTM"} if v.kind == L.ANY_RNN else {v.kind}
            instances = {cls} | _LEAF_SUBCLASSES.get(cls, set())
            if kinds <= instances:
                return Const(True)
            if not kinds & instances:
                return Const(False)
            return UNKNOWN
        if py is not None or qual == "torch.Tensor":
            return Const(False)
        return UNKNOWN
    if isinstance(v, Tensor):
        if py is not None or qual == "torch.nn.utils.rnn.PackedSequence":
            return Const(False)
        if qual == "torch.Tensor":
            return Const(True)
        return UNKNOWN
    if isinstance(v, Packed):
        if qual == "torch.nn.utils.rnn.PackedSequence" or py == "tuple":
            return Const(True)  # a PackedSequence is a named tuple
        if qual == "torch.Tensor" or py in ("list", "int", "float", "str", "dict", "bool", "set"):
            return Const(False)
        return UNKNOWN
    if isinstance(v, Const) and (v.value is None or isinstance(v.value, bool | int | float | str)):
        # a Python constant: its own type decides, and it is no torch object
        if py is not None:
            return Const(isinstance(v.value, _PY_CLASSES[py]))
        return Const(False) if qual is not None and qual.startswith("torch.") else UNKNOWN
    if isinstance(v, Seq):
        if py in ("tuple", "list"):
            return Const(v.is_list == (py == "list"))
        if py is not None or qual in ("torch.Tensor", "torch.nn.utils.rnn.PackedSequence"):
            return Const(False) if py != "tuple" else UNKNOWN
        return UNKNOWN
    return UNKNOWN


def _counted(args: list[Value]) -> list[Value]:
    """``zip``'s arguments with each range of known bounds, and each endless
    ``itertools.count(start)`` when the others are lists of known length, as the list of its
    numbers (as many as the shortest other list)."""
    sized = [len(a.items) for a in args if isinstance(a, Seq) and a.repeated is None]
    out: list[Value] = []
    for a in args:
        if isinstance(a, RangeVal) and a.start is not None and a.start.as_int() is not None:
            first = a.start.as_int()
            n = a.length.as_int() if a.length is not None else None
            if a.endless and sized and len(sized) == len(args) - sum(
                    1 for b in args if isinstance(b, RangeVal) and b.endless):
                n = min(sized)
            elif a.endless:
                n = None
            if n is not None and 0 <= n <= 4096 and first is not None:
                out.append(Seq(tuple(Int(const(first + i)) for i in range(n))))
                continue
        out.append(a)
    return out


_STR_METHODS: dict[str, Callable[[str], str]] = {"lower": str.lower, "upper": str.upper, "strip": str.strip,
                "capitalize": str.capitalize, "title": str.title, "casefold": str.casefold}


def str_method(text: str, name: str, args: list[Value]) -> Value:
    if name in _STR_METHODS and not args:
        return Const(_STR_METHODS[name](text))
    if name == "format":
        # 'highway_linear{}'.format(i) with i known: the name it makes
        vals: list[object] = []
        for a in args:
            k = a.expr.as_int() if isinstance(a, Int) and a.expr is not None else None
            if k is not None:
                vals.append(k)
            elif isinstance(a, Const) and type(a.value) in (str, int, float, bool):
                vals.append(a.value)
            else:
                return UNKNOWN
        try:
            return Const(text.format(*vals))
        except (IndexError, KeyError, ValueError, AttributeError, TypeError):
            return UNKNOWN
    if name in ("startswith", "endswith") and len(args) == 1 and isinstance(args[0], Const) \
            and isinstance(args[0].value, str):
        return Const(getattr(text, name)(args[0].value))
    return UNKNOWN


def _may_set(c: ClassInfo, f: FileModel, attr: str) -> bool:
    """May a method of ``c`` other than ``__init__`` set ``self.<attr>`` (an assignment,
    ``setattr``, ``__dict__``, ``__getattr__``/``__setattr__``, ``add_module``,
    ``register_*``)?  The file's text first: a method's code, generated again, only where it
    may match; the answer remembered per class and name (each pass and analysis of a class
    asks again, and generating the methods' code was 1 % of a cold run)."""
    answers = _SETS.get(c.node)
    if answers is None:
        answers = _SETS.put(c.node, {})
    known = answers.get(attr)
    if known is None:
        pattern = re.compile(rf"\bself\.{re.escape(attr)}\s*(=[^=]|:)|setattr|__dict__|"
                             r"__getattr__|__setattr__|add_module|register_")
        known = answers[attr] = pattern.search(f.text) is not None and any(
            pattern.search(code) for code in _methods_code(c, f))
    return known


def _methods_code(c: ClassInfo, f: FileModel) -> list[str]:
    """The code of each method of ``c`` but ``__init__``, generated once per class."""
    code = _CODE.get(c.node)
    if code is None:
        code = _CODE.put(c.node, [f.module.code_for_node(fn) for name, fn in c.methods.items()
                                  if name != "__init__"])
    return code


#: per class node: attribute name -> may a method other than ``__init__`` set it
_SETS: NodeMemo[cst.ClassDef, dict[str, bool]] = NodeMemo()
#: per class node: the code of its methods but ``__init__``
_CODE: NodeMemo[cst.ClassDef, list[str]] = NodeMemo()
