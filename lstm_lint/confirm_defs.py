"""Which of a file's module-level statements are *definitions* (run by ``--confirm``).

Script-style files (tutorials, notebooks saved as ``.py``) build, train and evaluate their model
at module level.  ``--confirm`` runs only their definitions: imports, classes, functions and
constant or configuration assignments (literals, arithmetic on them, ``argparse`` set-up,
configuration classes of the file itself, ``torch.device(...)``).  Calls that build or run
models, data loading, and loops are left out.  Pure ``ast`` work: no torch, no user code.
"""

from __future__ import annotations

import ast
import re
from typing import Any

#: plain functions whose call is part of a constant or configuration
_PURE_CALLS = {
    "int", "float", "str", "bool", "len", "range", "list", "dict", "tuple", "set", "frozenset",
    "max", "min", "abs", "round", "sum", "sorted", "reversed", "enumerate", "zip", "isinstance",
    "getattr", "hasattr", "type", "object", "repr", "format", "pow", "divmod", "any", "all",
    "SimpleNamespace", "Namespace", "namedtuple", "NamedTuple", "TypeVar", "NewType", "field",
    "OrderedDict", "defaultdict", "Path", "PurePath", "partial", "Enum", "IntEnum",
}
#: dotted callees (matched on their last one or two parts)
_PURE_DOTTED = (
    "torch.device", "cuda.is_available", "cuda.device_count", "mps.is_available",
    "environ.get", "os.getenv", "logging.getLogger", "argparse.ArgumentParser",
    "argparse.Namespace", "collections.namedtuple", "types.SimpleNamespace", "math.",
    "os.path.", "typing.", "dataclasses.field", "functools.partial", "torch.get_default_dtype",
    "string.", "np.float32", "np.int64", "torch.float", "torch.long", "torch.finfo",
    "torch.iinfo", "np.finfo", "np.iinfo", "numpy.finfo",
)
#: methods of a configuration object (an argparse parser) kept as statements
_CONFIG_METHODS = {"add_argument", "add_argument_group", "set_defaults",
                   "add_mutually_exclusive_group", "parse_args", "parse_known_args",
                   "get", "copy", "update", "setdefault"}
_CONFIG_NAME = re.compile(r"(config|conf|cfg|args|arguments|params|hparams|hyperparameters|"
                          r"settings|options|opts|spec)$", re.IGNORECASE)
_CONFIG_BASES = {"NamedTuple", "TypedDict", "dict", "SimpleNamespace", "Namespace", "BaseModel",
                 "object", "Enum", "IntEnum"}


def _dotted(e: ast.expr) -> str:
    if isinstance(e, ast.Name):
        return e.id
    if isinstance(e, ast.Attribute):
        return _dotted(e.value) + "." + e.attr
    if isinstance(e, ast.Call):
        return _dotted(e.func) + "()"
    return "?"


