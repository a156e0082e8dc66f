"""``--confirm``, first: plan each model class's run from what the analysis knows.

A plan (:class:`ClassPlan`) holds the constructor arguments (``--args``, the file's own
instantiation, the calls in the file or in a script beside it to evaluate among their
definitions, or the defaults), a prime for each parameter known to be a size and a
placeholder for any other value nobody stands behind, the forward inputs as symbolic shapes,
and the size constraints the analysis recorded.  The plan of the script job is the
argument-free functions to call (:func:`loss_functions`).  Nothing here runs user code.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .analyze import ModuleShapes, analyze_module
from .catalogue import all_rules
from .confirm_defs import instantiation_sources
from .confirm_facts import exponent_symbols, head_multiples, index_symbols, size_symbols
from .confirm_params import (
    CONFIG,
    PRIMES,
    attr_slot,
    config_class_sizes,
    engine_value,
    fits,
    forwarded_required,
    is_no_value,
    known_arguments,
    literal_default,
    no_value,
    symbolic_run,
)
from .confirm_plan_inputs import given_inputs, own_inputs
from .confirm_values import Given, describe, given_by_name
from .confirm_witness import Witness
from .dataflow import Dataflow
from .extract import ClassInfo, FileModel
from .given_values import SOURCE, child_value
from .infer import Interpreter
from .rule import Finding
from .values import UNKNOWN, Value

BATCH_SIZE, TIME_SIZE = 3, 7


@dataclass
class ClassPlan:
    cls: ClassInfo
    args: list[Any]
    kwargs: dict[str, Any]
    source: str  # where the constructor arguments came from
    inputs: list[Any] | None  # input specs (dims: ints or size expressions), None: build only
    why_no_inputs: str = ""
    static: ModuleShapes | None = None
    env: dict[str, Any] = field(default_factory=dict)
    losses: list[dict[str, Any]] = field(default_factory=list)
    #: the file's own calls ``Cls(...)`` to evaluate among its definitions, first that works
    calls: list[dict[str, Any]] = field(default_factory=list)
    #: why the model cannot be built at all (a constructor value nobody stands behind)
    why_not_built: str = ""
    #: a value was invented (a prime for a size): a crash is then no finding
    invented: bool = False
    constraints: list[str] = field(default_factory=list)
    #: per constructor parameter without a default: a prime (a size) or a placeholder
    fill: dict[str, Any] = field(default_factory=dict)
    #: sizes with a default: the value a call's argument that cannot be evaluated gets
    part_fill: dict[str, Any] = field(default_factory=dict)
    #: the parameters that get a placeholder, and what they are
    missing: dict[str, str] = field(default_factory=dict)
    #: the configuration this plan builds the class in (None: the class's own plan)
    context: dict[str, Any] | None = None
    #: the call's arguments the engine knows (a builder's defaults) are in ``kwargs``: a call
    #: whose text cannot run outside its method builds the class from them
    engine_values: bool = False
    #: forward arguments the engine left open, given the witness input the code accepts
    #: (:mod:`~lstm_lint.confirm_witness`): said with the verdict
    witnesses: list[Witness] = field(default_factory=list)
    #: parameters a configuration's call cannot give that take the table's values (the
    #: child builds them as it builds the table's: :func:`~lstm_lint.confirm_ctor.user_value`)
    from_table: list[str] = field(default_factory=list)
    #: the forward inputs the user gave (``[tool.lstm-lint.confirm]``), as specs
    given_inputs: list[str] | None = None
    #: the engine's sizes (B, T, ...) as the given inputs fix them; None when the engine's
    #: shapes of those inputs do not name every axis (then a verdict read off the sizes
    #: would read lstm-lint's names, not the code's)
    given_env: dict[str, int] | None = None
    #: constructor values that lead the run into the branch holding a finding
    #: (:mod:`~lstm_lint.confirm_branches`): they replace the planned ones
    flags: dict[str, Any] = field(default_factory=dict)
    #: a state method to call before ``forward`` (``{"method": "init_hidden", "param":
    #: "bsz", "B": the batch the user's inputs fix, or None: the run's}``:
    #: :mod:`~lstm_lint.confirm_reach`)
    state_call: dict[str, Any] | None = None
    #: the user's inputs again, every axis of one size cut to another (``{"from": 3,
    #: "avoid": [7]}``: the state's batch, and the layer's, which the new size is not;
    #: ``"shift": True``: their float values moved too: :mod:`~lstm_lint.confirm_resize`)
    resize: dict[str, Any] | None = None
    #: run in training mode (the branch holding a finding is ``if self.training:``), not eval
    train: bool = False

    @property
    def key(self) -> str:
        """The class and its context (and the flags it is built with): one job each."""
        key = self.cls.name if self.context is None \
            else context_key({**self.context, "class": self.cls.name})
        if self.flags:
            key += "|" + ",".join(f"{k}={v!r}" for k, v in sorted(self.flags.items()))
        if self.state_call:
            key += f"|{self.state_call['method']}()"
        if self.resize:
            key += f"|resize={self.resize['from']}" + ("|shift" if self.resize.get("shift")
                                                        else "")
        if self.train:
            key += "|train"
        return key

    def request(self) -> dict[str, Any]:
        req: dict[str, Any] = {"class": self.cls.name, "args": self.args, "kwargs": self.kwargs,
                               "key": self.key, "fill": self.fill,
                               "part_fill": self.part_fill,
                               "inputs": self.inputs, "losses": self.losses,
                               "env": {k: v for k, v in self.env.items()
                                       if isinstance(v, int | bool)},
                               "constraints": self.constraints}
        if self.calls:
            req["calls"] = self.calls
        if self.from_table:
            req["from_table"] = self.from_table
        if self.flags:
            req["flags"] = self.flags
        if self.state_call:
            req["state_call"] = self.state_call
        if self.resize:
            req["resize"] = self.resize
        if self.train:
            req["train"] = True
        if self.source.endswith(SOURCE) or self.source == "--args":
            # the user's values: tables, objects to build, tensors and expressions
            where = "--args" if self.source == "--args" else SOURCE
            req["given"] = where
            req["args"] = child_value(self.args, where)
            req["kwargs"] = child_value(self.kwargs, where)
        return req

    @property
    def call(self) -> dict[str, Any] | None:
        return self.calls[0] if self.calls else None


def plan_class(fm: FileModel, cls: ClassInfo, project: Any, user_args: Any,
               instantiations: dict[str, tuple[list[Any], dict[str, Any]]],
               constraints: Sequence[str] | None = None,
               raw: tuple[list[Value], dict[str, Value]] | None = None,
               context: dict[str, Any] | None = None, given: Given | None = None) -> ClassPlan:
    """Constructor arguments and forward inputs for one class, from what the analysis knows.

    ``constraints``: those recorded on the class's findings; None when it has none, and then
    the ones the engine recorded for the class's shapes are used.  A class with findings does
    not use the latter: a shape constraint can be the very mismatch a finding reports
    (``B == num_layers`` for an ``h0`` laid out batch-first), and sizes chosen to satisfy it
    would hide the bug.

    ``context``: the configuration a finding was reported under (``Finding.configuration``):
    ``{"kind": "defaults"}`` builds the class from its constructor's defaults,
    ``{"kind": "call", "path": P, "line": N}`` from the call at line N of file P (the file
    itself or a script beside it); ``raw`` is then the engine's view of that configuration.

    ``given``: the values ``[tool.lstm-lint.confirm]`` gives the class (its constructor's call,
    its forward inputs); they come before any other source.
    """
    interp = Interpreter(fm, Dataflow(), project)
    init = interp.find_method(cls, fm, "__init__")
    params = list(init[0].params.params)[1:] + list(init[0].params.kwonly_params) \
        if init else []
    symbolic = symbolic_run(fm, cls, project)
    sizes = size_symbols(symbolic)
    exponents = exponent_symbols(symbolic)
    heads = head_multiples(symbolic, {
        p.name.value: d for p in params if p.default is not None
        and isinstance(d := literal_default(p), int) and not isinstance(d, bool)})
    indices = index_symbols(symbolic) - sizes
    env: dict[str, Any] = {}
    calls: list[dict[str, Any]] = []
    why_not_built = ""
    invented = False
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    # what a parameter without a value gets: a prime when it is a size, else a placeholder
    fill: dict[str, Any] = {}
    missing: dict[str, str] = {}
    primes = iter(PRIMES)
    defaulted: list[str] = []  # sizes with a default
    for p in [*params, *forwarded_required(interp, cls, fm, init, params)]:
        name = p.name.value
        d = literal_default(p) if p.default is not None else UNKNOWN
        if p.default is not None and not (name in sizes and (d is None or d == 0)):
            if isinstance(d, bool | int) and not isinstance(d, float):
                env[name] = d
            if name in sizes:
                defaulted.append(name)
            continue
        # a size without a default, or whose default (0, None) is no size at all
        if name in sizes:
            # two layers (so that dropout between them is real); one attention head (it
            # divides any width); distinct primes for the rest
            fill[name] = 2 if "layer" in name or name in exponents \
                else 1 if "head" in name else next(primes, 53) * heads.get(name, 1)
            continue
        if name in indices:
            # an index into a table the model builds (padding_idx): 0 is in any
            fill[name] = 0
            continue
        held = sorted(s for s in sizes if s.startswith(name + "."))
        if held:
            # a configuration object: a stand-in whose size attributes (``opt.hidden_dim``)
            # get primes; any other attribute stops the run as a placeholder does
            attrs: dict[str, Any] = {}
            # under a defaults configuration that took a configuration class's defaults
            # (``cfg: NetConfig``), the sizes are that class's, as the engine read them
            read = config_class_sizes(raw, name) \
                if (context or {}).get("kind") == "defaults" else {}
            for s in held:
                slot = attr_slot(attrs, s)
                if slot is not None and slot[1] not in slot[0]:
                    last = slot[1]
                    slot[0][last] = read[s] if s in read \
                        else 2 if "layer" in last or s in exponents \
                        else 1 if "head" in last else next(primes, 53) * heads.get(s, 1)
            for s, v in read.items():  # the class's other defaults (dropout=0.2), as read
                slot = attr_slot(attrs, s)
                if slot is not None:
                    slot[0].setdefault(slot[1], v)
            fill[name] = {CONFIG: name, "attrs": attrs}
            missing[name] = "a configuration object"
            continue
        missing[name] = "not known to be a size"
        fill[name] = no_value(name)
    # a size with a default that the file's call passes as something its definitions cannot
    # evaluate (window_size=len(char_to_id)): a prime, as a size without a default gets
    part_fill = {name: 2 if "layer" in name or name in exponents
                 else 1 if "head" in name else next(primes, 53) * heads.get(name, 1)
                 for name in defaulted}
    kind = (context or {}).get("kind")
    engine_values = False
    from_table: list[str] = []
    if given is not None and given.has_args and kind is None:
        args, kwargs = list(given.args), dict(given.kwargs)
        source = (describe(given, [p.name.value for p in params]) or "no arguments") \
            + f" from {SOURCE}"
    elif user_args is not None and kind is None:
        args, kwargs = (list(user_args), {}) if isinstance(user_args, list) else ([], dict(user_args))
        source = "--args"
    elif kind is None and cls.name in instantiations \
            and fits(init, params, *instantiations[cls.name]):
        args, kwargs = instantiations[cls.name]
        source = "an instantiation in the file"
    else:
        if kind == "call":
            assert context is not None
            where = context["path"]
            text = fm.text if os.path.abspath(where) == os.path.abspath(fm.path) \
                else _read(where)
            calls = [dict(c, path=os.path.abspath(where))
                     for c in instantiation_sources(text, cls.name)
                     if c["line"] == context["line"]]
            file = os.path.basename(where)
            source = f"the call at {file}:{context['line']}" if calls else "defaults"
        elif kind is None:
            calls = instantiation_sources(fm.text, cls.name)[:5]
            # then the scripts beside the file that build the class (train.py)
            for other in _builders(project, fm, cls.name):
                calls += [dict(c, path=os.path.abspath(other.path))
                          for c in instantiation_sources(other.text, cls.name)[:2]
                          if not c.get("in_class")]
            if calls and calls[0].get("path"):
                source = f"the call at {os.path.basename(calls[0]['path'])}:{calls[0]['line']}"
            else:
                source = f"the file's own call at line {calls[0]['line']}" if calls \
                    else "defaults"
        else:
            source = "the constructor's defaults"
        kwargs = dict(fill)
        if kind == "call" and raw is not None:
            # what the engine knows of the call's arguments (a builder's defaults behind
            # ``self.hidden``): used where the call's own text cannot be run from the file
            for name, v in known_arguments(params, raw).items():
                kwargs[name] = v
                fill.pop(name, None)
                missing.pop(name, None)
                engine_values = True
            if engine_values:
                source = source.replace("the call at", "what the analysis knows of the call at")
        elif kind is None and raw is not None and missing \
                and all(c.get("in_class") for c in calls):
            # the file builds the class only inside a method (``Module(..., seed=self.seed)``
            # in a builder's ``fit``), whose text cannot run from the file: a parameter that
            # would get a placeholder takes the value the engine knows that call passes (the
            # builder's default), as a configuration's call does
            known = {n: v for n, v in known_arguments(params, raw).items() if n in missing}
            for name, v in known.items():
                kwargs[name] = v
                fill.pop(name, None)
                missing.pop(name, None)
                engine_values = True
            if known:
                source += (", with " + ", ".join(sorted(known)) + " as the analysis knows the "
                           "file's own call passes them")
        if kind is not None:
            # what the configuration's call cannot give (neither its text nor the engine:
            # a placeholder, a prime) the table's value for that parameter gives, by name
            table = given_by_name(given, params)
            from_table = [n for n in sorted(set(fill) | set(part_fill)) if n in table]
            for name in from_table:
                v = child_value(table[name])
                if name in fill:
                    fill[name] = kwargs[name] = v
                else:
                    part_fill[name] = v
                missing.pop(name, None)
        invented = any(not is_no_value(v) for n, v in fill.items() if n not in from_table)
        if from_table:
            source += f", with {SOURCE}'s {', '.join(from_table)} where it gives none"
        if invented:
            source += ", and distinct primes for the required sizes"
        if missing:
            name, what = next(iter(missing.items()))
            why_not_built = (f"no value for constructor parameter {name!r} ({what}): give it "
                             "in [tool.lstm-lint.confirm] or --args, or build the model in the "
                             "file")
    for p, a in zip(params, args, strict=False):
        if isinstance(a, bool | int) and not isinstance(a, float):
            env[p.name.value] = a
    for k, a in kwargs.items():
        if isinstance(a, bool | int) and not isinstance(a, float):
            env[k] = a
    static = symbolic
    if raw is not None and (calls or (context or {}).get("kind") == "defaults"):
        # the engine's view of the file's own call (a configuration dict or object it
        # follows), or of the defaults it analysed (a configuration class's: cfg: NetConfig)
        static = analyze_module(fm, cls, project, raw[0], raw[1])
    elif not calls:
        static = analyze_module(fm, cls, project, [engine_value(a, fm) for a in args],
                                {k: engine_value(v, fm) for k, v in kwargs.items()})
    # the constraints the engine recorded for the class's shapes and for its findings (not
    # the dataflow graph's own, which also hold the very mismatches the rules report)
    cons = [str(c) for c in getattr(symbolic, "constraints", None) or []] \
        if constraints is None else list(constraints)
    plan = ClassPlan(cls, args, kwargs, source, None, static=static, env=env, calls=calls,
                     why_not_built=why_not_built, invented=invented, constraints=cons,
                     fill=fill, missing=missing, part_fill=part_fill, from_table=from_table)
    if context is not None:
        plan.context = dict(context)
    plan.engine_values = engine_values
    if given is not None and given.inputs is not None and kind is None:
        return given_inputs(plan, given, interp, fm)
    plan = own_inputs(plan, interp, fm, symbolic, source)
    if plan.inputs is None and given is not None and given.inputs is not None:
        # a configuration whose inputs the analysis cannot make: the table's (the table
        # gives what lstm-lint cannot invent; where it can, its own fit the configuration)
        return given_inputs(plan, given, interp, fm)
    return plan


def _builders(project: Any, fm: FileModel, name: str) -> list[Any]:
    """Scripts beside the file that build class ``name`` (as the engine finds them)."""
    if project is None or not hasattr(project, "builders"):
        return []
    try:
        return list(project.builders(fm, [name]))
    except Exception:  # a script that cannot be read is no source of values
        return []


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return ""


def context_key(conf: dict[str, Any]) -> str:
    path = os.path.abspath(conf["path"]) if conf.get("path") else ""
    return f"{conf['class']}@{conf['kind']}:{path}:{conf.get('line') or ''}"


def loss_functions(fm: FileModel, findings: list[Finding]) -> list[str]:
    """Argument-free top-level functions holding a finding of a rule judged at the loss."""
    from .positions import locate

    at_loss = {r.code for r in all_rules() if r.confirm_at_loss}
    wanted = [f for f in findings if f.code in at_loss]
    if not wanted:
        return []
    fns = {name: fn for name, fn in fm.functions.items()
           if all(p.default is not None for p in fn.params.params) and not fn.params.kwonly_params}
    spans = locate(fm.module, list(fns.values()))
    out = []
    for name, fn in fns.items():
        sp = spans.get(id(fn))
        if sp is None:
            continue
        for f in wanted:
            lines = {f.line} | {r.span.line for r in f.related if r.span is not None}
            if any(sp.line <= ln <= sp.end_line for ln in lines) and name not in out:
                out.append(name)
    return out


