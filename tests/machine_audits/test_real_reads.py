"""The 23 real DEX uploads in CVD's sample (``../shared/cvd/cvd_sample.sqlite``): all parse, every per-selection count
and value equals the raw fields (read again here, independently, by splitting the lines), and every difference from
CVD's own parse (``dex_pa_records``, 603 rows) is one of the known ways CVD mis-maps the standard.

CVD's ``row``/``column`` are its slot mapping, not a DEX field (slot selection codes are a later step) and are not
compared; ``record_subtype`` is always CVD's own word ``CONSOLIDATED``.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from designer.machine_audits import AuditRead, Money, SelectionAudit, Tally, VendTotals, parse_audit
from tests.shared_sample import cvd_sample_path

RawSelection = dict[str, list[str]]


@pytest.fixture(scope="module")
def sample() -> Path:
    return cvd_sample_path()


@pytest.fixture(scope="module")
def uploads(sample: Path) -> dict[int, str]:
    with sqlite3.connect(sample) as connection:
        return dict(connection.execute("SELECT id, raw_content FROM dex_reads ORDER BY id"))


@pytest.fixture(scope="module")
def reads(uploads: dict[int, str]) -> dict[int, AuditRead]:
    return {upload: parse_audit(text) for upload, text in uploads.items()}


# --- an independent reading of the raw lines -------------------------------------------------------------------


def raw_selections(text: str) -> dict[str, RawSelection]:
    """PA lines by selection, split on ``*`` and nothing more: PA2–PA5 belong to the PA1 above them, PA7 names its
    own selection and device."""
    selections: dict[str, RawSelection] = {}
    current: RawSelection = {}
    for line in text.splitlines():
        fields = line.split("*")
        if fields[0] == "PA1":
            current = selections[fields[1]] = {"PA1": fields}
        elif fields[0] in ("PA2", "PA3", "PA4", "PA5"):
            current[fields[0]] = fields
        elif fields[0] == "PA7":
            selections[fields[1]][f"PA7{fields[2]}"] = fields
    return selections


def raw(fields: list[str] | None, index: int) -> int | None:
    if fields is None or index >= len(fields) or not fields[index].strip():
        return None
    return int(fields[index])


def minor(money: Money | None, decimals: int) -> int | None:
    return None if money is None else int(money.amount.scaleb(decimals))


def counted(totals: VendTotals | None, decimals: int) -> list[int | None]:
    """Count and value since initialisation, then since reset, in the file's own units."""

    def pair(tally: Tally | None) -> list[int | None]:
        return [None, None] if tally is None else [tally.count, minor(tally.value, decimals)]

    return [None] * 4 if totals is None else [*pair(totals.since_init), *pair(totals.since_reset)]


def raw_quad(fields: list[str] | None, first: int) -> list[int | None]:
    return [raw(fields, first + offset) for offset in range(4)]


# --- the tests -------------------------------------------------------------------------------------------------


def test_all_23_uploads_parse_and_are_7_files(uploads: dict[int, str], reads: dict[int, AuditRead]) -> None:
    assert len(uploads) == 23
    assert len(set(uploads.values())) == 7  # the same files uploaded several times, byte for byte
    assert sum(len(read.selections) for read in reads.values()) == 603
    assert all(read.crc_verified for read in reads.values())  # every maker's G85 verifies as CRC-16/ARC
    assert {read.currency for read in reads.values()} == {"USD"}


def test_two_ams_machines_share_a_dxs_id_but_not_a_serial(reads: dict[int, AuditRead]) -> None:
    ams = {read.machine.serial for read in reads.values() if read.machine.dxs_id == "AUTSENSIT3"}
    assert ams == {"TX09200905", "TW20185083"}


def test_the_crane_read_says_its_se_count_is_wrong(reads: dict[int, AuditRead]) -> None:
    crane = next(read for read in reads.values() if read.machine.model == "187")
    assert crane.warnings == ("line 544: SE says the transaction set holds 236 lines; it holds 543",)
    assert crane.machine.asset == "Merchant" and crane.machine.location == "Location Not Set"


def test_per_selection_counts_and_values_equal_the_raw_fields(
    uploads: dict[int, str], reads: dict[int, AuditRead]
) -> None:
    checked = Counter[str]()
    for upload, text in uploads.items():
        read = reads[upload]
        places = read.decimals
        raw_by_selection = raw_selections(text)
        assert list(read.selections) == list(raw_by_selection), upload
        for name, lines in raw_by_selection.items():
            ours = read.selections[name]
            assert minor(ours.price, places) == raw(lines["PA1"], 2)
            assert ours.capacity == raw(lines["PA1"], 4)
            assert counted(ours.paid, places) == raw_quad(lines.get("PA2"), 1)
            assert counted(ours.discounts, places) == raw_quad(lines.get("PA2"), 5)
            assert counted(ours.surcharges, places) == raw_quad(lines.get("PA2"), 9)
            assert counted(ours.test_vends, places) == raw_quad(lines.get("PA3"), 1)
            assert counted(ours.free_vends, places) == raw_quad(lines.get("PA4"), 1)
            sold_out = lines.get("PA5")
            assert (ours.sold_out.count if ours.sold_out else None) == raw(sold_out, 3)
            for split in ours.payments:
                fields = lines[f"PA7{split.device}"]
                assert minor(split.price, places) == raw(fields, 4)
                assert counted(split.sales, places) == raw_quad(fields, 5)
            assert {split.device for split in ours.payments} == {key[3:] for key in lines if key.startswith("PA7")}
            checked.update(key[:3] for key in lines)
    assert checked == Counter({"PA1": 603, "PA2": 603, "PA7": 706, "PA5": 75, "PA3": 48, "PA4": 48})


