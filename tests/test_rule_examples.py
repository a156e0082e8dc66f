"""Every rule's VALID examples stay clean; every INVALID example is flagged at its marked line."""

from __future__ import annotations

import re

import pytest

from lstm_lint.lint import Options, check_file, load
from lstm_lint.rule import CODE_RE, NAME_RE, Finding, all_rules

MARK = re.compile(r"#\s*<--\s*(LST\d{3})")


def _lint(tmp_path, text: str) -> list[Finding]:
    path = tmp_path / "example.py"
    path.write_text(text.lstrip("\n"))
    fm = load(str(path))
    assert fm is not None and not isinstance(fm, Finding), fm
    return check_file(fm, None, Options()).findings


CASES = [(r, i, ex, ok) for r in all_rules() for ok, exs in ((True, r.VALID), (False, r.INVALID))
         for i, ex in enumerate(exs)]


def test_catalogue_is_well_formed():
    rules = all_rules()
    assert len(rules) >= 12
    codes = [r.code for r in rules]
    assert len(set(codes)) == len(codes)
    for r in rules:
        assert CODE_RE.match(r.code), r.code
        assert NAME_RE.match(r.name), r.name
        assert r.severity in ("error", "warning")
        assert r.VALID and r.INVALID, f"{r.code} needs good and bad examples"
        for part in (r.summary, r.what_it_does, r.why_bad, r.example, r.use_instead,
                     r.fix_safety):
            assert part.strip()


@pytest.mark.parametrize(("rule", "i", "example", "valid"), CASES,
                         ids=[f"{r.code}-{'valid' if ok else 'invalid'}-{i}"
                              for r, i, _, ok in CASES])
def test_rule_example(tmp_path, rule, i, example, valid):
    findings = _lint(tmp_path, example)
    if valid:
        assert findings == [], [f.message for f in findings]
        return
    lines = example.lstrip("\n").splitlines()
    marked = [(n + 1, m.group(1)) for n, line in enumerate(lines) if (m := MARK.search(line))]
    assert marked, "an INVALID example needs a '# <-- LSTnnn' marker"
    for line, code in marked:
        hits = [f for f in findings if f.code == code and f.line == line]
        assert hits, f"expected {code} at line {line}, got " + repr(
            [(f.code, f.line, f.message) for f in findings])
    other = [f for f in findings if (f.line, f.code) not in marked]
    assert not other, [(f.code, f.line, f.message) for f in other]
    for f in findings:
        assert f.message.startswith(f.code + " ")
