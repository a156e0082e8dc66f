"""The ``--confirm`` jobs' way into the user's file: run it as a module in this process.

A class job runs the file's *definitions* only (:func:`load_definitions`, see
:mod:`lstm_lint.confirm_defs`), as part of its package so that its relative imports work.
The script job (:func:`run_script`) imports the whole file under a private module name (so
``if __name__ == "__main__":`` blocks do not run), records the crash of its module-level code
with the lines of the user's file in the traceback, then calls the argument-free functions
the parent named.
"""

from __future__ import annotations

import ast
import os
import sys
import time
import types
import warnings
from typing import Any

from .confirm_defs import definitions
from .confirm_lines import error_record, real_path

PRIVATE = "lstm_lint_confirm_target"


def package_of(path: str) -> tuple[str, str]:
    """The folder to import the file's package from, and the package's dotted name ("" when
    the file is in no package): so that its relative imports work."""
    folder = os.path.dirname(os.path.abspath(path))
    parts: list[str] = []
    while os.path.exists(os.path.join(folder, "__init__.py")) and len(parts) < 16:
        parts.insert(0, os.path.basename(folder))
        folder = os.path.dirname(folder)
    return folder, ".".join(parts)


def _new_module(path: str, name: str = PRIVATE) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__file__ = path
    root, pkg = package_of(path)
    if pkg:
        mod.__package__ = pkg
        if root not in sys.path:
            sys.path.insert(1, root)
    # the project's own absolute imports (``from kospeech.models import ...`` in a namespace
    # package): the folders above the file, after everything installed, so they shadow nothing
    folder = os.path.dirname(os.path.abspath(path))
    for _ in range(6):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
        if folder not in sys.path:
            sys.path.append(folder)
    sys.modules[name] = mod
    return mod


def load_definitions(path: str, name: str = PRIVATE
                     ) -> tuple[types.ModuleType, dict[str, Any] | None, list[int]]:
    """Run the file's definitions only; return the module, the error that stopped them (if
    any) and the lines of the module-level statements left out."""
    import __future__

    mod = _new_module(path, name)
    with open(path, encoding="utf-8", errors="replace") as fh:
        src = fh.read()
    try:
        kept, skipped = definitions(src, path)
    except SyntaxError as exc:
        return mod, {"type": "SyntaxError", "message": str(exc), "line": exc.lineno,
                     "stage": "definitions", "frames": []}, []
    flags = 0
    for m in kept:
        st = m.body[0]
        if isinstance(st, ast.ImportFrom) and st.module == "__future__":
            for a in st.names:
                feat = getattr(__future__, a.name, None)
                flags |= getattr(feat, "compiler_flag", 0)
        try:
            exec(compile(m, path, "exec", flags=flags, dont_inherit=True), mod.__dict__)  # noqa: S102
        except SystemExit as exc:
            return mod, {"type": "SystemExit", "message": f"sys.exit({exc.code})",
                         "line": st.lineno, "stage": "definitions", "frames": [st.lineno]}, skipped
        except BaseException as exc:
            real = _imported_as_itself(path)
            if real is not None:
                return real, None, skipped
            return mod, error_record(exc, path, "definitions"), skipped
    return mod, None, skipped


def _imported_as_itself(path: str) -> types.ModuleType | None:
    """The file as its own package imported it (under its real name) while its definitions
    ran: a file that registers itself in a registry cannot run twice, and its package's import
    already ran it."""
    _root, pkg = package_of(path)
    if not pkg:
        return None
    stem = os.path.splitext(os.path.basename(path))[0]
    real = sys.modules.get(pkg if stem == "__init__" else f"{pkg}.{stem}")
    file = getattr(real, "__file__", None)
    if real is None or not file or real_path(file) != real_path(path):
        return None
    return real


def run_script(path: str, calls: list[str]) -> dict[str, Any]:
    """The file's own module-level code (not ``__main__``), then the named functions."""
    mod = _new_module(path)
    sys.argv = [path]
    out: dict[str, Any] = {"error": None, "calls": []}
    with open(path, encoding="utf-8", errors="replace") as fh:
        src = fh.read()
    t0 = time.perf_counter()
    try:
        exec(compile(src, path, "exec", dont_inherit=True), mod.__dict__)  # noqa: S102
    except SystemExit as exc:
        out["error"] = {"type": "SystemExit", "message": f"module called sys.exit({exc.code})",
                        "line": None, "frames": [], "stage": "script"}
    except BaseException as exc:
        out["error"] = error_record(exc, path, "script")
    out["seconds"] = round(time.perf_counter() - t0, 4)
    if out["error"] is not None:
        return out
    for name in calls:
        entry: dict[str, Any] = {"class": f"{name}()", "error": None, "ops": [], "warnings": [],
                                 "method": "call"}
        fn = getattr(mod, name, None)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fn()  # type: ignore[misc]
            entry["warnings"] = [str(w.message) for w in caught]
        except SystemExit as exc:
            entry["error"] = {"type": "SystemExit", "message": f"sys.exit({exc.code})",
                              "line": None, "frames": []}
        except Exception as exc:
            entry["error"] = error_record(exc, path, "call")
        out["calls"].append(entry)
    return out
