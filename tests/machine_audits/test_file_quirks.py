"""The ways real machines wrap the same audit: each must read to the same thing, or say what was odd."""

from __future__ import annotations

from dataclasses import replace

import pytest

from designer.machine_audits import AuditInvalid, audit_to_text, parse_audit
from designer.machine_audits.crc import crc_of_lines
from tests.machine_audits.dex_text import dex_file, nw_envelopes, stated_crc
from tests.machine_audits.factories import busy_machine

BODY = [
    "VA1*2745*19*2745*19",
    "PA1*1*125*P1*10",
    "PA2*12*1500*2*250",
    "PA7*1*CA**125*5*625*1*125",
    "PA7*1*DA**125*7*875*1*125",
    "PA1*A2*160",
    "PA2*7*1245*7*1245",
    "PA5*250708*1831*2",
]


def test_crlf_lf_and_cr_line_ends_read_the_same() -> None:
    reads = {eol: parse_audit(dex_file(BODY, eol=eol)) for eol in ("\r\n", "\n", "\r")}
    assert reads["\r\n"] == reads["\n"] == reads["\r"]
    assert all(read.crc_verified for read in reads.values())  # the CRC is over CR LF whatever the file uses


def test_bytes_and_text_read_the_same_with_or_without_a_bom() -> None:
    text = dex_file(BODY)
    assert parse_audit(text.encode()) == parse_audit(text) == parse_audit(b"\xef\xbb\xbf" + text.encode())


def test_makers_that_omit_st_and_se_read_the_same() -> None:
    with_st, without = parse_audit(dex_file(BODY)), parse_audit(dex_file(BODY, st=False))
    assert without == with_st
    assert without.warnings == ()


@pytest.mark.parametrize("per_envelope", [1, 3, 100])
def test_nw_envelopes_read_the_same(per_envelope: int) -> None:
    plain = dex_file(BODY)
    assert parse_audit(nw_envelopes(plain, per_envelope)) == parse_audit(plain)


def test_an_error_inside_an_envelope_names_its_line_and_part() -> None:
    enveloped = nw_envelopes(dex_file(["PA1*1*125", "PA2*12*x"]), 3)  # PA2 is the 6th line: envelope 2, part 3
    with pytest.raises(AuditInvalid) as refused:
        parse_audit(enveloped)
    assert (refused.value.line, refused.value.part, refused.value.record, refused.value.field) == (2, 3, "PA2", 2)
    assert "line 2 (envelope part 3), PA2 field 2" in str(refused.value)


def test_text_between_envelopes_is_refused_not_skipped() -> None:
    enveloped = nw_envelopes(dex_file(BODY), 3).replace("\r\n<", "\r\nPA1*9*100\r\n<", 1)
    with pytest.raises(AuditInvalid, match="only <…\\|…> envelopes"):
        parse_audit(enveloped)


def two_transaction_sets(second_crc_from_dxs: bool) -> str:
    first = ["ST*001*0001", "ID1*SN1*M", "ID4*2*840*USD", *BODY[:5]]
    first.append(f"G85*{crc_of_lines(line.encode() for line in first):04X}")
    first.append(f"SE*{len(first) + 1}*0001")
    second = ["ST*001*0002", *BODY[5:]]
    covered = first + second if second_crc_from_dxs else second
    second.append(f"G85*{crc_of_lines(line.encode() for line in covered):04X}")
    second.append(f"SE*{len(second) + 1}*0002")
    return "\r\n".join(["DXS*SENDER01*VA*V1/1*1", *first, *second, "DXE*1*2"]) + "\r\n"


@pytest.mark.parametrize("second_crc_from_dxs", [True, False], ids=["crc-from-dxs", "crc-from-own-st"])
def test_several_transaction_sets_make_one_read(second_crc_from_dxs: bool) -> None:
    read = parse_audit(two_transaction_sets(second_crc_from_dxs))
    single = parse_audit(dex_file(BODY, header=["ID1*SN1*M", "ID4*2*840*USD"]))
    assert read.selections == single.selections
    assert read.totals == single.totals
    assert read.crc_verified is True
    assert read.warnings == ()


def test_crc_bytes_swapped_is_a_warning_naming_both_values() -> None:
    text = dex_file(BODY)
    right = stated_crc(text)
    swapped = right[2:] + right[:2]
    read = parse_audit(text.replace(f"G85*{right}", f"G85*{swapped}"))
    assert read.crc_verified is False
    assert read.selections == parse_audit(text).selections
    (warning,) = read.warnings
    assert swapped in warning and right in warning and "swapped" in warning


def test_a_hand_edited_file_is_read_with_a_warning_naming_both_crcs() -> None:
    text = dex_file(BODY)
    edited = text.replace("PA2*12*1500*2*250", "PA2*13*1625*2*250")
    read = parse_audit(edited)
    assert read.crc_verified is False
    assert read.selections["1"].paid.since_init.count == 13  # type: ignore[union-attr]
    expected = f"{crc_of_lines(line.encode() for line in edited.splitlines()[1:-3]):04X}"
    (warning,) = read.warnings
    assert stated_crc(text) in warning and expected in warning and "changed after the machine wrote it" in warning


def test_a_lower_case_crc_verifies() -> None:
    text = dex_file(BODY)
    assert parse_audit(text.replace(stated_crc(text), stated_crc(text).lower())).crc_verified is True


def test_a_file_without_g85_is_read_with_its_crc_unchecked() -> None:
    text = "\r\n".join(line for line in dex_file(BODY).splitlines() if not line.startswith(("G85", "SE")))
    text = text.replace("ST*001*0001\r\n", "")
    read = parse_audit(text)
    assert read.crc_verified is None
    assert read.selections == parse_audit(dex_file(BODY)).selections


def test_a_wrong_se_count_is_a_warning() -> None:
    text = dex_file(BODY)
    count = next(line for line in text.splitlines() if line.startswith("SE*")).split("*")[1]
    read = parse_audit(text.replace(f"SE*{count}*", "SE*236*"))
    assert read.warnings == (f"line {len(BODY) + 6}: SE says the transaction set holds 236 lines; it holds {count}",)


def test_trailing_blanks_and_padding_change_nothing() -> None:
    text = dex_file(BODY)
    assert parse_audit("\r\n\r\n" + text + "\r\n\x1a\x00") == parse_audit(text)


def test_a_large_machine_survives_every_wrapping() -> None:
    machine = busy_machine(60, seed=3)
    text = audit_to_text(machine)
    for variant in (text.replace("\r\n", "\n"), nw_envelopes(text, 7)):
        assert parse_audit(variant) == machine
    no_st = "\r\n".join(line for line in text.splitlines() if not line.startswith(("ST*", "SE*", "G85*"))) + "\r\n"
    assert parse_audit(no_st) == replace(machine, crc_verified=None)


def test_a_second_id1_for_another_machine_is_a_warning_and_the_first_is_kept() -> None:
    read = parse_audit(dex_file(["PA1*1*100", "ID1*OTHER*M2"]))
    assert read.machine.serial == "SN1"
    assert read.warnings == (
        "line 6: a second ID1 (serial 'OTHER') differs from the one on line 3 (serial 'SN1'); the first is kept",
    )
