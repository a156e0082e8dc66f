"""``--confirm``'s plan of a class, its forward inputs: those the user gives
(``[tool.lstm-lint.confirm]``, with the engine's sizes they fix), else the analysis's shapes of
them (sizes as the engine names them, a witness for an argument it left open), else why there
are none.  Nothing here runs user code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import libcst as cst

from .analyze import ModuleShapes
from .confirm_params import literal_default
from .confirm_values import Given, given_sizes
from .confirm_witness import Witness, none_witness, reshape_witness, with_witness_sizes
from .dataflow import Dataflow
from .extract import ClassInfo, FileModel
from .given_values import SOURCE, input_text
from .infer import Interpreter
from .interp.core import Budget
from .symbolic import Expr
from .values import UNKNOWN, Const, Tensor, Value

if TYPE_CHECKING:
    from .confirm_plan import ClassPlan


def _dim(d: Expr | None) -> int | str | None:
    if d is None:
        return None
    v = d.as_int()
    return v if v is not None else str(d)


def given_inputs(plan: ClassPlan, given: Given, interp: Interpreter, fm: FileModel
                  ) -> ClassPlan:
    """The plan's forward inputs: those ``[tool.lstm-lint.confirm]`` gives."""
    import copy

    assert given.inputs is not None and plan.static is not None
    plan.why_no_inputs = ""
    plan.witnesses = []  # (of arguments before one the analysis could not give)
    plan.inputs = copy.deepcopy(given.input_specs)
    fwd = interp.find_method(plan.cls, fm, "forward")
    names = [p.name.value for p in fwd[0].params.params][1:] if fwd else []
    plan.given_inputs = [f"{names[i] if i < len(names) else f'input {i + 1}'} "
                         f"{input_text(spec)}" for i, spec in enumerate(given.inputs)]
    plan.given_env = given_sizes(plan.static.inputs, plan.inputs, plan.env)
    plan.constraints = []  # the user's sizes are the user's: nothing to choose
    return plan


def own_inputs(plan: ClassPlan, interp: Interpreter, fm: FileModel, symbolic: ModuleShapes,
                source: str) -> ClassPlan:
    """The plan's forward inputs as the analysis's shapes give them (or a witness), else
    why there are none."""
    cls, static = plan.cls, plan.static
    assert static is not None
    init = interp.find_method(cls, fm, "__init__")
    params = list(init[0].params.params)[1:] + list(init[0].params.kwonly_params) \
        if init else []
    specs: list[Any] = []
    fwd = interp.find_method(cls, fm, "forward")
    if fwd is None:
        plan.why_no_inputs = "it has no forward method (a base class?)"
        return plan
    fwd_params = list(fwd[0].params.params)[1:]
    for i, p in enumerate(fwd_params):
        name = p.name.value
        v = symbolic.inputs[i] if i < len(symbolic.inputs) else UNKNOWN
        if i < len(static.inputs) and (not _known_tensor(v) or source.endswith(SOURCE)
                                       and _known_tensor(static.inputs[i])):
            # (with the user's values, the analysis under them: a size the symbolic run
            # names after a parameter, state_shape, may be a list there, [4], whose
            # product the analysis under the values knows)
            v = static.inputs[i]
        if isinstance(v, Const) and v.value is None:
            specs.append(None)
            continue
        if not isinstance(v, Tensor) or v.shape is None or v.shape.star:
            if p.default is not None:
                specs.append({"value": literal_default(p)} if literal_default(p) is not UNKNOWN
                             else None)
                continue
            if "len" in name and specs:
                specs.append({"tensor": ["B"], "dtype": "int", "lengths": "T"})
                continue
            found = _witness(interp, cls, fm, init, params, fwd, name)
            if isinstance(found, Witness):
                specs.append(found.spec)
                plan.witnesses.append(found)
                continue
            plan.why_no_inputs = f"the shape of forward argument {name!r} is unknown" \
                + (f" ({found})" if found else "")
            return plan
        dims = [_dim(d) for d in v.shape.dims]
        if None in dims:
            plan.why_no_inputs = f"a size of forward argument {name!r} is unknown"
            return plan
        spec: dict[str, Any] = {"tensor": dims, "dtype": "int" if v.dtype == "int" else "float"}
        if v.dtype == "int":
            spec["high"] = 2  # token ids 0 and 1: inside any vocabulary the model builds
            if "len" in name:
                spec["lengths"] = "T"
        specs.append(spec)
    plan.inputs = specs
    if plan.witnesses:
        # the engine's names for a witnessed argument's sizes (x_dim0) are the witness's
        plan.constraints = [with_witness_sizes(c, plan.witnesses) for c in plan.constraints]
    return plan


def _witness(interp: Interpreter, cls: ClassInfo, fm: FileModel, init: Any,
             params: list[Any], fwd: tuple[cst.FunctionDef, FileModel], name: str
             ) -> Witness | str:
    """A witness input for forward argument ``name`` whose shape the engine left open (see
    :mod:`~lstm_lint.confirm_witness`), else why there is none ("" when not even tried)."""
    if init is None:
        return ""
    try:
        _a, kw = interp.symbolic_params(init[0], init[1])
        obj = Interpreter(fm, Dataflow(), interp.project).instantiate(cls, fm, [], kw)
    except (Budget, RecursionError):
        return ""
    attrs = dict(obj.attrs)
    found = reshape_witness(fwd[0], name, attrs, {p.name.value for p in params}, fwd[1].module)
    if isinstance(found, Witness):
        return found
    state = none_witness(fwd[0], name, attrs, fwd[1].module)
    return state if isinstance(state, Witness) else f"{found}; {state}"


def _known_tensor(v: Value) -> bool:
    return isinstance(v, Tensor) and v.shape is not None and not v.shape.star \
        and None not in v.shape.dims
