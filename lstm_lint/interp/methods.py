"""Methods: a call ``recv.name(...)`` by what ``recv`` is (a list, a string, a caller's
configuration, a container of layers, a distribution, a regex match, a tensor: handed to
:mod:`lstm_lint.torchfns`), and ``nn.Embedding.from_pretrained``."""

from __future__ import annotations

import libcst as cst

from .. import layers as L
from .. import ops
from ..values import (
    UNKNOWN,
    Choice,
    Const,
    Distribution,
    Int,
    Record,
    Seq,
    Shape,
    Tensor,
    Value,
    int_of,
)
from .builtins import str_method
from .caller_stores import BATCH_STORES, DICT_STORES, batch_method, caller_method
from .core import Core
from .joins import join, one_of
from .objects import MODULE_SELF, ArgParser, Env, Obj
from .record_stores import copied, swap_holders
from .regex import Match, match_method
from .rpc import VALUE_METHODS, RemoteRef

#: the list methods that change the list in place
_LIST_CHANGES = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "sort",
                           "reverse"})


_INPLACE_LAYOUT = frozenset({"transpose_", "t_", "unsqueeze_", "squeeze_", "swapaxes_",
                             "swapdims_", "resize_", "resize_as_", "as_strided_"})


class Methods(Core):
    """Calls of methods on values that are not user objects."""

    def embedding_from_pretrained(self, args: list[Value], kwargs: dict[str, Value],
                                  e: cst.Call) -> Value:
        """``nn.Embedding.from_pretrained(weights)``: an embedding as wide as the weights' second
        axis (unknown when the weights' shape is)."""
        w = args[0] if args else kwargs.get("embeddings", UNKNOWN)
        rows, cols = Int(None), Int(None)
        if isinstance(w, Tensor) and w.shape is not None and not w.shape.star \
                and len(w.shape.dims) == 2:
            rows, cols = Int(w.shape.dims[0]), Int(w.shape.dims[1])
        known = {p for p, _d in L.SIGNATURES["Embedding"]}
        params = L.bind_arguments("Embedding", [rows, cols],
                                  {k: v for k, v in kwargs.items() if k in known
                                   and k not in ("num_embeddings", "embedding_dim")})
        layer = L.Layer("Embedding", params, e)
        layer.node = self.graph.op(self.context, e, "build", "Embedding", self.fm, layer=layer)
        return layer

    def call_method(self, recv: Value, name: str, args: list[Value], kwargs: dict[str, Value],
                    e: cst.Call, env: Env) -> Value:
        if isinstance(recv, Distribution):
            return self._distribution_method(recv, name, args, kwargs, e)
        if isinstance(recv, L.Layer | Obj) and name in MODULE_SELF:
            return recv  # module.to(device) / .eval() / .cuda(): the module itself
        if isinstance(recv, RemoteRef):
            return recv.value if name in VALUE_METHODS and not args and not kwargs else UNKNOWN
        if isinstance(recv, Match):
            return match_method(recv, name, args, kwargs)
        if isinstance(recv, Seq):
            if name == "copy" and not args and not kwargs and recv.is_list:
                made = copied(recv)
                return made if made is not None else UNKNOWN
            if name in _LIST_CHANGES and isinstance(e.func, cst.Attribute) \
                    and isinstance(e.func.value, cst.Subscript):
                # a list in a dict or list (``wide["sizes"].append(32)``) may be shared with
                # another one (``wide = cfg.copy()``): whatever else holds it changed in a
                # way not followed (the holder named here gets the list changed, below)
                swap_holders({id(recv): UNKNOWN}, self.selves, env)
            if name == "append" and args and isinstance(e.func, cst.Attribute):
                if recv.repeated is None:
                    new = Seq((*recv.items, args[0]), True)
                elif recv.tail is not None and recv.length is not None:
                    new = Seq((), True, join(recv.repeated, args[0]), recv.length + 1,
                              head=recv.head, tail=join(recv.tail, args[0]))
                else:
                    new = Seq((), True, join(recv.repeated, args[0]),
                              recv.length + 1 if recv.length is not None else None)
                self.rebind(e.func.value, new, env)
            elif name == "extend" and len(args) == 1 and not kwargs \
                    and isinstance(e.func, cst.Attribute) and recv.repeated is None \
                    and isinstance(args[0], Seq) and args[0].repeated is None:
                # a known list extended by known items: those items after its own
                self.rebind(e.func.value, Seq((*recv.items, *args[0].items), True), env)
            elif name in ("extend", "insert") and isinstance(e.func, cst.Attribute):
                self.rebind(e.func.value, UNKNOWN, env)
            elif name in ("pop", "remove", "clear", "sort", "reverse") \
                    and isinstance(e.func, cst.Attribute):
                # the list changed in a way not followed (its order or length): forget it
                self.rebind(e.func.value, UNKNOWN, env)
                return UNKNOWN
            return Const(None)
        if isinstance(recv, Tensor) and recv.hole is not None and recv.shape is None \
                and not recv.hole[1] and name in BATCH_STORES:
            # ``batch.update(x=...)`` of a forward input read as a dict batch
            return batch_method(self.stored_items, recv.hole[0], name, args, kwargs)
        if isinstance(recv, Int) and recv.param and name in DICT_STORES:
            # ``cfg.update(hidden=32)``, ``args.__setattr__("k", v)`` of a caller's value
            return caller_method(self.stored_items, recv.param, name, args, kwargs)
        if isinstance(recv, Int | Const) and name == "item":
            return recv
        if isinstance(recv, Const) and isinstance(recv.value, str):
            return str_method(recv.value, name, args)
        if isinstance(recv, Choice):  # one of several strings: the method on each of them
            outs = [str_method(o, name, args) for o in recv.options]
            strs = tuple(dict.fromkeys(o.value for o in outs
                                       if isinstance(o, Const) and isinstance(o.value, str)))
            if len(strs) == len(outs):
                return one_of(strs)
            return UNKNOWN
        if isinstance(recv, L.Layer) and recv.kind in ("Sequential", "ModuleList", "ModuleDict"):
            # a container filled after it was built: follow add_module/append, or stop
            # knowing what it runs
            if name == "add_module" and len(args) >= 2 and recv.kind == "Sequential":
                recv.children.append(args[1])
                return Const(None)
            if name == "append" and args and recv.kind == "Sequential":
                recv.children.append(args[0])
                return recv
            if name in ("add_module", "append", "extend", "insert", "register_module",
                        "update", "pop", "__setitem__", "__delitem__"):
                recv.children.append(UNKNOWN)
                return Const(None)
        if isinstance(recv, ArgParser | Record):
            return self.config_method(recv, name, args, kwargs, e, env)
        from .. import numpy_arrays, torchfns

        if isinstance(recv, Tensor) and recv.what == numpy_arrays.NDARRAY:
            return numpy_arrays.method(self, recv, name, args, e)
        out = torchfns.method(self, recv, name, args, kwargs, e)
        if name in _INPLACE_LAYOUT and isinstance(e.func, cst.Attribute):
            # x.transpose_(1, 2) changes x itself: later reads of x see the new layout
            self.rebind(e.func.value, out if isinstance(out, Tensor) else UNKNOWN, env)
        return out

    def _distribution_method(self, d: Distribution, name: str, args: list[Value],
                             kwargs: dict[str, Value], e: cst.Call) -> Value:
        """``rsample()``/``sample(shape)`` give ``shape + batch``; ``log_prob(x)``/``cdf(x)``
        the broadcast of ``x`` with the batch; ``entropy()`` the batch."""
        if name in ("sample", "rsample"):
            given = args[0] if args else kwargs.get("sample_shape", Seq(()))
            if not isinstance(given, Seq) or given.repeated is not None or len(args) > 1:
                return UNKNOWN
            dims = [int_of(i) for i in given.items]
            if any(x is None for x in dims) or d.batch.shape is None:
                return UNKNOWN
            return d.batch.with_(shape=Shape((*dims, *d.batch.shape.dims), d.batch.shape.star),
                                 roles=None)
        if name in ("log_prob", "cdf", "icdf") and len(args) == 1 and not kwargs:
            out = ops.broadcast(args[0], d.batch)
            return out if isinstance(out, Tensor) else UNKNOWN
        if name == "entropy" and not args and not kwargs:
            return d.batch
        return UNKNOWN
