"""LST101: the features arriving at a layer differ from what it was built for."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import libcst as cst

from lstm_lint.evidence import CALLED_TOO
from lstm_lint.rule import SHAPE_ERROR, Finding, Rule, RuleContext, error_near, ran_clean_at
from lstm_lint.values import Tensor


class FeatureSizeMismatch(Rule):
    code = "LST101"
    name = "feature-size-mismatch"
    severity = "error"
    #: (attention layers check their features with an assert: "was expecting embedding
    #: dimension of 5, but got 10")
    confirm_error = (SHAPE_ERROR[0] + ("AssertionError",), SHAPE_ERROR[1])
    summary = "A layer receives a feature width it was not built for."
    what_it_does = """
Compares the width of the axis a layer reads (the last axis for `nn.Linear`, an RNN's
`input_size`, a cell, `nn.LayerNorm`; axis 1 for `nn.BatchNorm1d` and convolutions) with the
size the layer was constructed with, and explains where the arriving width came from: a
bidirectional RNN doubles it, `proj_size` replaces it, an `nn.Embedding` sets it.
"""
    why_bad = """
PyTorch raises deep inside `F.linear` or the RNN kernel (`mat1 and mat2 shapes cannot be
multiplied`), pointing at neither the layer's definition nor the line that fed it. The most
common cause is a head sized `hidden_size` after a bidirectional RNN, which emits
`2*hidden_size` features.
"""
    example = """
self.lstm = nn.LSTM(emb, hidden, batch_first=True, bidirectional=True)
self.fc = nn.Linear(hidden, n_classes)        # expects hidden features
...
out, _ = self.lstm(x)
return self.fc(out[:, -1])                    # receives 2*hidden
"""
    use_instead = """
self.fc = nn.Linear(2 * hidden, n_classes)
"""
    fix_safety = """
Unsafe: when an `nn.Linear` receives exactly k times the features it was built for (a
bidirectional RNN gives k = 2), its `in_features` argument becomes `k * in_features`. This
changes the model's parameters (a saved checkpoint no longer loads). Other mismatches get no fix.
"""

    VALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, emb, hidden, n):
        super().__init__()
        self.lstm = nn.LSTM(emb, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, n)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out.mean(dim=1))
""",
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, vocab, emb, hidden):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.rnn = nn.GRU(emb, hidden, batch_first=True)

    def forward(self, tokens):
        return self.rnn(self.embedding(tokens))[0]
