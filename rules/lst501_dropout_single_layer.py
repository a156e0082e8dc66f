"""LST501: RNN dropout with a single layer does nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import libcst as cst

from lstm_lint.rule import Finding, Rule, RuleContext, keyword_arg, lines_of
from lstm_lint.values import Const


class DropoutSingleLayer(Rule):
    code = "LST501"
    name = "dropout-single-layer"
    severity = "warning"
    confirm_at_build = True
    summary = "`dropout` of an RNN applies between layers: with one layer it does nothing."
    what_it_does = """
Flags `nn.LSTM`/`nn.GRU`/`nn.RNN` built with `dropout > 0` and `num_layers == 1`. The finding
is on the constructor call and points at the `dropout=` argument.
"""
    why_bad = """
The RNN's `dropout` argument drops the outputs of every layer except the last. With a single
layer there is nothing to drop: PyTorch only warns once, and the model is not regularised as
its author believes.
"""
    example = """
self.lstm = nn.LSTM(n_in, hidden, batch_first=True, dropout=0.3)
"""
    use_instead = """
self.lstm = nn.LSTM(n_in, hidden, batch_first=True)
self.dropout = nn.Dropout(0.3)     # applied to the LSTM's output in forward
"""
    fix_safety = """
Safe: removing `dropout=` from a single-layer RNN keeps what the model computes (PyTorch never
applied it) and silences PyTorch's warning. Unsafe when `num_layers` is given by an
expression (a parameter, a configuration value): the finding holds for the values the
analysis saw (a default, a configuration it names), and a model built another way may stack
layers, where the dropout acts. A positional dropout argument is left alone.
"""

    VALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, num_layers=2, dropout=0.3)
""",
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, dropout=0.0)
""",
    ]
    INVALID = [
        """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, dropout=0.3)  # <-- LST501
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for _g, node, c in ctx.conflicts("config"):
            if c.option != "dropout":
                continue
            label = c.layer.label() if c.layer else "the RNN"
            msg = (f"{label} has dropout={c.value} but num_layers=1: RNN dropout "
                   "applies between stacked layers, so it does nothing here; use nn.Dropout on "
                   "the output, or num_layers > 1")
            given = c.layer.params.get("dropout") if c.layer else None
            if isinstance(given, Const) and given.param:  # a constructor's default, as written
                msg += f" (with the default {given.param}={given.value})"
            arg = keyword_arg(node.cst, "dropout")
            f = ctx.finding(node, msg, related=arg,
                            related_message="dropout is set here" if arg is not None else "")
            call = node.cst
            args = getattr(call, "args", None)
            if args is not None:
                keep = [a for a in args if not (a.keyword is not None and a.keyword.value == "dropout")]
                if len(keep) == len(args) - 1 and keep:
                    # the removed argument was the last: drop the comma before it, unless a
                    # comment follows that comma (a trailing comma keeps the comment)
                    if not _comment_after(keep[-1].comma):
                        keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                    # num_layers given by an expression (``num_layers or 1`` of a None
                    # default): another caller may build more layers, where dropout acts
                    given_layers = keyword_arg(call, "num_layers")
                    positional = [a for a in args if a.keyword is None and not a.star]
                    layers = given_layers.value if given_layers is not None else \
                        positional[2].value if len(positional) >= 3 else None
                    starred = any(a.star for a in args)  # (**kw, *dims may carry it)
                    fixed = type(layers) is cst.Integer or (layers is None and not starred)
                    ctx.with_fix(f, "safe" if fixed else "unsafe",
                                 "remove the dropout that does nothing",
                                 [(call, call.with_changes(args=keep))])
            yield f

    def confirm(self, finding: Finding, evidence: list[Any]) -> tuple[str, str] | None:
        """Decided by building the model: no forward input is needed.  Only a run that built
        the layer at the finding's line speaks for it (PyTorch's warning names no line: another
        class's layer, or another layer of the same run, may have raised it)."""
        for ev in evidence:
            builds = [o for ln in sorted(lines_of(finding)) for o in ev.ops_at(ln)
                      if o.op == "build" and o.config]
            if not builds:
                continue
            # several layers may be built at the line (two on one line, one in a loop): the
            # finding is confirmed by any one-layer build with dropout, refuted only when none
            for op in builds:
                cfg = op.config
                if cfg["dropout"] and cfg["num_layers"] == 1:
                    built = (f"the {op.name} built at line {op.line} has "
                             f"dropout={cfg['dropout']} and num_layers=1")
                    warned = [w for w in ev.warnings if "dropout" in w and "num_layers" in w]
                    if warned:
                        return ("confirmed", f"PyTorch warned: {warned[0].splitlines()[0]} "
                                f"({built})")
                    return ("confirmed", built + ": no layer follows to drop into")
            each = "; ".join(f"dropout={o.config['dropout']}, num_layers="
                             f"{o.config['num_layers']}" for o in builds)
            return ("refuted", f"every {builds[0].name} built at line {builds[0].line} has "
                    f"a dropout between stacked layers or none ({each})")
        return None


def _comment_after(comma: object) -> bool:
    """Does a comment follow this comma (before the next argument)?"""
    ws = getattr(comma, "whitespace_after", None)
    return ws is not None and "#" in cst.Module([]).code_for_node(ws)
