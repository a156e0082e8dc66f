"""Where a dotted module name lives on disk: packages, import roots and relative imports.

* **import roots** of a file: the folder above its top package (found from ``__init__.py``
  files), the project root (the nearest folder with ``pyproject.toml``, ``setup.py``,
  ``setup.cfg`` or ``.git``), its ``src/`` and the package folders its packaging names
  (``package-dir``, ``where``), and last the file's own folder (a script importing its
  neighbour: ``from model import Encoder`` beside ``model.py``);
* a dotted module name is a file under the first root that holds it (``a/b.py`` or
  ``a/b/__init__.py``): a few ``stat`` calls, no scan of the tree.

Answers are memoised per folder for the life of the process.
"""

from __future__ import annotations

import os
import re

#: the folder markers of a project root (as :mod:`lstm_lint.cache` has them)
ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
#: modules never looked for in the project
OUTSIDE = frozenset({"torch", "numpy", "typing", "collections", "os", "sys", "math",
                     "functools", "itertools", "dataclasses", "abc", "enum", "re", "json"})


def canonical(qual: str) -> str:
    """``torch.nn.modules.rnn.LSTM`` -> ``torch.nn.LSTM``; ``torch.nn.utils.rnn.x`` kept."""
    if qual.startswith("torch.nn.modules."):
        return "torch.nn." + qual.rsplit(".", 1)[-1]
    if qual.startswith("torch.functional."):
        return "torch." + qual.rsplit(".", 1)[-1]
    return qual



# ---- module names and roots ----------------------------------------------------------------

_PKG: dict[str, str] = {}
_TOP: dict[str, str] = {}


def package_of(path: str) -> str:
    """The dotted package of a file, from the ``__init__.py`` files above it."""
    d = os.path.dirname(os.path.abspath(path))
    if d not in _PKG:
        parts: list[str] = []
        cur = d
        while os.path.isfile(os.path.join(cur, "__init__.py")):
            parts.insert(0, os.path.basename(cur))
            parent = os.path.dirname(cur)
            if parent == cur:
                break
            cur = parent
        _PKG[d] = ".".join(parts)
        _TOP[d] = cur
    return _PKG[d]


def package_root(path: str) -> str:
    """The folder above the file's top package (the file's own folder outside a package)."""
    package_of(path)
    return _TOP[os.path.dirname(os.path.abspath(path))]


def module_name(path: str) -> str:
    base = os.path.splitext(os.path.basename(path))[0]
    pkg = package_of(path)
    if base == "__init__":
        return pkg or base
    return f"{pkg}.{base}" if pkg else base


_PROJECT_ROOT: dict[str, str | None] = {}


def project_root(path: str) -> str | None:
    """The nearest folder above ``path`` holding a project marker."""
    start = os.path.abspath(path)
    d = start if os.path.isdir(start) else os.path.dirname(start)
    seen: list[str] = []
    found: str | None = None
    while True:
        if d in _PROJECT_ROOT:
            found = _PROJECT_ROOT[d]
            break
        seen.append(d)
        if any(os.path.exists(os.path.join(d, m)) for m in ROOT_MARKERS):
            found = d
            break
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    for s in seen:
        _PROJECT_ROOT[s] = found
    return found


_PACKAGE_DIR = (
    re.compile(r"""\bwhere\s*=\s*\[\s*["']([^"']+)["']"""),  # [tool.setuptools.packages.find]
    re.compile(r"""["']{2}\s*[:=]\s*["']([^"']+)["']"""),  # package-dir = {"" = "src"}
    re.compile(r"""\bpackage_dir\s*=\s*\n?\s*=\s*(\S+)"""),  # setup.cfg: package_dir = =src
)


def _packaging_dirs(root: str) -> list[str]:
    """Package folders named by the project's packaging files, then ``src/``."""
    out: list[str] = []
    for name in ("pyproject.toml", "setup.cfg", "setup.py"):
        try:
            with open(os.path.join(root, name), encoding="utf-8", errors="replace") as fh:
                text = fh.read(200_000)
        except OSError:
            continue
        for rx in _PACKAGE_DIR:
            for m in rx.finditer(text):
                sub = m.group(1).strip().strip("/")
                if sub and sub != "." and ".." not in sub:
                    out.append(os.path.join(root, sub))
    out.append(os.path.join(root, "src"))
    return [d for d in dict.fromkeys(out) if os.path.isdir(d)]


_ROOTS: dict[str, tuple[str, ...]] = {}


def roots(path: str) -> tuple[str, ...]:
    """Where absolute imports of ``path`` are looked for, in order."""
    d = os.path.dirname(os.path.abspath(path))
    if d not in _ROOTS:
        out = [package_root(path)]
        proj = project_root(d)
        if proj is not None:
            out.append(proj)
            out.extend(_packaging_dirs(proj))
        out.append(d)
        _ROOTS[d] = tuple(dict.fromkeys(out))
    return _ROOTS[d]


def absolute(package: str, depth: int, module: str, path: str = "") -> str:
    """The absolute name of ``from <depth dots><module> import ...`` in ``package``.

    Above the top package (relative imports in folders without ``__init__.py``) the name is
    taken from the folders, relative to the project root.
    """
    if depth == 0:
        return module
    parts = package.split(".") if package else []
    if depth - 1 <= len(parts):
        base = parts[: len(parts) - (depth - 1)]
        return ".".join([p for p in base if p] + ([module] if module else []))
    if path and path != "-":
        target = os.path.dirname(os.path.abspath(path))
        for _ in range(depth - 1):
            target = os.path.dirname(target)
        root = project_root(path)
        if root is not None and (target == root or target.startswith(root + os.sep)):
            rel = os.path.relpath(target, root)
            base = [] if rel == "." else rel.split(os.sep)
            return ".".join([*base, *([module] if module else [])])
    return module



def _ancestors(importer: str, rs: tuple[str, ...]) -> list[str]:
    """Last resort: the folders above the importer, nearest first, up to the project root (at
    most 4 without one): code run from a repository's top folder imports its namespace
    packages (``from models.generator import G`` in ``models/`` without ``__init__.py``)."""
    if importer == "-":
        return []
    d = os.path.dirname(os.path.abspath(importer))
    stop = project_root(d)
    out: list[str] = []
    for _ in range(8 if stop else 4):
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
        if d not in rs:
            out.append(d)
        if d == stop:
            break
    return out


def module_path(module: str, importer: str,
                memo: dict[tuple[str, tuple[str, ...]], str | None] | None = None) -> str | None:
    """The file of ``module`` as ``importer`` would import it, or None (not in the project).

    ``memo``: the caller's memo (an :class:`Index` keeps one per run, so that a long-lived
    process such as the language server sees files created since).
    """
    if not module or module.split(".", 1)[0] in OUTSIDE:
        return None
    rs = roots(importer) if importer != "-" else (os.getcwd(),)
    key = (module, rs)
    if memo is not None and key in memo:
        return memo[key]
    rel = module.replace(".", os.sep)
    found = None
    for r in (*rs, *_ancestors(importer, rs)):
        cand = os.path.join(r, rel)
        if os.path.isfile(cand + ".py"):
            found = cand + ".py"
            break
        if os.path.isfile(os.path.join(cand, "__init__.py")):
            found = os.path.join(cand, "__init__.py")
            break
    if memo is not None:
        memo[key] = found
    return found