# --- CVD's parse, difference by difference ----------------------------------------------------------------------

CVD_COLUMNS = (
    "price_cents",
    "capacity",
    "units_sold",
    "revenue_cents",
    "test_vends",
    "free_vends",
    "cash_sales",
    "cash_sales_cents",
    "cashless_sales",
    "cashless_sales_cents",
    "discount_sales",
    "discount_sales_cents",
)


def ours_for(column: str, selection: SelectionAudit, places: int) -> int | None:
    """Our value for one of CVD's columns, by the standard."""
    paid, discounts = counted(selection.paid, places), counted(selection.discounts, places)
    cash, cashless = selection.paid_through("CA"), selection.paid_through("DA", "DB")
    return {
        "price_cents": minor(selection.price, places),
        "capacity": selection.capacity,
        "units_sold": paid[0],
        "revenue_cents": paid[1],
        "test_vends": counted(selection.test_vends, places)[0],
        "free_vends": counted(selection.free_vends, places)[0],
        "cash_sales": None if cash is None else cash.count,
        "cash_sales_cents": None if cash is None else minor(cash.value, places),
        "cashless_sales": None if cashless is None else cashless.count,
        "cashless_sales_cents": None if cashless is None else minor(cashless.value, places),
        "discount_sales": discounts[0],
        "discount_sales_cents": discounts[1],
    }[column]


# Each known difference: the column, why, and the raw field CVD's value must then equal (None: CVD's value is its
# own filler, given as the lambda's expectation). A difference is explained only if CVD's value really is that.
Explanation = tuple[str, str, Callable[[RawSelection, int | None], bool]]
EXPLANATIONS: list[Explanation] = [
    ("capacity", "CVD reads PA103 (the product id) as capacity", lambda lines, cvd: cvd == raw(lines["PA1"], 3)),
    (
        "capacity",
        "the file gives no capacity (PA104 absent); CVD writes 0",
        lambda lines, cvd: cvd == 0 and raw(lines["PA1"], 4) is None,
    ),
    (
        "test_vends",
        "CVD reads PA2's since-reset count (PA203) as test vends; ours are PA301 (absent: no PA3 line)",
        lambda lines, cvd: cvd == raw(lines.get("PA2"), 3),
    ),
    (
        "free_vends",
        "the file has no PA4 line; CVD writes 0",
        lambda lines, cvd: cvd == 0 and "PA4" not in lines,
    ),
    ("cash_sales", "CVD reads PA301 (test vends) as cash sales", lambda lines, cvd: cvd == raw(lines.get("PA3"), 1)),
    (
        "cash_sales_cents",
        "CVD reads PA302 (test vend value) as cash",
        lambda lines, cvd: cvd == raw(lines.get("PA3"), 2),
    ),
    (
        "cashless_sales",
        "CVD reads PA303 (test vends since reset) as cashless sales",
        lambda lines, cvd: cvd == raw(lines.get("PA3"), 3),
    ),
    (
        "cashless_sales_cents",
        "CVD reads PA304 (test vend value since reset) as cashless",
        lambda lines, cvd: cvd == raw(lines.get("PA3"), 4),
    ),
    (
        "discount_sales",
        "CVD reads PA401 (free vends) as discounts; ours are PA205",
        lambda lines, cvd: cvd == raw(lines.get("PA4"), 1),
    ),
    (
        "discount_sales_cents",
        "CVD reads PA402 (free vend value) as discounts; ours are PA206",
        lambda lines, cvd: cvd == raw(lines.get("PA4"), 2),
    ),
]
EMPTY_IN_CVD = "CVD leaves it empty; the file has it"
EXPECTED_DIFFERENCES = {
    ("capacity", "CVD reads PA103 (the product id) as capacity"): 48,
    ("capacity", "the file gives no capacity (PA104 absent); CVD writes 0"): 555,
    (
        "test_vends",
        "CVD reads PA2's since-reset count (PA203) as test vends; ours are PA301 (absent: no PA3 line)",
    ): 603,
    ("free_vends", "the file has no PA4 line; CVD writes 0"): 555,
    ("cash_sales", EMPTY_IN_CVD): 281,
    ("cash_sales", "CVD reads PA301 (test vends) as cash sales"): 48,
    ("cash_sales_cents", EMPTY_IN_CVD): 281,
    ("cash_sales_cents", "CVD reads PA302 (test vend value) as cash"): 48,
    ("cashless_sales", EMPTY_IN_CVD): 281,
    ("cashless_sales", "CVD reads PA303 (test vends since reset) as cashless sales"): 48,
    ("cashless_sales_cents", EMPTY_IN_CVD): 281,
    ("cashless_sales_cents", "CVD reads PA304 (test vend value since reset) as cashless"): 48,
    ("discount_sales", EMPTY_IN_CVD): 348,
    ("discount_sales_cents", EMPTY_IN_CVD): 348,
}


