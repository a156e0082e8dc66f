"""Step 3: find the ``nn.Module`` classes of a parsed file and what their code refers to.

Only the module's top level is walked (imports, constants, classes, functions, script code):
method bodies are read later, by the interpreter, when a module is analysed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from .module_paths import canonical  # one spelling of torch's names, shared with the index

TORCH_MODULE = "torch.nn.Module"
#: outside bases that are modules too (PyTorch Lightning and friends)
KNOWN_MODULE_BASES = frozenset({
    "torch.nn.Module", "torch.nn.modules.module.Module", "pytorch_lightning.LightningModule",
    "lightning.LightningModule", "lightning.pytorch.LightningModule",
    "pytorch_lightning.core.LightningModule", "torch.jit.ScriptModule",
})
#: (top package, class name) of outside module bases, under whatever path they are re-exported
#: (``fastai.vision.all.Module``, ``nemo.core.NeuralModule``, ``lightning.pytorch.LightningModule``)
KNOWN_OUTSIDE_MODULES = frozenset({
    ("pytorch_lightning", "LightningModule"), ("lightning", "LightningModule"),
    ("fastai", "Module"), ("nemo", "NeuralModule"), ("nemo", "ModelPT"),
    ("fairseq", "FairseqEncoder"), ("fairseq", "FairseqDecoder"),
    ("fairseq", "FairseqIncrementalDecoder"), ("fairseq", "BaseFairseqModel"),
    ("fairseq", "FairseqEncoderDecoderModel"), ("allennlp", "Model"),
    ("allennlp", "Seq2SeqEncoder"), ("allennlp", "Seq2VecEncoder"),
    ("allennlp", "TokenEmbedder"), ("speechbrain", "Sequential"), ("torchvision", "VisionTransformer"),
    ("transformers", "PreTrainedModel"), ("timm", "VisionTransformer"),
})


def known_module_base(qual: str) -> bool:
    """Is ``qual`` a module base we know without reading it (torch's, or a framework's)?"""
    if qual in KNOWN_MODULE_BASES or qual.endswith(("nn.Module", "nn.modules.module.Module")):
        return True
    if qual.startswith("torch.nn.") and qual.count(".") == 2 and qual[9:10].isupper():
        return True  # a torch layer (class LSTM(nn.LSTM)) is a module too
    head = qual.split(".", 1)[0]
    return "." in qual and (head, qual.rsplit(".", 1)[-1]) in KNOWN_OUTSIDE_MODULES


@dataclass
class ClassInfo:
    name: str
    node: cst.ClassDef
    bases: list[str]  # qualified names where resolvable, else the dotted text
    methods: dict[str, cst.FunctionDef] = field(default_factory=dict)
    is_module: bool = False
    path: str = ""
    raw_bases: list[str] = field(default_factory=list)  # the bases' dotted text as written

    @property
    def forward(self) -> cst.FunctionDef | None:
        return self.methods.get("forward")

    def builds_layers(self) -> bool:
        """Does ``__init__`` assign a constructed object to ``self``? (no code generation)"""
        init = self.methods.get("__init__")
        if init is None or not isinstance(init.body, cst.IndentedBlock):
            return False
        for stmt in init.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call) and any(
                            isinstance(t.target, cst.Attribute) for t in small.targets):
                        return True
        return False


@dataclass
class FileModel:
    path: str
    module: cst.Module
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    constants: dict[str, cst.BaseExpression] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    functions: dict[str, cst.FunctionDef] = field(default_factory=dict)
    script: list[cst.BaseStatement] = field(default_factory=list)
    package: str = ""  # dotted package of the file, for relative imports
    text: str = ""  # the source, for cheap text tests
    stars: list[str] = field(default_factory=list)  # modules imported with ``import *``
    #: the top-level definitions parsed when the file was read for a few of its names (the
    #: others blanked, :mod:`lstm_lint.partial`); None: the whole file
    partial: frozenset[str] | None = None

    def module_classes(self) -> list[ClassInfo]:
        return [c for c in self.classes.values() if c.is_module]

    def mentions(self, needle: str) -> bool:
        """Whether the file's text holds ``needle``, remembered: questions asked per class
        would otherwise scan a file of thousands of classes thousands of times."""
        memo: dict[str, bool] = self.__dict__.setdefault("_mentions", {})
        hit = memo.get(needle)
        if hit is None:
            hit = memo[needle] = needle in self.text
        return hit


def int_literal(e: cst.BaseExpression | None) -> int | None:
    """The value of an integer literal, signed or not (``2``, ``-1``); None for anything else."""
    sign = 1
    if isinstance(e, cst.UnaryOperation) and isinstance(e.operator, cst.Minus):
        sign, e = -1, e.expression
    if isinstance(e, cst.Integer):
        try:
            return sign * int(e.value.replace("_", ""), 0)
        except ValueError:
            return None
    return None


def dotted(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        head = dotted(expr.value)
        return None if head is None else f"{head}.{expr.attr.value}"
    return None




def _module_name(node: cst.Attribute | cst.Name) -> str:
    d = dotted(node)
    return d or ""


def resolve_name(fm: FileModel, text: str) -> str:
    head, _, rest = text.partition(".")
    if head in fm.imports:
        q = fm.imports[head]
        return canonical(f"{q}.{rest}" if rest else q)
    return text


def extract(path: str, module: cst.Module, package: str = "", text: str = "") -> FileModel:
    fm = FileModel(path=path, module=module, package=package, text=text)
    _walk(fm, module.body, top=True)
    for c in fm.classes.values():
        c.path = path
    mark_modules(fm.classes.values(), {}, fallback=False)
    return fm


def _walk(fm: FileModel, body: object, top: bool) -> None:
    for stmt in body:  # type: ignore[attr-defined]
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        full = _module_name(alias.name)
                        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                            fm.imports[alias.asname.name.value] = full
                        else:
                            first = full.split(".")[0]
                            fm.imports.setdefault(first, first)
                elif isinstance(small, cst.ImportFrom):
                    _import_from(fm, small)
                elif isinstance(small, cst.Assign) and top:
                    for t in small.targets:
                        if isinstance(t.target, cst.Name):
                            fm.constants[t.target.value] = small.value
                elif isinstance(small, cst.AnnAssign) and top and small.value is not None:
                    if isinstance(small.target, cst.Name):
                        fm.constants[small.target.value] = small.value
            if top:
                fm.script.append(stmt)
        elif isinstance(stmt, cst.ClassDef):
            # ``Base[T]`` (a generic base) is the class subscripted
            raw = [d for d in (dotted(arg.value.value if isinstance(arg.value, cst.Subscript)
                                      else arg.value)
                               for arg in stmt.bases if arg.keyword is None) if d is not None]
            info = ClassInfo(stmt.name.value, stmt, [resolve_name(fm, d) for d in raw],
                             raw_bases=raw)
            if isinstance(stmt.body, cst.IndentedBlock):
                for item in stmt.body.body:
                    if isinstance(item, cst.FunctionDef):
                        info.methods[item.name.value] = item
            fm.classes[stmt.name.value] = info
        elif isinstance(stmt, cst.FunctionDef):
            if top:
                fm.functions[stmt.name.value] = stmt
        elif isinstance(stmt, cst.If) and top and stmt.orelse is not None:
            # ``if args.resume: model = torch.load(...) else: model = Net(...)``: each branch's
            # imports and definitions count, and the interpreter runs the statement itself
            # (the branch its condition picks, or both joined), never one branch after the other
            mark = len(fm.script)
            if isinstance(stmt.body, cst.IndentedBlock):
                _walk(fm, stmt.body.body, top=True)
            # a name the first branch binds keeps its meaning (as when only it was read)
            imports, constants = dict(fm.imports), dict(fm.constants)
            classes, functions = dict(fm.classes), dict(fm.functions)
            branch: cst.If | cst.Else | None = stmt.orelse
            while branch is not None:
                if isinstance(branch.body, cst.IndentedBlock):
                    _walk(fm, branch.body.body, top=True)
                branch = branch.orelse if isinstance(branch, cst.If) else None
            # ... but a constant the branches bind to different values (``EMB = 300`` if
            # ``USE_GLOVE`` else ``100``) is neither: the script's run picks a branch, and a
            # class reading the name must not take the first branch's value against it
            split = {k for k, v in constants.items()
                     if fm.constants.get(k, v) is not v and not _same_code(fm.constants[k], v)}
            fm.imports.update(imports)
            fm.constants.update(constants)
            for k in split:
                del fm.constants[k]
            fm.classes.update(classes)
            fm.functions.update(functions)
            del fm.script[mark:]
            fm.script.append(stmt)
        elif isinstance(stmt, (cst.If, cst.Try, cst.With)) and top:
            # imports guarded by try/if still count; `if __name__ == "__main__":` is script
            inner = stmt.body.body if isinstance(stmt.body, cst.IndentedBlock) else []
            _walk(fm, inner, top=True)
            if isinstance(stmt, cst.Try):
                for h in stmt.handlers:
                    if isinstance(h.body, cst.IndentedBlock):
                        _walk(fm, h.body.body, top=True)
        elif top:
            fm.script.append(stmt)


def _import_from(fm: FileModel, node: cst.ImportFrom) -> None:
    from .module_paths import absolute

    mod = _module_name(node.module) if node.module is not None else ""
    if node.relative:
        mod = absolute(fm.package, len(node.relative), mod, fm.path)
    if isinstance(node.names, cst.ImportStar):
        if mod not in fm.stars:
            fm.stars.append(mod)
        return
    for alias in node.names:
        name = _module_name(alias.name)
        local = name
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local = alias.asname.name.value
        fm.imports[local] = canonical(f"{mod}.{name}" if mod else name)


def imported_names(fm: FileModel, node: cst.Import | cst.ImportFrom) -> dict[str, str]:
    """The names an import statement binds, each to the dotted name it refers to (torch's
    canonical): for an import inside a function (``from torch.nn.modules.rnn import LSTM``)."""
    from .module_paths import absolute

    out: dict[str, str] = {}
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = _module_name(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                out[alias.asname.name.value] = canonical(full)
            else:
                first = full.split(".")[0]
                out[first] = first
        return out
    if isinstance(node.names, cst.ImportStar):
        return out
    mod = _module_name(node.module) if node.module is not None else ""
    if node.relative:
        mod = absolute(fm.package, len(node.relative), mod, fm.path)
    for alias in node.names:
        name = _module_name(alias.name)
        local = name
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local = alias.asname.name.value
        out[local] = canonical(f"{mod}.{name}" if mod else name)
    return out


def mark_modules(classes: object, outside: dict[str, ClassInfo], fallback: bool = True,
                 plain: set[str] | frozenset[str] = frozenset()) -> None:
    """Decide which classes are ``nn.Module``s: by base, transitively, across files.

    With ``fallback``, a class whose base cannot be resolved at all (an outside package) is a
    module when it has a ``forward`` and builds layers in ``__init__``; a base that resolves
    to a plain class of the run never makes a module.
    """
    cls_list = list(classes)  # type: ignore[call-overload]
    by_name = {c.name: c for c in cls_list}
    while True:
        _mark_by_base(cls_list, by_name, outside)
        if not fallback:
            return
        marked = False
        for c in cls_list:
            if not c.is_module and c.bases and "forward" in c.methods and c.builds_layers():
                # an outside base we cannot see (pl.LightningModule, FairseqEncoder): a forward
                # and layers built in __init__ are evidence enough
                unresolved = [b for b in c.bases
                              if b not in by_name and b not in outside and b not in plain]
                if unresolved:
                    c.is_module = marked = True
        if not marked:  # else: subclasses of the classes just marked are modules too
            return


def _mark_by_base(cls_list: list[ClassInfo], by_name: dict[str, ClassInfo],
                  outside: dict[str, ClassInfo]) -> None:
    changed = True
    while changed:
        changed = False
        for c in cls_list:
            if c.is_module:
                continue
            for b in c.bases:
                short = b.rsplit(".", 1)[-1]
                base = by_name.get(b) or outside.get(b)
                if known_module_base(b) or (base is not None and base.is_module) \
                        or (short in by_name and by_name[short].is_module and "." not in b):
                    c.is_module = True
                    changed = True
                    break


def _same_code(a: cst.CSTNode, b: cst.CSTNode) -> bool:
    """Do two expressions read the same (``EMB = 100`` in both branches)?"""
    empty = cst.Module(body=[])
    return empty.code_for_node(a) == empty.code_for_node(b)
