"""Words for what the engine found: values, layers and dataflow nodes as short text.

Shared by the graph (:mod:`lstm_lint.render`, one label per node and edge) and the editor's
hovers (:mod:`lstm_lint.doc_analysis`), so that a layer or a shape reads the same in both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .dataflow import Dataflow
    from .layers import Layer
    from .values import Value



def node_contexts(graph: Dataflow) -> dict[int, tuple[int, ...]]:
    """Each node's call context: the keys of the calls (sub-module, helper) it was reached by."""
    keys: dict[tuple[tuple[int, ...], int], int] = getattr(graph, "node_keys", {})
    return {nid: ctx for (ctx, _obj), nid in keys.items()}


def outer_module(graph: Dataflow, ctx: tuple[int, ...]) -> int | None:
    """The outermost sub-module call a context lies in (None: the module's own code)."""
    g = graph.g
    for c in ctx:
        if c in g and g.nodes[c].get("op") == "module":
            return c
    return None


def value_text(v: Value | None) -> str:
    from .shapes import value_text as text

    if v is None:
        return "unknown"
    return text(v)


def _arg_text(v: Value) -> str:
    from .values import Const, Flag, Int, Seq

    if isinstance(v, Int):
        return "?" if v.expr is None else str(v.expr)
    if isinstance(v, Const):
        return repr(v.value)
    if isinstance(v, Flag):
        return ("not " if v.negated else "") + v.name
    if isinstance(v, Seq) and v.repeated is None:
        return "(" + ", ".join(_arg_text(i) for i in v.items) + ")"
    return "?"


#: the arguments shown for each layer kind: sizes first, then settings that are not defaults
_SIZES = {
    "Linear": ("in_features", "out_features"), "LazyLinear": ("out_features",),
    "Bilinear": ("in1_features", "in2_features", "out_features"),
    "Embedding": ("num_embeddings", "embedding_dim"),
    "Conv1d": ("in_channels", "out_channels", "kernel_size"),
    "Conv2d": ("in_channels", "out_channels", "kernel_size"),
    "LayerNorm": ("normalized_shape",), "BatchNorm1d": ("num_features",),
    "BatchNorm2d": ("num_features",), "MultiheadAttention": ("embed_dim", "num_heads"),
    "LSTMCell": ("input_size", "hidden_size"), "GRUCell": ("input_size", "hidden_size"),
    "RNNCell": ("input_size", "hidden_size"),
}
_KEYWORDS = {
    "Conv1d": ("stride", "padding", "dilation"), "Conv2d": ("stride", "padding", "dilation"),
    "MaxPool1d": ("kernel_size", "stride"), "MaxPool2d": ("kernel_size", "stride"),
    "AvgPool1d": ("kernel_size", "stride"), "AvgPool2d": ("kernel_size", "stride"),
    "AdaptiveAvgPool1d": ("output_size",), "AdaptiveMaxPool1d": ("output_size",),
    "AdaptiveAvgPool2d": ("output_size",), "AdaptiveMaxPool2d": ("output_size",),
    "Flatten": ("start_dim", "end_dim"), "Softmax": ("dim",), "LogSoftmax": ("dim",),
    "MultiheadAttention": ("batch_first",),
}
_DEFAULTS: dict[str, Any] = {"stride": 1, "padding": 0, "dilation": 1, "start_dim": 1,
                             "end_dim": -1, "batch_first": False}


def layer_summary(layer: Layer) -> str:
    """``LSTM(embed_dim, hidden_dim, num_layers=2, bidirectional, batch_first)``."""
    from .layers import RECURRENT
    from .values import UNKNOWN, Const, Int

    parts: list[str] = []
    if layer.kind in RECURRENT:
        parts += [_arg_text(layer.p(n)) for n in ("input_size", "hidden_size")]
        layers = layer.size("num_layers")
        if layers is None or layers.as_int() != 1:
            parts.append(f"num_layers={_arg_text(layer.p('num_layers'))}")
        for flag in ("bidirectional", "batch_first"):
            f = layer.flag(flag)
            if f is True:
                parts.append(flag)
            elif isinstance(f, str):
                parts.append(f"{flag}={f}")
        # dropout is left out: it never changes a shape (and float literals are not tracked)
        proj = layer.size("proj_size")
        if proj is not None and proj.as_int() != 0:
            parts.append(f"proj_size={proj}")
        if layer.kind == "RNN":
            nl = layer.p("nonlinearity")
            if isinstance(nl, Const) and nl.value not in (None, "tanh"):
                parts.append(f"nonlinearity={nl.value!r}")
    else:
        parts += [_arg_text(layer.p(n)) for n in _SIZES.get(layer.kind, ())
                  if layer.p(n) is not UNKNOWN]
        for n in _KEYWORDS.get(layer.kind, ()):
            v = layer.p(n)
            if v is UNKNOWN:
                continue
            if n in _DEFAULTS:
                known = v.value if isinstance(v, Const) else (
                    v.expr.as_int() if isinstance(v, Int) and v.expr is not None else None)
                if known == _DEFAULTS[n]:
                    continue
            parts.append(f"{n}={_arg_text(v)}")
        if layer.kind == "Sequential":
            parts = [c.kind if hasattr(c, "kind") else "?" for c in layer.children]
    return f"{layer.kind}({', '.join(parts)})" if parts else layer.kind


def node_text(data: dict[str, Any]) -> str:
    """What a node says: ``self.lstm: LSTM(...)``, ``out[:, -1, :]``, ``permute(0, 2, 1)``."""
    import libcst as cst

    op = data.get("op", "")
    label = data.get("label", "") or op
    if op == "input":
        return f"input {label}"
    if op in ("layer", "build") and data.get("layer") is not None:
        summary = layer_summary(data["layer"])
        return summary if label.startswith("nn.") or label == summary else f"{label}: {summary}"
    if op == "module":
        cls = data.get("cls")
        node = data.get("cst")
        if label == "self" and isinstance(node, cst.Call):  # the engine's default label
            from .extract import dotted

            label = dotted(node.func) or label
        return f"{label}: {cls}" if cls and cls != label else label
    if op == "index":
        node = data.get("cst")
        if isinstance(node, cst.Subscript):
            from .extract import dotted

            base = dotted(node.value)
            if base is not None and len(base) <= 24:
                return f"{base}{label}"
        return f"index {label}"
    if op in ("arith", "compare"):
        fm = data.get("fm")
        node = data.get("cst")
        if fm is not None and node is not None:
            try:
                code = " ".join(fm.module.code_for_node(node).split())
            except Exception:  # a node libcst cannot print on its own
                code = ""
            if code and len(code) <= 32:
                return code
        return _OPERATORS.get(label, label)
    if op == "permute" and data.get("order") is not None:
        return f"permute({', '.join(_dim(d) for d in data['order'])})"
    if op == "transpose" and data.get("axes") is not None and label != "t":
        return f"transpose({', '.join(_dim(d) for d in data['axes'])})"
    return label


_OPERATORS = {"Add": "+", "Subtract": "-", "Multiply": "*", "Divide": "/", "FloorDivide": "//",
              "Modulo": "%", "Power": "**", "MatrixMultiply": "@", "LessThan": "<",
              "GreaterThan": ">", "Equal": "==", "NotEqual": "!=", "LessThanEqual": "<=",
              "GreaterThanEqual": ">="}


def _dim(d: Any) -> str:
    return "?" if d is None else str(d)