class _Classifier:
    def __init__(self, tree: ast.Module):
        self.config_classes: set[str] = set()
        self.config_objects: set[str] = set()  # names bound to a parser or a configuration
        for st in tree.body:
            if isinstance(st, ast.ClassDef) and self._is_config_class(st):
                self.config_classes.add(st.name)

    @staticmethod
    def _is_config_class(c: ast.ClassDef) -> bool:
        bases = {_dotted(b).split(".")[-1] for b in c.bases}
        if any("Module" in b or b in ("LSTM", "GRU", "RNN", "Sequential") for b in bases):
            return False
        if any(_dotted(d).split(".")[-1].split("(")[0] == "dataclass" for d in c.decorator_list):
            return True
        return bool(bases & _CONFIG_BASES) and not bases - _CONFIG_BASES \
            or bool(_CONFIG_NAME.search(c.name))

    def pure(self, e: ast.expr | None) -> bool:
        if e is None:
            return True
        if isinstance(e, ast.Constant | ast.Name | ast.Lambda):
            return True
        if isinstance(e, ast.Attribute):
            return self.pure(e.value)
        if isinstance(e, ast.Call):
            return self._pure_call(e)
        if isinstance(e, ast.Starred):
            return self.pure(e.value)
        if isinstance(e, ast.JoinedStr | ast.FormattedValue):
            return all(self.pure(v) for v in ast.iter_child_nodes(e) if isinstance(v, ast.expr))
        if isinstance(e, ast.BinOp):
            return self.pure(e.left) and self.pure(e.right)
        if isinstance(e, ast.UnaryOp):
            return self.pure(e.operand)
        if isinstance(e, ast.BoolOp):
            return all(self.pure(v) for v in e.values)
        if isinstance(e, ast.Compare):
            return self.pure(e.left) and all(self.pure(c) for c in e.comparators)
        if isinstance(e, ast.IfExp):
            return self.pure(e.test) and self.pure(e.body) and self.pure(e.orelse)
        if isinstance(e, ast.Tuple | ast.List | ast.Set):
            return all(self.pure(v) for v in e.elts)
        if isinstance(e, ast.Dict):
            return all(self.pure(k) for k in e.keys) and all(self.pure(v) for v in e.values)
        if isinstance(e, ast.Subscript):
            return self.pure(e.value) and self.pure(e.slice)
        if isinstance(e, ast.Slice):
            return self.pure(e.lower) and self.pure(e.upper) and self.pure(e.step)
        if isinstance(e, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            return all(self.pure(g.iter) and all(self.pure(i) for i in g.ifs)
                       for g in e.generators)
        return False

    def _pure_call(self, c: ast.Call) -> bool:
        args_ok = all(self.pure(a) for a in c.args) and all(self.pure(k.value) for k in c.keywords)
        if not args_ok:
            return False
        name = _dotted(c.func)
        last = name.split(".")[-1]
        if isinstance(c.func, ast.Name):
            return name in _PURE_CALLS or name in self.config_classes
        if any(name.endswith(d) or (d.endswith(".") and d in name + ".") for d in _PURE_DOTTED):
            return True
        if isinstance(c.func, ast.Attribute):
            root = name.split(".")[0]
            if root in self.config_objects and last in _CONFIG_METHODS:
                return True
            if last in self.config_classes:
                return True
        return False

    def keep(self, st: ast.stmt) -> ast.stmt | None:
        """The statement as run among the definitions, or None when it is left out."""
        if isinstance(st, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef
                      | ast.ClassDef | ast.Pass | ast.Global | ast.Nonlocal):
            return st
        if isinstance(st, ast.Assign | ast.AnnAssign | ast.AugAssign):
            if not self.pure(st.value):
                return None
            targets = st.targets if isinstance(st, ast.Assign) else [st.target]
            if isinstance(st.value, ast.Call):
                for t in targets:
                    if isinstance(t, ast.Name):
                        self.config_objects.add(t.id)
            return st
        if isinstance(st, ast.Expr):
            v = st.value
            if isinstance(v, ast.Constant):
                return st
            if isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) \
                    and v.func.attr in _CONFIG_METHODS \
                    and _dotted(v.func).split(".")[0] in self.config_objects and self.pure(v):
                return st
            return None
        if isinstance(st, ast.If):
            if _is_main_guard(st.test) or not self.pure(st.test):
                return None
            body = self.block(st.body)
            orelse = self.block(st.orelse)
            if not body and not orelse:
                return None
            return ast.If(test=st.test, body=body or [ast.Pass()], orelse=orelse)
        if isinstance(st, ast.Try):
            body = self.block(st.body)
            if not body:
                return None
            handlers = [ast.ExceptHandler(type=h.type, name=h.name,
                                          body=self.block(h.body) or [ast.Pass()])
                        for h in st.handlers]
            return ast.Try(body=body, handlers=handlers, orelse=self.block(st.orelse),
                           finalbody=self.block(st.finalbody))
        return None

    def block(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out = []
        for st in body:
            kept = self.keep(st)
            if kept is not None:
                out.append(kept)
        return out


def _is_main_guard(test: ast.expr) -> bool:
    return isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) \
        and test.left.id == "__name__"


def definitions(source: str, path: str) -> tuple[list[ast.Module], list[int]]:
    """The file's definitions, one small module per top-level statement (so the caller can
    run them in order and report which one failed), and the lines of the statements left out.
    """
    tree = ast.parse(source, filename=path)
    cls = _Classifier(tree)
    kept: list[ast.Module] = []
    skipped: list[int] = []
    for st in tree.body:
        k = cls.keep(st)
        if k is None:
            skipped.append(st.lineno)
            continue
        if k is not st:
            ast.copy_location(k, st)
            ast.fix_missing_locations(k)
        kept.append(ast.Module(body=[k], type_ignores=[]))
    return kept, skipped


def _root_name(e: ast.expr) -> str | None:
    while isinstance(e, ast.Attribute | ast.Subscript | ast.Call):
        e = e.func if isinstance(e, ast.Call) else e.value
    return e.id if isinstance(e, ast.Name) else None


def _configured(st: ast.stmt) -> str | None:
    """``parser.add_argument(...)`` (a configuration method called as a statement on a
    name): the name."""
    if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call) \
            and isinstance(st.value.func, ast.Attribute) \
            and st.value.func.attr in _CONFIG_METHODS - {"parse_args", "parse_known_args", "get",
                                                         "copy"} \
            and isinstance(st.value.func.value, ast.Name):
        return st.value.func.value.id
    return None


