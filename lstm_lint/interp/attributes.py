"""Attributes: ``obj.name`` of every value the interpreter knows (a configuration record, an
instance and its class, ``super()``, a layer's parameters, a tensor's ``shape``, ``T``,
``ndim``, a module or a sequence's methods), and a tensor's sizes (``x.shape``, ``x.size(k)``).
"""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from .. import layers as L
from .. import ops
from ..extract import canonical
from ..symbolic import Expr, const
from ..values import (
    UNKNOWN,
    Const,
    Distribution,
    Flag,
    Int,
    Packed,
    Record,
    Seq,
    Shape,
    Tensor,
    Value,
    int_of,
)
from .caller_stores import DICT_STORES, caller_item
from .core import Core
from .objects import (
    MODULE_SELF,
    TORCH_LAYER,
    ArgParser,
    ClassRef,
    FuncRef,
    Method,
    Obj,
    Ref,
    SuperVal,
    TorchBase,
)
from .regex import Match
from .rpc import RemoteRef


class Attributes(Core):
    """``base.attr`` and a tensor's sizes."""

    def attribute(self, base: Value, attr: str, node: cst.CSTNode) -> Value:
        if isinstance(base, Record):
            got = base.get(attr)
            if got is not None:
                return got
            return Method(base, attr) if attr in ("get", "keys", "items", "values", "update",
                                                  "setdefault", "pop", "clear", "copy") \
                else UNKNOWN
        if isinstance(base, ArgParser | RemoteRef | Match):
            return Method(base, attr)
        if isinstance(base, Distribution):
            if attr in ("mean", "stddev", "variance", "loc", "scale", "mode"):
                return base.batch
            if attr in ("sample", "rsample", "log_prob", "cdf", "icdf", "entropy"):
                return Method(base, attr)
            return UNKNOWN
        if isinstance(base, Ref):
            return Ref(canonical(f"{base.qual}.{attr}"))
        if isinstance(base, Obj):
            if attr in base.attrs:
                return base.attrs[attr]
            tl = base.attrs.get(TORCH_LAYER)
            if isinstance(tl, L.Layer) and attr in tl.params:
                return tl.params[attr]
            found = self.class_attribute(base.cls, base.fm, attr)
            if isinstance(found, FuncRef):
                if _is_property(found.fn):
                    # a @property: reading it runs it
                    return self.call_function(found.fn, found.fm, [], {}, bound=base)
                return replace(found, bound=base)
            if found is None and attr in MODULE_SELF and base.cls.is_module:
                return Method(base, attr)
            return found if found is not None else UNKNOWN
        if isinstance(base, SuperVal):
            found = self.class_attribute(base.obj.cls, base.obj.fm, attr, after=base.owner)
            if isinstance(found, FuncRef):
                return replace(found, bound=base.obj)
            if found is None and attr in ("__init__", "forward"):
                kind = self.torch_base(base.obj.cls, base.obj.fm)
                if kind is not None:  # the torch layer the class extends
                    return TorchBase(base.obj, kind, attr)
                if attr == "__init__" and any(
                        canonical(b) == "torch.nn.ModuleList"
                        for c, _f in self.mro(base.obj.cls, base.obj.fm) for b in c.bases):
                    return TorchBase(base.obj, "ModuleList", attr)
            return found if found is not None else UNKNOWN
        if isinstance(base, ClassRef):
            found = self.class_attribute(base.cls, base.fm, attr)
            return found if found is not None else UNKNOWN
        if isinstance(base, Tensor):
            if attr == "shape":
                return self.size_of(base, None)
            if attr in ("T", "mT") and base.shape is not None and not base.shape.star \
                    and len(base.shape.dims) == 2:
                return ops.transpose(base, const(0), const(1))
            if attr in ("data", "real"):
                return base
            if attr == "ndim":
                r = base.shape.rank if base.shape is not None else None
                return Int(const(r) if r is not None else None)
            if attr in ("dtype", "device", "is_cuda", "requires_grad", "grad"):
                return UNKNOWN
            return Method(base, attr)
        if isinstance(base, Packed):
            if attr == "data":
                return Tensor(None, base.data.dtype)
            return Method(base, attr) if attr in ("to", "cuda", "cpu") else UNKNOWN
        if isinstance(base, L.Layer):
            if base.kind in ("Conv1d", "Conv2d") and attr in _CONV_PAIRS:
                # torch keeps these as tuples, one per spatial axis, whatever was passed
                n = int(base.kind[-2])
                v = base.p(attr)
                if isinstance(v, Seq) and v.repeated is None and len(v.items) == n:
                    return v
                if isinstance(v, Int) or isinstance(v, Const) and isinstance(v.value, int) \
                        and not isinstance(v.value, bool):
                    return Seq(tuple(v for _ in range(n)))
                return UNKNOWN
            if attr in base.params:
                return base.params[attr]
            if attr == "weight" and base.kind == "Embedding":
                return Tensor(Shape((base.size("num_embeddings"), base.size("embedding_dim"))),
                              "float")
            if attr == "weight" and base.kind == "Linear":
                return Tensor(Shape((base.size("out_features"), base.size("in_features"))),
                              "float")
            if attr in ("forward", "__call__"):
                return base
            if attr in MODULE_SELF:
                return Method(base, attr)
            if attr == "from_pretrained" and base.kind == "Embedding":
                return Ref("torch.nn.Embedding.from_pretrained")  # a classmethod
            if base.kind in ("Sequential", "ModuleList", "ModuleDict") and attr in (
                    "add_module", "append", "extend", "insert", "register_module", "update",
                    "pop"):
                return Method(base, attr)
            return UNKNOWN
        if isinstance(base, Int) and base.param:
            if attr in DICT_STORES:
                return Method(base, attr)  # ``cfg.update(...)``: a store into a caller's value
            if attr == "__dict__":
                return base  # ``args.__dict__["k"]`` is ``args.k``
            return caller_item(self.stored_items, f"{base.param}.{attr}")
        if isinstance(base, Seq):
            if attr in ("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
                        "copy"):
                return Method(base, attr)
            if attr in ("values", "indices") and base.repeated is None and len(base.items) == 2:
                return base.items[0 if attr == "values" else 1]
            return UNKNOWN
        if isinstance(base, Int | Const | Flag) and attr in ("item", "__int__"):
            return Method(base, attr)
        if isinstance(base, Const) and isinstance(base.value, str):
            return Method(base, attr)
        if base is UNKNOWN and attr in ("new_zeros", "new_ones", "new_empty", "new_full",
                                        "permute"):
            return Method(base, attr)  # only tensors have these: the sizes given are known
        return UNKNOWN

    def size_of(self, t: Tensor, dim: Value | None) -> Value:
        if t.shape is None and dim is not None:
            k = int_of(dim)
            kc = k.as_int() if k is not None else None
            if kc is not None and (held := self.hole_axis(t, kc)) is not None:
                return held
        if t.shape is None or t.shape.star:
            if dim is not None and t.shape is not None and int_of(dim) is not None:
                d = int_of(dim)
                assert d is not None
                dc = d.as_int()
                if dc is not None and dc < 0 and -dc <= len(t.shape.dims):
                    return _size_int(t.shape.dims[dc], t.role(dc) if t.roles else None)
            if dim is None and t.shape is None and t.hole is not None and not t.hole[1]:
                return Seq((), False, Int(None), None, sizes_of=t)
            return Int(None) if dim is not None else Seq((), False, Int(None), None)
        dims = t.shape.dims
        roles = t.roles or (None,) * len(dims)
        if dim is None:
            return Seq(tuple(_size_int(d, r) for d, r in zip(dims, roles, strict=True)),
                       torch_size=True)
        i = int_of(dim)
        ic = i.as_int() if i is not None else None
        if ic is None or not -len(dims) <= ic < len(dims):
            return Int(None)
        return _size_int(dims[ic], roles[ic])


_CONV_PAIRS = frozenset({"kernel_size", "stride", "padding", "dilation"})


def _is_property(fn: cst.FunctionDef) -> bool:
    return any(isinstance(d.decorator, cst.Name) and d.decorator.value == "property"
               for d in fn.decorators)


def _size_int(d: Expr | None, role: str | None) -> Int:
    return Int(d, role=role)
