"""What the parser refuses, and that a refusal names the line, record and field a person would fix."""

from __future__ import annotations

import pytest

from designer.machine_audits import AuditInvalid, parse_audit
from tests.machine_audits.dex_text import dex_file


def refusal(text: str | bytes) -> AuditInvalid:
    with pytest.raises(AuditInvalid) as refused:
        parse_audit(text)
    return refused.value


def test_a_bad_number_names_line_record_and_field() -> None:
    refused = refusal(dex_file(["PA1*1*125", "PA2*12*1500*2x*250"]))
    assert (refused.line, refused.record, refused.field, refused.found) == (6, "PA2", 3, "2x")
    assert str(refused) == (
        "line 6, PA2 field 3 (PA203, paid vends count since last reset): expected a whole number, found '2x'; "
        "nothing was imported"
    )


def test_a_count_without_its_value_is_refused() -> None:
    refused = refusal(dex_file(["PA1*1*125", "PA2*12**2*250"]))
    assert (refused.record, refused.field) == ("PA2", 2)
    assert "the value beside its count" in str(refused)


@pytest.mark.parametrize(
    ("body", "record", "expected"),
    [
        (["PA2*1*100"], "PA2", "a PA1 before PA2"),
        (["PA1*1*100", "PA1*1*150"], "PA1", "each selection once (selection 1 began on line 5)"),
        (["PA1**100"], "PA1", "a selection number"),
        (["PA1*1*100", "PA2*1*100", "PA2*1*100"], "PA2", "one PA2 per selection"),
        (["PA1*1*100", "PA7*1*XX**100*1*100"], "PA7", "a payment device: CA, DA, DB or TA"),
        (["PA1*1*100", "PA7*2*CA**100*1*100"], "PA7", "a selection that a PA1 above has opened"),
        (["PA1*1*100", "PA7*1*CA**100*1*100", "PA7*1*CA**100*1*100"], "PA7", "one PA7 per device and price list"),
        (["PA1*1*100", "LA1**1*100"], "LA1", "a price list number"),
        (["PA1*1*100", "PA5*251399*1200*1"], "PA5", "a calendar date"),
        (["PA1*1*100", "PA5*2507*1200*1"], "PA5", "a date as YYMMDD or YYYYMMDD"),
        (["PA1*1*100", "PA5*250708*2561*1"], "PA5", "a time of day"),
        (["VA1*100*1", "VA1*100*1"], "VA1", "one VA1 per read"),
        (["ID4*3*840"], "ID4", "the same decimal places as the first ID4"),
        (["PA1*1*１00"], "PA1", "a whole number"),  # a full-width digit is not a machine's digit
    ],
)
def test_lines_that_cannot_be_read_are_refused(body: list[str], record: str, expected: str) -> None:
    refused = refusal(dex_file(body))
    assert refused.record == record
    assert expected in str(refused)


def test_a_read_cut_short_is_refused() -> None:
    text = dex_file(["PA1*1*100", "PA2*1*100"])
    cut = text[: text.index("PA2")]
    refused = refusal(cut)
    assert "DXE" in refused.expected and "cut short" in refused.expected
    assert refused.line == 5


def test_a_file_must_start_with_dxs() -> None:
    refused = refusal("ST*001*0001\r\nDXE*1*1\r\n")
    assert (refused.line, refused.expected) == (1, "DXS, the line every audit file starts with")
    assert "an empty file" in str(refusal(b"\r\n \r\n"))


def test_two_reads_in_one_file_are_refused() -> None:
    text = dex_file(["PA1*1*100"])
    assert "nothing after DXE" in str(refusal(text + text))
    assert "one DXS per file" in str(refusal(text.replace("DXE*1*1\r\n", "") + text))


def test_an_st_inside_an_open_st_is_refused() -> None:
    refused = refusal(dex_file(["ST*001*0002", "PA1*1*100"]))
    assert "SE closing the transaction set opened on line 2" in str(refused)


def test_decimals_beyond_six_are_refused() -> None:
    refused = refusal(dex_file([], header=["ID1*SN", "ID4*9*840"]))
    assert (refused.record, refused.field, refused.found) == ("ID4", 1, "9")
