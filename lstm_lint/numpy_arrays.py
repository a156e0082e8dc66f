"""The few NumPy calls that size a tensor a model is built from.

Real models build a pretrained embedding's weights in NumPy and hand them to torch::

    unknown_word = np.zeros((1, embed_size))
    weights = torch.from_numpy(np.concatenate([unknown_word, table], axis=0).astype(np.float32))
    self.lookup = nn.Embedding.from_pretrained(weights)

An array is shaped as a tensor is, so it is a :class:`~lstm_lint.values.Tensor` marked
:data:`NDARRAY` (``what``).  Only what is modelled here keeps the mark's shape: ``np.zeros``,
``np.ones``, ``np.empty``, ``np.full``, ``np.concatenate`` and ``np.stack`` along a given axis,
and the array methods :data:`KEEPING` that keep the shape; any other method of an array
(NumPy's ``max``, ``repeat``, ``transpose``, ``size`` differ from torch's) is unknown.
``torch.from_numpy``, ``torch.tensor``, ``torch.as_tensor``, ``torch.Tensor`` and the typed
constructors turn an array into a tensor of the same shape (:func:`to_tensor`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .symbolic import const
from .values import UNKNOWN, Int, Seq, Tensor, Value

if TYPE_CHECKING:
    import libcst as cst

    from .interp.core import Core

#: ``Tensor.what`` of a NumPy array
NDARRAY = "ndarray"
#: array methods that keep the shape (``astype`` changes only the element type)
KEEPING = frozenset({"astype", "copy"})
_FACTORIES = frozenset({"zeros", "ones", "empty", "full"})
_JOINS = {"concatenate": "cat", "stack": "stack"}
#: a torch constructor of an array: its element type (None: the array's)
_TO_TENSOR = {"from_numpy": None, "tensor": None, "as_tensor": None, "Tensor": "float",
              "FloatTensor": "float", "DoubleTensor": "float", "LongTensor": "int",
              "IntTensor": "int", "BoolTensor": "bool", "ByteTensor": "int"}


def is_array(v: Value) -> bool:
    return isinstance(v, Tensor) and v.what == NDARRAY


def _array(v: Value, dtype_known: bool) -> Value:
    if not isinstance(v, Tensor) or v.shape is None:
        return UNKNOWN
    return v.with_(what=NDARRAY, dtype=v.dtype if dtype_known else None)


def call(it: Core, name: str, args: list[Value], kwargs: dict[str, Value], e: cst.Call
         ) -> Value:
    """``numpy.<name>(...)``: an array of known shape, or unknown."""
    from . import torchfns

    if name in _FACTORIES:
        n_args = 2 if name == "full" else 1
        if len(args) != n_args or not set(kwargs) <= {"dtype"}:
            return UNKNOWN
        shape = args[0]
        sizes = list(shape.items) if isinstance(shape, Seq) and shape.repeated is None \
            else [shape]
        if not sizes or not all(isinstance(s, Int) for s in sizes):
            return UNKNOWN
        made = torchfns.call(it, f"torch.{name}", [shape, *args[1:]], {}, e)
        return _array(made, "dtype" not in kwargs)
    if name in _JOINS and args and len(args) <= 2 and set(kwargs) <= {"axis"}:
        axis = args[1] if len(args) == 2 else kwargs.get("axis", Int(const(0)))
        if not isinstance(axis, Int):  # (``axis=None`` joins the arrays flattened)
            return UNKNOWN
        joined = torchfns.call(it, f"torch.{_JOINS[name]}", [args[0], axis], {}, e)
        return _array(joined, True)
    return UNKNOWN


def method(it: Core, recv: Tensor, name: str, args: list[Value], e: cst.Call) -> Value:
    """A method of an array: the shape kept by :data:`KEEPING`, otherwise unknown."""
    if name not in KEEPING or len(args) > 1:
        return UNKNOWN
    out = recv.with_(dtype=None) if name == "astype" else recv
    return it.record("call", e, [recv], out, label=name)


def to_tensor(it: Core, name: str, args: list[Value], kwargs: dict[str, Value], e: cst.Call
              ) -> Value | None:
    """``torch.from_numpy(a)`` and friends of one array: a tensor of its shape; None when the
    call is not one of them."""
    if name not in _TO_TENSOR or len(args) != 1 or not is_array(args[0]) \
            or not set(kwargs) <= {"dtype", "device", "requires_grad"}:
        return None
    a = args[0]
    assert isinstance(a, Tensor)
    dtype = None if "dtype" in kwargs else _TO_TENSOR[name] or a.dtype
    return it.record("call", e, [a], a.with_(what=None, dtype=dtype), label=f"torch.{name}")
