"""House rule (issue 13): no module of lstm_lint reaches a private name of another.

A name that starts with one underscore (``_name``, not a dunder such as ``__all__``) is
private to the lstm_lint module that defines it. Every module of the package (lstm_lint/,
lstm_lint/interp/ and the rules/ folder, which installs as lstm_lint.rules) is walked with
``ast``; the test fails on

- ``from lstm_lint.x import _name`` (absolute or relative) of another lstm_lint module, and
- ``import lstm_lint.x as m`` / ``from lstm_lint import x`` followed by ``m._name`` / ``x._name``;
- ``obj._name`` (or ``getattr(obj, "_name")``) of a private member (method, class attribute,
  ``self._name``) that another module's class defines and this module's classes do not: the
  object belongs to a class of that module (``interp._resolve_ref`` from outside interp/, or a
  mixin calling ``self._restore`` of a sibling mixin).

The tests (tests/*.py) are held to the same rule for the package's names: a name a test
imports is public in its module. (Helpers one test file takes from another are the tests' own.)

Private names of the standard library or third-party packages (``re._parser``,
``torch._C``, ``typing._GenericAlias`` ...) are not this package's to rename: they are
allowed here. A name shared by modules gets a public name in the module that defines it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "lstm_lint"


def _modules() -> dict[str, Path]:
    """Dotted module name -> source file, for every module of the package and of rules/."""
    found: dict[str, Path] = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        rel = path.relative_to(ROOT / PACKAGE)
        if rel.parts[0] == "rules":  # the development symlink to ../rules
            continue
        found[_dotted(PACKAGE, rel)] = path
    for path in sorted((ROOT / "rules").glob("*.py")):
        found[_dotted(f"{PACKAGE}.rules", path.relative_to(ROOT / "rules"))] = path
    return found


def _dotted(prefix: str, rel: Path) -> str:
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([prefix, *parts])


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute module name of a ``from ... import`` in ``module``."""
    if not node.level:
        return node.module or ""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _ours(name: str) -> bool:
    return name == PACKAGE or name.startswith(PACKAGE + ".")


def _members(tree: ast.Module) -> set[str]:
    """Private members a module's classes define: methods and class attributes, and what
    ``self``/``cls`` store."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for st in node.body:
                if isinstance(st, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    found.add(st.name)
                elif isinstance(st, ast.Assign | ast.AnnAssign):
                    targets = st.targets if isinstance(st, ast.Assign) else [st.target]
                    found.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) \
                and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            found.add(node.attr)
    return {n for n in found if _private(n)}


def violations(modules: dict[str, Path], root: Path = ROOT,
               package: dict[str, Path] | None = None) -> list[str]:
    """What ``modules`` reach of the private names of ``package`` (default: of each other)."""
    package = modules if package is None else package
    trees = {m: ast.parse(p.read_text(encoding="utf-8"), str(p)) for m, p in {**package, **modules}.items()}
    members = {m: _members(t) for m, t in trees.items()}
    out: list[str] = []
    for module, path in modules.items():
        tree = trees[module]
        rel = path.relative_to(root)
        # names bound to a module of the package, for `m._name` reads
        bound: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if not _ours(alias.name):
                        continue
                    if alias.asname:
                        bound[alias.asname] = alias.name
                    else:
                        bound[alias.name.split(".")[0]] = alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(module, path, node)
                if not _ours(source):
                    continue
                for alias in node.names:
                    full = f"{source}.{alias.name}"
                    if full in package:  # a submodule: `from lstm_lint import interp`
                        bound[alias.asname or alias.name] = full
                        if _private(alias.name):
                            out.append(f"{rel}:{node.lineno}: imports private module {full}")
                    elif _private(alias.name) and source != module:
                        out.append(f"{rel}:{node.lineno}: from {source} import {alias.name}")
        for node in ast.walk(tree):
            if not isinstance(node, ast.expr):
                continue
            reached = _private_attribute(node)
            if reached is None:
                continue
            value, attr = reached
            target = _module_of(value, bound)
            if target is not None:
                if target != module:
                    out.append(f"{rel}:{node.lineno}: {ast.unparse(node)} (private to {target})")
            elif attr not in members[module]:
                owners = sorted(m for m in package if attr in members[m] and m != module)
                if owners:
                    out.append(f"{rel}:{node.lineno}: {ast.unparse(node)} "
                               f"(a private member of {', '.join(owners)})")
    return sorted(set(out))


def _private_attribute(node: ast.expr) -> tuple[ast.expr, str] | None:
    """(``obj``, ``_name``) of ``obj._name`` or ``getattr(obj, "_name"[, default])``."""
    if isinstance(node, ast.Attribute) and _private(node.attr):
        return node.value, node.attr
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in ("getattr", "hasattr", "setattr", "delattr") and len(node.args) >= 2 \
            and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str) \
            and _private(node.args[1].value):
        return node.args[0], node.args[1].value
    return None


def _module_of(node: ast.expr, bound: dict[str, str]) -> str | None:
    """The package module an expression such as ``m`` or ``lstm_lint.interp.core`` names."""
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if isinstance(node, ast.Attribute) and not _private(node.attr):
        base = _module_of(node.value, bound)
        return f"{base}.{node.attr}" if base is not None else None
    return None


def test_walk_finds_every_module() -> None:
    modules = _modules()
    assert "lstm_lint.confirm" in modules
    assert "lstm_lint.interp.core" in modules
    assert "lstm_lint.rules.lst101_feature_size_mismatch" in modules


def test_checker_sees_private_names(tmp_path: Path) -> None:
    """The checker itself: the package's private names reached from another module are seen,
    the standard library's, a module's own and dunders are not."""
    files = {
        "a.py": "import os\nimport re\nimport lstm_lint.shapes as sh\nfrom lstm_lint import interp\n"
                "from .b import _hidden, shown\nfrom re import _parser\nfrom . import b\n"
                "x = sh._signatures\ny = re._parser\nz = interp.core._x\nw = b._also\n"
                "v = sh.__name__\nu = os._exit\n"
                "class A:\n"
                "    def f(self, o):\n"
                "        self._mine = 1\n"
                "        return (self._mine, o._theirs, self._sibling(),\n"
                "                getattr(o, '_keys', {}))\n",
        "b.py": "_hidden = shown = _also = 1\n"
                "class B:\n"
                "    _theirs = 1\n"
                "    def _sibling(self):\n"
                "        self._keys = {}\n",
        "shapes.py": "_signatures = 1\n",
        "interp.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    modules = {f"lstm_lint.{name[:-3]}": tmp_path / name for name in files}
    assert violations(modules, tmp_path) == sorted([
        "a.py:5: from lstm_lint.b import _hidden",
        "a.py:8: sh._signatures (private to lstm_lint.shapes)",
        "a.py:10: interp.core._x (private to lstm_lint.interp.core)",
        "a.py:11: b._also (private to lstm_lint.b)",
        "a.py:17: o._theirs (a private member of lstm_lint.b)",
        "a.py:17: self._sibling (a private member of lstm_lint.b)",
        "a.py:18: getattr(o, '_keys', {}) (a private member of lstm_lint.b)",
    ])


def test_no_private_name_reached_across_modules() -> None:
    found = violations(_modules())
    assert not found, "private names reached across modules (give them a public name):\n" + "\n".join(found)


def test_no_test_reaches_a_private_name_of_the_package() -> None:
    tests = {f"tests.{p.stem}": p for p in sorted((ROOT / "tests").glob("*.py"))}
    found = violations(tests, package=_modules())
    assert not found, "tests reaching private names of lstm_lint (use the public name):\n" + "\n".join(found)
