"""The catalogue: every rule of ``lstm_lint.rules`` loaded once, looked up by code or name,
and documented (``lstm-lint rule --all > docs/rules.md``)."""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .rule import Rule


def _rules_package() -> Any:
    """``lstm_lint.rules``: installed from ``rules/``, or read from a source checkout."""
    try:
        return importlib.import_module("lstm_lint.rules")
    except ModuleNotFoundError:
        import os
        import sys
        from importlib import util

        folder = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rules")
        spec = util.spec_from_file_location(
            "lstm_lint.rules", os.path.join(folder, "__init__.py"),
            submodule_search_locations=[folder])
        if spec is None or spec.loader is None:
            raise
        mod = util.module_from_spec(spec)
        sys.modules["lstm_lint.rules"] = mod
        spec.loader.exec_module(mod)
        return mod


def _load() -> list[Rule]:
    from .rule import Rule

    pkg = _rules_package()

    found: list[Rule] = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{pkg.__name__}.{info.name}")
        for obj in vars(mod).values():
            if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule \
                    and obj.__module__ == mod.__name__:
                found.append(obj())
    found.sort(key=lambda r: r.code)
    return found


_RULES: list[Rule] | None = None


def all_rules() -> list[Rule]:
    global _RULES
    if _RULES is None:
        _RULES = _load()
    return _RULES


def catalogue_markdown() -> str:
    """docs/rules.md, generated from the rule files (``lstm-lint rule --all``)."""
    head = ["# Rule catalogue", "",
            "Generated from `rules/` by `lstm-lint rule --all > docs/rules.md`; do not edit.", "",
            "| code | name | severity | summary |", "|---|---|---|---|"]
    for r in all_rules():
        summary = r.summary.replace("|", "\\|")
        head.append(f"| [{r.code}](#{r.code.lower()}-{r.name}) | {r.name} | {r.severity} | "
                    f"{summary} |")
    body = [r.docs().replace(f"# {r.code} {r.name}", f"## {r.code} {r.name}", 1)
            .replace("\n## ", "\n### ") for r in all_rules()]
    return "\n".join(head) + "\n\n" + "\n".join(body)


def rule_by_code(code: str) -> Rule | None:
    for r in all_rules():
        if r.code == code.upper() or r.name == code:
            return r
    return None
