"""Generated reads written as files and read back: nothing lost, nothing invented, whatever the wrapping."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from designer.machine_audits import AuditInvalid, AuditRead, Tally, VendTotals, audit_to_text, parse_audit
from tests.machine_audits.dex_text import nw_envelopes
from tests.machine_audits.factories import busy_machine
from tests.machine_audits.strategies import audit_reads


@settings(max_examples=150, deadline=None)
@given(audit_reads())
def test_a_written_read_reads_back_equal(read: AuditRead) -> None:
    text = audit_to_text(read)
    back = parse_audit(text)
    assert back == read
    assert back.warnings == ()
    assert audit_to_text(back) == text


@settings(max_examples=60, deadline=None)
@given(audit_reads(max_selections=6), st.sampled_from(["\n", "\r", "\r\n"]), st.integers(1, 9), st.booleans())
def test_any_wrapping_reads_back_equal(read: AuditRead, eol: str, per_envelope: int, enveloped: bool) -> None:
    text = audit_to_text(read).replace("\r\n", eol)
    if enveloped:
        text = nw_envelopes(text, per_envelope)
    assert parse_audit(text) == read


@settings(max_examples=200, deadline=None)
@given(audit_reads(max_selections=4), st.data())
def test_a_damaged_file_is_read_or_refused_never_a_crash(read: AuditRead, data: st.DataObject) -> None:
    text = audit_to_text(read)
    at = data.draw(st.integers(0, len(text) - 1))
    damage = data.draw(st.sampled_from(["", "*", "x", "9", "\r\n", "<", "|", "é", " ", "\x00"]))
    try:
        parse_audit(text[:at] + damage + text[at + 1 :])
    except AuditInvalid as refused:
        assert refused.line >= 1 and str(refused)


@settings(max_examples=200, deadline=None)
@given(audit_reads(max_selections=4), st.data())
def test_any_one_character_changed_under_the_crc_is_caught(read: AuditRead, data: st.DataObject) -> None:
    """CRC-16 catches every burst of up to 16 bits, so one changed character after DXS and before G85 always shows."""
    text = audit_to_text(read)
    covered = range(text.index("\r\n") + 2, text.index("G85*"))
    at = data.draw(st.sampled_from([index for index in covered if text[index] not in "\r\n"]))
    replacement = data.draw(st.sampled_from("0123456789*ABZ ").filter(lambda character: character != text[at]))
    try:
        damaged = parse_audit(text[:at] + replacement + text[at + 1 :])
    except AuditInvalid:
        return
    assert damaged.crc_verified is False
    assert any("G85 states" in warning for warning in damaged.warnings)


def test_the_writer_advances_a_machine_for_the_next_read() -> None:
    """What the delta tests will do: take a read, sell more, write the next file, read it back."""
    before = busy_machine(3, seed=5)
    first = before.selections["A1"]
    assert first.paid is not None and first.paid.since_init is not None and first.price is not None
    sold = 4
    value = replace(first.paid.since_init.value, amount=first.paid.since_init.value.amount + sold * first.price.amount)
    advanced = replace(first, paid=VendTotals(Tally(first.paid.since_init.count + sold, value), None))
    after = parse_audit(audit_to_text(replace(before, selections={**before.selections, "A1": advanced})))
    assert after.crc_verified is True
    assert after.selections["A1"].paid == VendTotals(Tally(first.paid.since_init.count + 4, value), None)
    assert after.selections["A2"] == before.selections["A2"]
