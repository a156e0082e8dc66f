"""The files of one run, so that a class can derive from a module class in another file."""

from __future__ import annotations

import os
from collections.abc import Sequence

import libcst as cst

from .extract import ClassInfo, FileModel, mark_modules


class Project:
    def __init__(self, files: Sequence[FileModel]):
        self.by_module: dict[str, FileModel] = {}
        self.classes: dict[str, tuple[ClassInfo, FileModel]] = {}
        for fm in files:
            name = _module_name(fm)
            self.by_module[name] = fm
            for c in fm.classes.values():
                self.classes[f"{name}.{c.name}"] = (c, fm)
        outside = {q: c for q, (c, _fm) in self.classes.items()}
        for fm in files:
            local = list(fm.classes.values())
            mark_modules(local, outside)

    def find_class(self, qual: str) -> tuple[ClassInfo, FileModel] | None:
        if qual in self.classes:
            return self.classes[qual]
        # `from .encoders import Encoder` resolved against a package-less layout
        short = qual.rsplit(".", 1)
        if len(short) == 2:
            for q, v in self.classes.items():
                if q.endswith("." + short[1]) and q.split(".")[-2] == short[0].split(".")[-1]:
                    return v
        return None

    def find_function(self, qual: str) -> tuple[cst.FunctionDef, FileModel] | None:
        mod, _, name = qual.rpartition(".")
        fm = self.by_module.get(mod)
        if fm is not None and name in fm.functions:
            return fm.functions[name], fm
        return None


def _module_name(fm: FileModel) -> str:
    base = os.path.splitext(os.path.basename(fm.path))[0]
    if base == "__init__":
        return fm.package or base
    return f"{fm.package}.{base}" if fm.package else base
