"""tlteach.claims: checked lessons, and the record the robustness report reads."""

import json

import pytest

from tlteach.claims import check, sanity, seeds


def test_check_returns_the_margin_and_prints_the_claim(capsys, monkeypatch):
    monkeypatch.delenv("TLTEACH_CLAIMS", raising=False)
    assert check("gain", 0.25, at_least=0.15) == pytest.approx(0.10)
    assert check("gap", 0.03, at_most=0.08) == pytest.approx(0.05)
    assert check("both", 0.5, at_least=0.4, at_most=0.7) == pytest.approx(0.1)
    out = capsys.readouterr().out
    assert "holds: gain: +0.250 (checked: at least +0.150)" in out
    assert "at least +0.400 and at most +0.700" in out


def test_a_failed_check_names_the_claim_and_both_numbers(monkeypatch):
    monkeypatch.delenv("TLTEACH_CLAIMS", raising=False)
    with pytest.raises(AssertionError, match=r"frozen beats scratch: \+0\.100 .*at least \+0\.150"):
        check("frozen beats scratch", 0.10, at_least=0.15)
    with pytest.raises(AssertionError, match="at most"):
        check("gap", 0.09, at_most=0.08)


def test_check_needs_a_bound():
    with pytest.raises(ValueError, match="at_least"):
        check("no bound", 1.0)


def test_recording_keeps_going_and_writes_every_claim(tmp_path, monkeypatch):
    record = tmp_path / "claims.jsonl"
    monkeypatch.setenv("TLTEACH_CLAIMS", str(record))
    assert check("misses", 0.10, at_least=0.15) == pytest.approx(-0.05)  # no exception
    check("holds", 0.2, at_most=0.3)
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert [c["claim"] for c in lines] == ["misses", "holds"]
    assert lines[0]["margin"] == pytest.approx(-0.05) and lines[0]["at_least"] == 0.15
    assert lines[1]["at_most"] == 0.3 and lines[1]["at_least"] is None
    assert {c["kind"] for c in lines} == {"lesson"}


def test_a_sanity_check_prints_and_asserts_but_is_not_a_lesson(capsys, monkeypatch):
    monkeypatch.delenv("TLTEACH_CLAIMS", raising=False)
    assert sanity("labels kept", 500, equal=500) == 0
    assert sanity("round trip error", 1e-7, at_most=1e-6) == pytest.approx(9e-7)
    out = capsys.readouterr().out
    assert "sanity check holds: labels kept: +500.000" in out
    assert not any(line.startswith("holds:") for line in out.splitlines())  # not read back
    with pytest.raises(AssertionError, match="sanity check fails: labels kept: \\+499"):
        sanity("labels kept", 499, equal=500)
    with pytest.raises(ValueError, match="equal="):
        sanity("both", 1, equal=1, at_least=0)
    with pytest.raises(ValueError, match="sanity"):
        sanity("no bound", 1)


def test_a_recorded_sanity_check_says_its_kind(tmp_path, monkeypatch):
    record = tmp_path / "claims.jsonl"
    monkeypatch.setenv("TLTEACH_CLAIMS", str(record))
    assert sanity("classes", 9, equal=10) == -1  # recorded, no exception
    check("gain", 0.2, at_least=0.1)
    kinds = [json.loads(line)["kind"] for line in record.read_text().splitlines()]
    assert kinds == ["sanity", "lesson"]


def test_seeds_come_from_the_environment_or_the_default(monkeypatch):
    monkeypatch.delenv("TLTEACH_SEEDS", raising=False)
    assert seeds(default=(0, 1)) == (0, 1)
    monkeypatch.setenv("TLTEACH_SEEDS", "11 12,13")
    assert seeds(default=(0,)) == (11, 12, 13)
    monkeypatch.setenv("TLTEACH_SEEDS", "eleven")
    with pytest.raises(ValueError, match="whole numbers"):
        seeds(default=(0,))