def test_every_difference_from_cvds_parse_is_explained(
    sample: Path, uploads: dict[int, str], reads: dict[int, AuditRead]
) -> None:
    with sqlite3.connect(sample) as connection:
        rows = connection.execute(
            f"SELECT dex_read_id, selection_number, line_number, {', '.join(CVD_COLUMNS)} FROM dex_pa_records"
        ).fetchall()
    assert len(rows) == 603
    raw_by_upload = {upload: raw_selections(text) for upload, text in uploads.items()}
    differences = Counter[tuple[str, str]]()
    unexplained = []
    seen = set()
    for upload, name, line, *values in rows:
        read = reads[upload]
        ours = read.selections[name]
        seen.add((upload, name))
        assert ours.line == line  # CVD's line number is its PA1's, as ours
        lines = raw_by_upload[upload][name]
        for column, cvd in zip(CVD_COLUMNS, values, strict=True):
            mine = ours_for(column, ours, read.decimals)
            if mine == cvd:
                continue
            if cvd is None and mine is not None:
                differences[(column, EMPTY_IN_CVD)] += 1
                continue
            reason = next(
                (why for named, why, holds in EXPLANATIONS if named == column and holds(lines, cvd)),
                None,
            )
            if reason is None:
                unexplained.append((upload, name, column, cvd, mine))
            else:
                differences[(column, reason)] += 1
    assert unexplained == []
    assert seen == {(upload, name) for upload, read in reads.items() for name in read.selections}
    assert dict(differences) == EXPECTED_DIFFERENCES


def distinct_reads(uploads: dict[int, str], reads: dict[int, AuditRead]) -> dict[str, AuditRead]:
    """One read per distinct file, by its machine model (the serial where two share a model)."""
    distinct: dict[str, AuditRead] = {}
    for upload in sorted(uploads):
        read = reads[upload]
        distinct.setdefault(f"{read.machine.model or read.machine.dxs_id} {read.machine.serial}".strip(), read)
    return distinct


def test_each_machine_says_who_it_is_and_when_by_its_own_clock(
    uploads: dict[int, str], reads: dict[int, AuditRead]
) -> None:
    said = {
        name: (read.machine.dxs_id, read.dex_version, str(read.read_at), len(read.selections))
        for name, read in distinct_reads(uploads, reads).items()
    }
    assert said == {
        "GIII_VENDOR 67121-3 0799139808": ("9259630007", "V1/1", "None", 9),  # Royal 660: no EA3 time, no ID5
        "AMS SENSIT III TX09200905": ("AUTSENSIT3", "V0/6", "2025-07-09 18:31:00", 39),
        "6150210000": ("6150210000", "V1/1", "2037-07-10 05:43:00", 9),  # Dixie-Narco 501E: a clock 12 years ahead
        "DN 5800-4 DIX": ("6150217013", "V1/1", "2007-06-07 10:13:00", 45),  # Dixie-Narco 5800: 18 years behind
        "VEC 12.3 D0451879": ("6422550123", "V1/1", "None", 8),  # Vendo 721
        "AMS SENSIT III TW20185083": ("AUTSENSIT3", "V0/6", "2025-07-09 20:00:00", 43),
        "187 301021333": ("STF0000000", "V0/6", "2025-07-09 15:08:49", 48),  # Crane National 187
    }


def test_selections_add_up_to_the_machine_totals_where_the_machine_lists_them_all(
    uploads: dict[int, str], reads: dict[int, AuditRead]
) -> None:
    """PA2 counts first and VA1 values first: read so, five machines' selections add up to VA1 to the vend and the
    cent. The Royal and the Vendo fall short: their lifetime totals hold vends of selections their PA1 lines no
    longer list (the Royal's MA5 lines name 13 selections, its PA1 lines 9)."""
    short = {}
    for name, read in distinct_reads(uploads, reads).items():
        assert read.totals.paid is not None and read.totals.paid.since_init is not None
        lifetime = [s.paid.since_init for s in read.selections.values() if s.paid and s.paid.since_init]
        vends = sum(tally.count for tally in lifetime)
        value = sum(tally.value.amount for tally in lifetime)
        machine = read.totals.paid.since_init
        if (vends, value) != (machine.count, machine.value.amount):
            short[name] = (machine.count - vends, str(machine.value.amount - value))
    assert short == {"GIII_VENDOR 67121-3 0799139808": (14188, "13506.25"), "VEC 12.3 D0451879": (874, "1364.25")}
