"""A class job's constructor arguments.

The values the parent planned (a placeholder where it has none), or the file's own call (or
that of a script beside it) evaluated among that file's definitions, whole or argument by
argument; and the constructor's parameters as the arguments bind them.
"""

from __future__ import annotations

import inspect
import os
import sys
from typing import Any

from .confirm_load import PRIVATE, load_definitions
from .confirm_standins import LstmLintConfig, LstmLintNoValue, LstmLintRecord
from .given_values import EXPR, TENSOR


def bound_params(cls: Any, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The constructor's parameters as the call binds them, defaults included."""
    try:
        bound = inspect.signature(cls).bind(*args, **kwargs)
        bound.apply_defaults()
    except (TypeError, ValueError):
        return dict(kwargs)
    out: dict[str, Any] = {}
    for k, v in bound.arguments.items():
        if isinstance(v, dict) and inspect.signature(cls).parameters[k].kind \
                == inspect.Parameter.VAR_KEYWORD:
            out.update(v)
        else:
            out[k] = v
    return out


def with_flags(cls: Any, args: list[Any], kwargs: dict[str, Any], flags: dict[str, Any]
               ) -> tuple[list[Any], dict[str, Any]]:
    """The call's arguments with the flags that lead into a finding's branch in place of
    what they gave those parameters."""
    try:
        bound = inspect.signature(cls).bind_partial(*args, **kwargs)
    except (TypeError, ValueError):
        return list(args), {**kwargs, **flags}
    for k, v in flags.items():
        bound.arguments[k] = v
    return list(bound.args), dict(bound.kwargs)


def planned_value(v: Any) -> Any:
    """A planned constructor value: a placeholder where the plan has none."""
    if isinstance(v, dict) and "lstm_lint_no_value" in v:
        return LstmLintNoValue(str(v["lstm_lint_no_value"]))
    if isinstance(v, dict) and "lstm_lint_config" in v:
        return LstmLintConfig(str(v["lstm_lint_config"]), dict(v.get("attrs") or {}))
    return v


def call_namespace(call: dict[str, Any], mod: Any, path: str
                   ) -> tuple[dict[str, Any] | None, str, str]:
    """Where a call's arguments are evaluated: the file's definitions or, for a call in a
    script beside it (``train.py``), that script's definitions."""
    other = call.get("path")
    line = call.get("line")
    if not other or os.path.realpath(other) == os.path.realpath(path):
        return mod.__dict__, f"line {line}", ""
    where = f"{os.path.basename(other)}:{line}"
    folder = os.path.dirname(os.path.abspath(other))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    bmod, err, _skipped = load_definitions(other, PRIVATE + "_builder")
    if err is not None:
        return None, where, (f"the definitions of {os.path.basename(other)} raised "
                             f"{err['type']}: {err['message']}")
    return bmod.__dict__, where, ""


def call_class(call: dict[str, Any], ns: dict[str, Any], default: Any) -> Any:
    """The class the call builds, as its file names it (``models.Net`` from ``train.py``)."""
    func = call.get("func")
    if not func:
        return default
    try:
        cls = eval(func, dict(ns))  # noqa: S307
    except Exception:
        return default
    return cls if isinstance(cls, type) else default


def eval_parts(call: dict[str, Any], ns: dict[str, Any], cls: Any, fill: dict[str, Any]
               ) -> tuple[list[Any], dict[str, Any], list[str]] | None:
    """The call's arguments one by one; those that cannot be evaluated are bound as the plan
    binds a parameter without a value.  None when the call cannot be split that way."""
    parts = call.get("parts") or {}
    if not parts:
        return None
    cls = call_class(call, ns, cls)
    try:
        names = [p.name for p in inspect.signature(cls).parameters.values()
                 if p.kind in (inspect.Parameter.POSITIONAL_ONLY,
                               inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return None
    filled: list[str] = []

    def one(src: str, pname: str | None) -> Any:
        try:
            a, _k = eval_call(dict(call, call=f"__lstm_lint_args__({src})"), ns)
            return a[0]
        except BaseException:
            filled.append(pname or "?")
            if pname is not None and pname in fill:
                return planned_value(fill[pname])
            return LstmLintNoValue(pname or "?")

    args = [one(src, names[i] if i < len(names) else None)
            for i, src in enumerate(parts.get("args", []))]
    kwargs = {k: one(src, k) for k, src in (parts.get("kwargs") or {}).items()}
    return args, kwargs, filled


def eval_call(call: dict[str, Any], ns: dict[str, Any]) -> tuple[Any, Any]:
    """The arguments of the file's own call, evaluated among its definitions; names the call
    needs from the code around it are evaluated from the assignments before it (each with
    the configuration calls made on it afterwards: ``parser.add_argument(...)``)."""
    glob = {**ns, "__lstm_lint_args__": lambda *a, **k: (a, k)}
    prelude: dict[str, Any] = call.get("prelude") or {}
    local: dict[str, Any] = {}

    def run(src: str, depth: int, mode: str) -> Any:
        for _ in range(len(prelude) + 1):
            try:
                if mode == "exec":
                    exec(src, glob, local)  # noqa: S102
                    return None
                return eval(src, glob, local)  # noqa: S307
            except NameError as exc:
                missing = exc.name
                if missing is None or missing in local or missing not in prelude or depth > 8:
                    raise
                entry = prelude[missing]
                if isinstance(entry, str):
                    local[missing] = run(entry, depth + 1, "eval")
                    continue
                local[missing] = run(entry["expr"], depth + 1, "eval")
                for stmt in entry.get("then", []):
                    try:
                        run(stmt, depth + 1, "exec")
                    except Exception:  # noqa: BLE001 - a setup step the run cannot replay
                        continue
        return eval(src, glob, local)  # noqa: S307

    result: tuple[Any, Any] = run(call["call"], 0, "eval")
    return result


def user_value(v: Any, ns: dict[str, Any]) -> Any:
    """A value the user gave (``[tool.lstm-lint.confirm]``): a table is a configuration object
    (attribute and key access), ``{"new": "Cls", "args": [...], "kwargs": {...}}`` an object
    built with those arguments (the class among the file's definitions, or in ``"module"``),
    a tensor spec a tensor, and an expression its value, evaluated with ``torch``, ``nn`` and
    the file's own names (``ns``; they win)."""
    if isinstance(v, list):
        return [user_value(x, ns) for x in v]
    if not isinstance(v, dict):
        return v
    if set(v) == {TENSOR}:
        from .confirm_inputs import make_tensor

        return make_tensor(v[TENSOR])
    if set(v) == {EXPR}:
        import torch

        return eval(v[EXPR], {"torch": torch, "nn": torch.nn, **ns})  # noqa: S307
    if isinstance(v.get("new"), str):
        import importlib

        where: Any = importlib.import_module(v["module"]) if v.get("module") else None
        target: Any = where
        for part in v["new"].split("."):
            target = getattr(target, part) if target is not None else ns[part]
        return target(*[user_value(a, ns) for a in v.get("args") or []],
                      **{k: user_value(a, ns) for k, a in (v.get("kwargs") or {}).items()})
    return LstmLintRecord({k: user_value(x, ns) for k, x in v.items()})
