"""The rule pack: one rule per file (installed as ``lstm_lint.rules``)."""
