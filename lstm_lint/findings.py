"""What a run reports: findings with 1-based positions (light: imported by every front end)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Related:
    path: str
    cst: Any
    fm: Any
    message: str
    span: Any = None  # a positions.Span once located


@dataclass
class Finding:
    code: str
    name: str
    severity: str  # "error" | "warning"
    message: str  # starts with the code
    path: str
    cst: Any  # the libcst node at the root cause (None for file-level diagnostics)
    fm: Any = None  # FileModel owning cst
    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1
    related: list[Related] = field(default_factory=list)
    fix: dict[str, Any] | None = None
    confirmation: dict[str, Any] | None = None
    #: a fix before positions are known: (applicability, message, [(node, new code)])
    pending_fix: tuple[str, str, list[tuple[Any, str]]] | None = None
    #: the context the finding holds in, for ``--confirm``: the module class whose analysis
    #: found it (``owner``), the chain of calls from it into the code at fault (``via``:
    #: ``("self.decoder (Decoder)",)``), and the configuration it was built with
    #: (``{"kind": "defaults" | "call", "label": ..., "path": ..., "line": ...}``)
    owner: str | None = None
    via: tuple[str, ...] = ()
    configuration: dict[str, Any] | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (no syntax tree): for the cache and for worker processes."""
        return {
            "code": self.code, "name": self.name, "severity": self.severity,
            "message": self.message, "path": self.path, "line": self.line,
            "column": self.column, "end_line": self.end_line, "end_column": self.end_column,
            "related": [{"path": r.path, "message": r.message,
                         "span": None if r.span is None else [r.span.line, r.span.column,
                                                              r.span.end_line, r.span.end_column]}
                        for r in self.related],
            "fix": self.fix, "confirmation": self.confirmation,
        }

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Finding:
        from .positions import Span

        f = Finding(d["code"], d["name"], d["severity"], d["message"], d["path"], None, None,
                    d["line"], d["column"], d["end_line"], d["end_column"],
                    fix=d.get("fix"), confirmation=d.get("confirmation"))
        for r in d.get("related", []):
            span = Span(*r["span"]) if r.get("span") else None
            f.related.append(Related(r["path"], None, None, r["message"], span))
        return f
