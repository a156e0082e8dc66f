"""Step 5: infer shapes by abstract interpretation of ``__init__`` and ``forward``.

``__init__`` is run with the constructor's parameters as symbols (or with concrete arguments),
which builds the module's layers; ``forward`` is then run on symbolic inputs.  Inputs start as
*holes*: the first layer that consumes one tells its layout (``(B, T, input_size)`` for a
``batch_first`` LSTM), and a second pass runs with those shapes.  Every layer call and tensor
operation is recorded in the :class:`~lstm_lint.dataflow.Dataflow` graph with its shapes and
the conflicts the layer facts reported.

The interpreter is one class composed of a mixin per job; the jobs live in
:mod:`lstm_lint.interp` (see its docstring for the map).
"""

from __future__ import annotations

from .interp.builtins import Builtins
from .interp.calls import Calls
from .interp.classes import Classes
from .interp.config import Configuration
from .interp.core import MAX_DEPTH, MAX_STEPS, Budget
from .interp.expressions import Expressions
from .interp.joins import join, join_expr, truth
from .interp.methods import Methods
from .interp.objects import (
    BUILTINS,
    SPLAT,
    TORCH_LAYER,
    ArgParser,
    Builtin,
    ClassRef,
    Env,
    FuncRef,
    Instantiation,
    Method,
    Obj,
    RangeVal,
    Ref,
    SuperVal,
    TorchBase,
)
from .interp.operators import Operators
from .interp.statements import Statements

__all__ = [
    "BUILTINS", "MAX_DEPTH", "MAX_STEPS", "SPLAT", "TORCH_LAYER", "ArgParser", "Budget", "Builtin",
    "ClassRef", "Env", "FuncRef", "Instantiation", "Interpreter", "Method", "Obj", "RangeVal",
    "Ref", "SuperVal", "TorchBase", "join", "join_expr", "truth",
]


class Interpreter(Statements, Expressions, Operators, Calls, Methods, Builtins, Classes,
                  Configuration):
    """Runs one analysis (a module class, or a file's script code) and fills a graph."""