def _mutated(st: ast.stmt) -> set[tuple[str, str | None]]:
    """Names whose object a statement may change, each with the attribute it sets (None: any
    change, a method called on it as a statement or an item assigned)."""
    out: set[tuple[str, str | None]] = set()
    if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call) \
            and isinstance(st.value.func, ast.Attribute):
        name = _root_name(st.value.func)
        if name:
            out.add((name, None))
    targets: list[ast.expr] = []
    if isinstance(st, ast.Assign):
        targets = list(st.targets)
    elif isinstance(st, ast.AugAssign | ast.AnnAssign):
        targets = [st.target]
    for t in targets:
        for n in ast.walk(t):
            if isinstance(n, ast.Attribute | ast.Subscript):
                name = _root_name(n)
                if not name:
                    continue
                plain = isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                out.add((name, n.attr if plain and isinstance(n, ast.Attribute) else None))
    return out


def _torch_namesake(f: ast.expr) -> bool:
    """``torch.nn.RNNCell(...)`` / ``nn.RNNCell(...)`` in a file whose own class is named
    ``RNNCell`` (speechbrain's wrappers): torch's layer, not a call of the class."""
    head = f
    while isinstance(head, ast.Attribute):
        head = head.value
    return isinstance(f, ast.Attribute) and isinstance(head, ast.Name) \
        and head.id in ("torch", "nn")


def instantiation_sources(source: str, class_name: str) -> list[dict[str, Any]]:
    """Each call ``ClassName(...)`` in the file, module-level ones first: its line, whether it
    is at module level, and its arguments as a call of ``__lstm_lint_args__`` (source text).

    ``--confirm`` evaluates those arguments among the file's definitions to build the model
    with the file's own values (a configuration object, a probability, a vocabulary size).
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    in_class = {id(n) for st in tree.body if isinstance(st, ast.ClassDef) for n in ast.walk(st)}
    module_level = {id(n) for st in tree.body if not isinstance(
        st, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) for n in ast.walk(st)}
    # the simple assignments before the call's statement, in the same top-level function or,
    # for a call in module-level code, at module level and in the blocks around it (``if
    # __name__ == "__main__":``): the call's arguments may name them (``config = Config()``)
    prelude: dict[int, dict[str, Any]] = {}

    def block(body: list[ast.stmt], seen: dict[str, Any]) -> None:
        for st in body:
            for n in ast.walk(st):
                prelude[id(n)] = dict(seen)
            if isinstance(st, ast.FunctionDef | ast.AsyncFunctionDef):
                if st in tree.body:
                    block(st.body, {})
                continue
            if isinstance(st, ast.ClassDef):
                continue
            for inner in ("body", "orelse", "finalbody"):
                sub = getattr(st, inner, None)
                if isinstance(sub, list) and sub and isinstance(sub[0], ast.stmt):
                    block(sub, seen)
            for h in getattr(st, "handlers", []) or []:
                block(h.body, seen)
            if isinstance(st, ast.Assign) and len(st.targets) == 1 \
                    and isinstance(st.targets[0], ast.Name):
                seen[st.targets[0].id] = ast.unparse(st.value)
                continue
            name = _configured(st)
            if name is not None and name in seen:
                # ``parser.add_argument(...)``: replayed after the assignment
                entry = seen[name]
                if isinstance(entry, str):
                    entry = {"expr": entry, "then": []}
                seen[name] = {"expr": entry["expr"], "then": [*entry["then"], ast.unparse(st)]}
                continue
            # a value changed after its assignment is no longer what the assignment alone
            # gives: wholly by a method (``dataset.load_data(...)``), in one attribute
            # (``cfg.hidden = 64``: then only for a call that reads that attribute)
            for name, attr in _mutated(st):
                if name not in seen:
                    continue
                if attr is None:
                    seen.pop(name)
                    continue
                entry = seen[name]
                if isinstance(entry, str):
                    entry = {"expr": entry, "then": []}
                seen[name] = dict(entry, changed=[*entry.get("changed", []), attr])

    block(tree.body, {})
    out: list[dict[str, Any]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        if name != class_name or _torch_namesake(f):
            continue
        args = ast.Call(func=ast.Name(id="__lstm_lint_args__", ctx=ast.Load()),
                        args=node.args, keywords=node.keywords)
        parts = {"args": [None if isinstance(a, ast.Starred) else ast.unparse(a)
                          for a in node.args],
                 "kwargs": {k.arg: ast.unparse(k.value) for k in node.keywords
                            if k.arg is not None}}
        if any(isinstance(a, ast.Starred) for a in node.args) \
                or any(k.arg is None for k in node.keywords):
            parts = {}
        text = ast.unparse(node)
        pre = {}
        for k, v in prelude.get(id(node), {}).items():
            if isinstance(v, dict) and any(f"{k}.{a}" in text for a in v.get("changed", [])):
                continue  # the call reads an attribute changed after the assignment
            if isinstance(v, dict):
                v = {"expr": v["expr"], "then": v["then"]} if v["then"] else v["expr"]
            pre[k] = v
        out.append({"line": node.lineno, "module_level": id(node) in module_level,
                    "in_class": id(node) in in_class,
                    "call": ast.unparse(args), "func": ast.unparse(node.func),
                    "parts": parts, "prelude": pre})
    return sorted(out, key=lambda e: (not e["module_level"], e["line"]))
