"""An exception inside one rule on one file is one LST000 diagnostic; the rest goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lstm_lint.cli import main
from lstm_lint.rule import all_rules, rule_by_code

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def broken_rule(monkeypatch):
    rule = rule_by_code("LST202")
    assert rule is not None

    def explode(ctx):
        raise ZeroDivisionError("planted")
        yield  # pragma: no cover

    monkeypatch.setattr(type(rule), "check", lambda self, ctx: explode(ctx))
    return rule


def test_one_broken_rule_is_contained(tmp_path, capsys, broken_rule):
    a = tmp_path / "a.py"
    a.write_text((rule_by_code("LST201").INVALID[0]).lstrip("\n"))  # type: ignore[union-attr]
    b = tmp_path / "b.py"
    b.write_text((rule_by_code("LST101").INVALID[0]).lstrip("\n"))  # type: ignore[union-attr]
    code = main(["--no-cache", "--jobs", "1", "--format", "json", str(a), str(b)])
    findings = json.loads(capsys.readouterr().out)
    assert code == 2  # an internal error
    internal = [f for f in findings if f["code"] == "LST000"]
    assert {f["path"] for f in internal} == {str(a), str(b)}
    assert all("LST202" in f["message"] and "planted" in f["message"] for f in internal)
    codes = {(f["path"], f["code"]) for f in findings}
    assert (str(a), "LST201") in codes and (str(b), "LST101") in codes


def test_debug_shows_the_traceback(tmp_path, capsys, broken_rule):
    a = tmp_path / "a.py"
    a.write_text((rule_by_code("LST201").INVALID[0]).lstrip("\n"))  # type: ignore[union-attr]
    main(["--no-cache", "--jobs", "1", "--debug", str(a)])
    err = capsys.readouterr().err
    assert "Traceback" in err and "ZeroDivisionError: planted" in err


def test_all_rules_still_load():
    assert len(all_rules()) >= 12
