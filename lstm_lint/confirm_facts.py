"""``--confirm``: what a plan reads off the static analysis.

Which symbols the analysis used as sizes (a constructor parameter flowing into one may get a
prime), and the file's own instantiations of each class, as plain values for the run and as
the engine's abstract values.
"""

from __future__ import annotations

import math
from typing import Any

from .analyze import FileAnalysis, ModuleShapes
from .layers import Layer
from .layers_attention import WIDTH_AND_HEADS
from .symbolic import Expr, Sym, sym
from .values import Const, Int, RnnInfo, Seq, Tensor, Value

#: layer arguments that are sizes (a constructor parameter flowing into one is a size)
SIZE_ARGS = {
    "input_size", "hidden_size", "num_layers", "proj_size", "in_features", "out_features",
    "in1_features", "in2_features", "num_embeddings", "embedding_dim", "in_channels",
    "out_channels", "kernel_size", "num_features", "normalized_shape", "embed_dim",
    "num_heads", "d_model", "nhead", "dim_feedforward", "kdim", "vdim", "output_size",
    "num_channels", "num_groups", "stride", "padding", "dilation", "num_encoder_layers",
    "num_decoder_layers", "out_size", "size",
}


#: layer arguments that index a table the layer builds (``padding_idx``): 0 is in any
INDEX_ARGS = {"padding_idx"}


def _to_json(v: Value) -> Any:
    if isinstance(v, Int):
        return v.expr.as_int() if v.expr is not None else None
    if isinstance(v, Const):
        return v.value if v.value is None or isinstance(v.value, bool | int | float | str) \
            else None
    if isinstance(v, Seq) and v.repeated is None:
        return [_to_json(i) for i in v.items]
    return None


def _sym_names(e: Expr | None) -> set[str]:
    return {a.name for a in e.atoms() if isinstance(a, Sym)} if e is not None else set()


def size_symbols(ms: ModuleShapes | None) -> set[str]:
    """Symbols the analysis used as sizes: tensor dimensions and layers' size arguments."""
    out: set[str] = set()
    if ms is None:
        return out
    seen: set[int] = set()

    def walk(v: Any) -> None:
        if id(v) in seen:
            return
        seen.add(id(v))
        if isinstance(v, Tensor):
            if v.shape is not None:
                for d in v.shape.dims:
                    out.update(_sym_names(d))
            if v.rnn is not None:
                walk(v.rnn)
        elif isinstance(v, RnnInfo):
            out.update(_sym_names(v.hidden) | _sym_names(v.num_layers))
        elif isinstance(v, Layer):
            for k, p in v.params.items():
                if k in SIZE_ARGS and isinstance(p, Int):
                    # a size argument computed from symbols in a form the engine does not
                    # keep (``Linear(h, 2 ** bits)``): they are ints all the same
                    out.update(_sym_names(p.expr) | set(p.deps))
            for c in v.children:
                walk(c)
        elif isinstance(v, Seq):
            for i in v.items:
                walk(i)
            if v.repeated is not None:
                walk(v.repeated)
        elif isinstance(v, list | tuple):
            for i in v:
                walk(i)

    for _nid, data in ms.graph.g.nodes(data=True):
        for key in ("value", "layer", "source"):
            if key in data:
                walk(data[key])
    for v in ms.inputs:
        walk(v)
    walk(ms.output)
    # the counts of the code's loops (``range(max_len - 1)``)
    out |= getattr(ms.graph, "counts", set())
    return out


def index_symbols(ms: ModuleShapes | None) -> set[str]:
    """Symbols given plain to a layer as an index into the table it builds
    (``nn.Embedding(vocab, dim, padding_idx=pad)``): 0 is a valid value of each."""
    out: set[str] = set()
    if ms is None:
        return out
    for _nid, data in ms.graph.g.nodes(data=True):
        layer = data.get("layer")
        if not isinstance(layer, Layer):
            continue
        for k, p in layer.params.items():
            if k not in INDEX_ARGS or not isinstance(p, Int):
                continue
            names = _sym_names(p.expr)
            if len(names) == 1 and p.expr == sym(next(iter(names))):
                out |= names
    return out


def head_multiples(ms: ModuleShapes | None, known: dict[str, int] | None = None
                   ) -> dict[str, int]:
    """Symbols an attention layer's width is made of (``d``, ``2 * d``) whose number of heads
    is a known ``k > 1`` (``nn.MultiheadAttention(d, 4)``; ``n_heads=4``, a default in
    ``known``): torch builds the layer only when ``k`` divides the width, so a size chosen
    for ``d`` must be a multiple of ``k / gcd(k, c)`` for a width ``c * d``."""
    from .confirm_sizes import evaluate

    out: dict[str, int] = {}
    if ms is None:
        return out
    for _nid, data in ms.graph.g.nodes(data=True):
        layer = data.get("layer")
        if not isinstance(layer, Layer) or layer.kind not in WIDTH_AND_HEADS:
            continue
        width, heads = (layer.params.get(k) for k in WIDTH_AND_HEADS[layer.kind])
        if not isinstance(width, Int) or width.expr is None or not isinstance(heads, Int) \
                or heads.expr is None:
            continue
        names = _sym_names(width.expr)
        try:
            k = evaluate(str(heads.expr), dict(known or {}))
            if len(names) != 1:
                continue
            name = next(iter(names))
            c = evaluate(str(width.expr), {name: 1})
            linear = isinstance(c, int) and evaluate(str(width.expr), {name: 2}) == 2 * c
        except Exception:  # heads or a width the run cannot tell
            continue
        if not isinstance(k, int) or isinstance(k, bool) or k <= 1 or not linear \
                or not isinstance(c, int) or isinstance(c, bool) or c <= 0:
            continue
        step = k // math.gcd(k, c)
        if step > 1:
            out[name] = math.lcm(out.get(name, 1), step)
    return out


def exponent_symbols(ms: ModuleShapes | None) -> set[str]:
    """Symbols the code raises a number to (``2 ** bits``): a small value is enough."""
    return set(getattr(ms.graph, "exponents", set())) if ms is not None else set()


def raw_instantiations(fa: FileAnalysis) -> dict[str, tuple[list[Value], dict[str, Value]]]:
    """The engine's abstract constructor arguments of each class the file builds (first)."""
    out: dict[str, tuple[list[Value], dict[str, Value]]] = {}
    for name, args, kwargs in fa.instantiations:
        out.setdefault(name, (list(args), dict(kwargs)))
    return out


def instantiations_of(fa: FileAnalysis) -> dict[str, tuple[list[Any], dict[str, Any]]]:
    out: dict[str, tuple[list[Any], dict[str, Any]]] = {}
    for name, args, kwargs in fa.instantiations:
        ja = [_to_json(a) for a in args]
        jk = {k: _to_json(v) for k, v in kwargs.items()}
        if None in ja or None in jk.values():
            continue
        out.setdefault(name, (ja, jk))
    return out