""",
    ]
    INVALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, emb, hidden, n):
        super().__init__()
        self.lstm = nn.LSTM(emb, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(hidden, n)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out.mean(dim=1))  # <-- LST101
""",
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(1000, 64)
        self.lstm = nn.LSTM(32, 128, batch_first=True)

    def forward(self, tokens):
        out, _ = self.lstm(self.embedding(tokens))  # <-- LST101
        return out
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for _g, node, c in ctx.conflicts("features"):
            x = c.tensor
            what = c.what
            layer = c.layer
            label = layer.label() if layer else node.label
            kind = f"nn.{layer.kind}" if layer else "layer"
            received = c.received
            note = x.width_note if isinstance(x, Tensor) else None
            if note and c.axis == -1:
                received = f"{received} ({note})"
            shape = x.shape.render() if isinstance(x, Tensor) and x.shape else "?"
            noun = {
                "in_features": "input features", "input_size": "input features (input_size)",
                "in_channels": "input channels", "num_features": "features on axis 1",
                "normalized_shape": "features (normalized_shape)", "embed_dim": "features",
                "d_model": "features (d_model)",
            }.get(what, what)
            named = label if label == kind else f"{label} ({kind})"  # no "nn.Conv1d (nn.Conv1d)"
            msg = (f"{named} expects {c.expected} {noun} but receives {received}; "
                   f"the tensor arriving is {shape}")
            f = ctx.finding(node, msg, related=layer.cst if layer else None,
                            related_message=f"{label} is built here")
            self._fix_width(ctx, f, c, x)
            yield f

    @staticmethod
    def _fix_width(ctx: RuleContext, f: Finding, c: Any, x: Any) -> None:
        """nn.Linear(hidden, n) -> nn.Linear(2 * hidden, n) when the input is k times wider."""
        layer = c.layer
        if layer is None or layer.kind != "Linear" or not isinstance(x, Tensor) \
                or x.shape is None or not x.shape.dims:
            return
        expected, got = layer.size("in_features"), x.shape.dims[-1]
        call = layer.cst
        if expected is None or got is None or not isinstance(call, cst.Call) or not call.args:
            return
        arg = next((a for a in call.args if a.keyword is not None
                    and a.keyword.value == "in_features"), call.args[0])
        if arg.keyword is not None and arg.keyword.value != "in_features" or arg.star:
            return
        for k in (2, 3, 4):
            if got == expected * k:
                code = ctx.analysis.fm.module.code_for_node(arg.value)
                simple = isinstance(arg.value, cst.Name | cst.Attribute | cst.Integer)
                new = cst.parse_expression(f"{k} * {code}" if simple else f"{k} * ({code})")
                ctx.with_fix(f, "unsafe", f"build {layer.label()} for {k}x the features",
                             [(arg.value, new)])
                return

    def confirm(self, finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
        return _crash_of_these_widths(finding, evidence) \
            or _same_layer_elsewhere(finding, evidence) or ran_clean_at(finding, evidence)


#: the two widths an LST101 message names: "expects E <noun> but receives R (note); ..."
_WIDTHS = re.compile(r" expects (.+?) (?:input features|input channels|in1_features|"
                     r"in2_features|features) .*?but receives (.+?)(?: \(|;|$)")


def _crash_of_these_widths(finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
    """A crash at the finding's line with a shape error (:func:`error_near`) confirms it when
    its message names the two widths as the run made them (``mat1 and mat2 shapes cannot be
    multiplied (4x128 and 64x3)``: 128 and 64); a crash that names other sizes (an attention
    mask built for 10 steps on the confirmer's 7) is another bug's, or the run's own.  Where
    the widths do not evaluate to two numbers, the crash at the line decides."""
    for ev in evidence:
        found = error_near(finding, [ev])
        if found is None:
            continue
        widths = _sizes_in_run(finding, ev)
        said = found[1].split(": ", 1)[-1]  # (the error's message, not its line)
        if widths is None or not re.search(r"\d", said) \
                or all(re.search(rf"(?<![\d.]){n}(?![\d.])", said) for n in widths):
            # (a message that names no size, nn.Transformer's "the feature number of src and
            # tgt must be equal to d_model": the crash at the line decides)
            return found
    return None


def _sizes_in_run(finding: Finding, ev: Any) -> tuple[int, int] | None:
    """The expected and received widths an LST101 message names, with the run's sizes and
    constructor values (None: not two different numbers)."""
    sizes = _named_sizes(finding, ev, _WIDTHS)
    return sizes if sizes is not None and sizes[0] != sizes[1] else None


#: the recurrent layer a finding is about, as its message names it
_RNN_LABEL = re.compile(r"^LST101 (self(?:\.\w+)+) \(nn\.(?:LSTM|GRU|RNN)\) expects ")
#: the check a recurrent layer makes of its input's features
_RNN_INPUT_CHECK = re.compile(r"^input\.size\(-1\) must be equal to input_size\. "
                              r"Expected (\d+), got (\d+)$")


def _same_layer_elsewhere(finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
    """The recurrent layer the finding names raised its own input-size check at another line
    that calls it (``self.nn(obs)`` in the branch the run took, the finding at the call in
    the other): the layer is fed features it was not built for."""
    m = _RNN_LABEL.match(finding.message)
    text = getattr(finding.fm, "text", "") or ""
    if m is None or not text:
        return None
    lines = text.splitlines()
    spans: list[tuple[int, int]] | None = None  # the file's classes' lines, once needed
    for ev in evidence:
        err = ev.error
        if err is None or err.type != "RuntimeError" or err.line is None \
                or not 1 <= err.line <= len(lines):
            continue
        got = _RNN_INPUT_CHECK.match(err.message or "")
        if got is None or got.group(1) == got.group(2) \
                or _named_sizes(finding, ev, _SIZES) != (int(got.group(1)), int(got.group(2))):
            continue  # not the sizes the finding names (another input of the layer)
        if spans is None:
            spans = class_spans(finding.fm)
        if class_around(spans, err.line) != class_around(spans, finding.line):
            continue  # another class's layer of the same name (its own bug, not this one)
        if re.search(re.escape(m.group(1)) + r"\s*\(", lines[err.line - 1]):
            return ("confirmed", f"PyTorch raised {err.type} at line {err.line}, where "
                    f"{m.group(1)} {CALLED_TOO}: {err.message}")
    return None


def class_spans(fm: Any) -> list[tuple[int, int]]:
    """The first and last line of each class in the file: those the analysis extracted (at
    its top level, or under a top-level ``if``, ``try`` or ``with``) and the classes inside
    them (a class nested in a class: its lines are its own, not the outer class's)."""
    import libcst as cst

    from lstm_lint.positions import locate
    from lstm_lint.walk import descendants

    classes = [c.node for c in getattr(fm, "classes", {}).values()]
    nodes = [*classes, *(n for c in classes for n in descendants(c)
                         if isinstance(n, cst.ClassDef))]
    found = locate(fm.module, nodes) if nodes else {}
    out = []
    for n in nodes:
        sp = found.get(id(n))
        if sp is not None:
            # the span ends before its end position: at the start of the line after the class
            out.append((sp.line, sp.end_line - 1 if sp.end_column == 1 else sp.end_line))
    return out


def class_around(spans: list[tuple[int, int]], line: int) -> int | None:
    """The first line of the innermost class a line lies in (None: outside any)."""
    around = [start for start, end in spans if start <= line <= end]
    return max(around) if around else None


#: the sizes an LST101 finding on a recurrent layer names
_SIZES = re.compile(r" expects (.+?) input features \(input_size\) but receives (.+?)(?: \(|;|$)")


def _named_sizes(finding: Finding, ev: Any, pattern: re.Pattern[str]) -> tuple[int, int] | None:
    """The expected and received features the finding's message names (``pattern``'s two
    groups), with the run's sizes and constructor values; None when they do not evaluate to
    two numbers."""
    from lstm_lint.confirm_sizes import evaluate

    m = pattern.search(finding.message)
    if m is None:
        return None
    env = {k: v for k, v in (ev.constructor or {}).items()
           if isinstance(v, int) and not isinstance(v, bool)}
    env.update(ev.env)
    try:
        want, have = evaluate(m.group(1), env), evaluate(m.group(2), env)
    except Exception:
        return None
    if not isinstance(want, int) or not isinstance(have, int) or isinstance(want, bool) \
            or isinstance(have, bool):
        return None
    return want, have
