"""The layout check: what a driver must fix on the next visit, read off the planogram beside the machine's audit."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from designer.cabinets import TemperatureZone
from designer.machine_audits import (
    AuditRead,
    MachineIdentity,
    Money,
    PaymentSplit,
    ReadCounters,
    SelectionAudit,
    SoldOut,
    Tally,
    VendTotals,
    parse_audit,
)
from designer.machine_audits.layout_check import (
    Finding,
    LayoutCheck,
    check_layout,
    machine_prices,
    normal_code,
    planned_selections,
)
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Catalogue, Product
from tests.shared_sample import cvd_sample_path

CATALOGUE = Catalogue(
    [
        Product(1, "Cola 12oz", "soda", 1.50, temperature_requirement=TemperatureZone.AMBIENT),
        Product(2, "Water 16oz", "water", 1.25),
        Product(3, "Chips", "chips", 1.75),
        Product(4, "Candy bar", "candy", 1.00),
    ]
)


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def selection(code: str, price: str, sold: int, *, capacity: int = 10, card: str | None = None,
              sold_outs: int | None = None, last_out: datetime | None = None) -> SelectionAudit:  # fmt: skip
    payments = (PaymentSplit("CA", None, usd(price), None),) + (
        (PaymentSplit("DA", None, usd(card), None),) if card is not None else ()
    )
    return SelectionAudit(
        selection=code,
        price=usd(price),
        capacity=capacity,
        paid=VendTotals(Tally(sold, usd(str(Decimal(price) * sold))), None),
        sold_out=None if sold_outs is None and last_out is None else SoldOut(last_out, sold_outs),
        payments=payments,
    )


def read(at: datetime, counter: int, *selections: SelectionAudit) -> AuditRead:
    return AuditRead(
        machine=MachineIdentity("SENDER01", serial="SN-42", model="Crane 187"),
        dex_version="6.1",
        currency="USD",
        decimals=2,
        selections={s.selection: s for s in selections},
        counters=ReadCounters(reads_since_init=counter, read_at=at),
    )


def planogram(*slots: Slot, cabinet_index: int = 0) -> Planogram:
    return Planogram.from_slots(7, cabinet_index, slots)


def slot(label: str, product: int | None, **fields: object) -> Slot:
    return Slot(Position.parse(label), product, **fields)  # type: ignore[arg-type]


LAYOUT = planogram(
    slot("A1", 1, capacity=10),  # code 11: cola at catalogue 1.50
    slot("A2", 2, capacity=12, price=1.50),  # code 12: water, own cash price 1.50
    slot("B1", 3, capacity=8, card_price=1.95),  # code 21: chips 1.75 cash, 1.95 card
    slot("B2", 4, capacity=10),  # code 22: candy, the machine never sold it
    slot("C1", None),  # code 31: empty in the planogram
)

EARLIER = read(
    datetime(2025, 7, 1, 9, 0),
    10,
    selection("11", "1.50", 100, sold_outs=2),
    selection("12", "1.50", 40, capacity=12),
    selection("21", "1.75", 70, capacity=8, card="1.95"),
    selection("22", "1.00", 0),
    selection("31", "2.00", 5),
)
LATER = read(
    datetime(2025, 7, 11, 9, 0),
    11,
    selection("11", "1.50", 130, sold_outs=3),  # 30 sold in 10 days, sold out once more
    selection("12", "1.75", 52, capacity=12),  # the machine charges 1.75 for water the planogram prices at 1.50
    selection("21", "1.75", 90, capacity=10, card="2.00"),  # capacity 10 against 8, card 2.00 against 1.95
    selection("22", "1.00", 0),  # never vended
    selection("31", "2.00", 9),  # sells from a slot the planogram has empty
)


def check(latest: AuditRead = LATER, previous: AuditRead | None = EARLIER, layout: Planogram = LAYOUT):
    return check_layout(planned_selections([layout], CATALOGUE), latest, previous, device="Lobby (asset 222)")


def findings(result, code: str) -> tuple[Finding, ...]:
    return next(row.findings for row in result.rows if row.code == code)


def test_each_kind_of_drift_is_found_on_the_selection_it_belongs_to() -> None:
    result = check()
    assert findings(result, "11") == (Finding.SOLD_OUT,)
    assert findings(result, "12") == (Finding.CASH_PRICE, Finding.CARD_PRICE)  # card follows cash on both sides
    assert findings(result, "21") == (Finding.CARD_PRICE, Finding.CAPACITY)
    assert findings(result, "22") == (Finding.NEVER_VENDS,)
    assert findings(result, "31") == (Finding.VENDS_NOT_PLANNED,)
    assert result.differences == 5


def test_units_per_day_since_the_last_read() -> None:
    result = check()
    row = next(row for row in result.rows if row.code == "11")
    assert result.days_between_reads == 10
    assert (row.units_since_last_read, row.units_per_day, row.sold_outs_since_last_read) == (30, 3.0, 1)


def test_a_planned_slot_the_machine_does_not_list_never_vends() -> None:
    layout = planogram(*LAYOUT.slots.values(), slot("D4", 1, selection_code="99"))
    result = check(layout=layout)
    row = next(row for row in result.rows if row.code == "99")
    assert row.machine is None and row.findings == (Finding.NEVER_VENDS,)
    assert row.place == "D4"


def test_with_one_read_only_lifetime_sales_decide_and_no_sold_outs_are_claimed() -> None:
    result = check(previous=None)
    assert findings(result, "31") == (Finding.VENDS_NOT_PLANNED,)  # sold 9 over its life
    assert findings(result, "11") == ()  # its sold-outs may all predate the layout: not claimed
    assert result.previous_read_at is None and "need two reads" in result.to_text()


def test_codes_match_without_leading_zeros_and_as_positions() -> None:
    assert normal_code(" 011 ") == "11" and normal_code("a1") == "A1"
    lettered = read(datetime(2025, 7, 11), 1, selection("A1", "1.50", 3), selection("023", "1.25", 2, capacity=12))
    layout = planogram(slot("A1", 1, selection_code="51"), slot("B3", 2, capacity=12))  # B3's default code: 23
    result = check(lettered, None, layout)
    assert {row.code: row.place for row in result.rows} == {"A1": "A1", "023": "B3"}
    assert result.differences == 0


def test_a_further_cabinet_reads_its_own_codes() -> None:
    second = planogram(slot("A1", 3, capacity=8), cabinet_index=1)
    machine = read(datetime(2025, 7, 11), 1, selection("2-11", "1.75", 4, capacity=8), selection("11", "1.50", 2))
    result = check_layout(planned_selections([LAYOUT, second], CATALOGUE), machine)
    row = next(row for row in result.rows if row.code == "2-11")
    assert row.place == "cabinet 2 A1" and row.findings == ()


def test_an_audit_in_another_currency_shows_prices_without_comparing_them() -> None:
    euros = replace(LATER, currency="EUR")
    result = check(euros, None)
    assert Finding.CASH_PRICE not in findings(result, "12")
    assert any("EUR" in warning and "not compared" in warning for warning in result.warnings)


def test_the_report_names_every_difference_in_words_and_json() -> None:
    result = check()
    text = result.to_text()
    assert "cash price differs" in text and "1.50/1.75" in text and "10/12" not in text
    body = result.to_json()
    assert body["summary"]["never_vends"] == 1  # type: ignore[index]
    water = next(s for s in body["selections"] if s["selection_code"] == "12")  # type: ignore[union-attr]
    assert (water["planned_cash_price"], water["machine_cash_price"]) == (1.5, 1.75)


def test_a_real_read_against_a_planogram_of_its_own_codes() -> None:
    """The real Crane National 187 read from CVD's sample (48 selections, cash and card splits, sold-outs, no
    capacities): a planogram that follows it shows no price difference; raise one cash price and one card price and
    exactly those show; the machine states no capacity, so none is claimed to differ."""
    with sqlite3.connect(cvd_sample_path()) as connection:
        texts = [text for (text,) in connection.execute("SELECT raw_content FROM dex_reads ORDER BY id")]
    real = next(r for r in map(parse_audit, texts) if r.machine.model == "187")
    priced = [s for s in real.selections.values() if s.price is not None]
    assert len(priced) == 48
    products = Catalogue([Product(i + 1, f"P{i}", "snacks", float(s.price.amount)) for i, s in enumerate(priced)])
    slots = [
        Slot(Position(i // 10, i % 10), i + 1, capacity=9, selection_code=s.selection,
             card_price=float(machine_prices(s)[1]))
        for i, s in enumerate(priced)
    ]  # fmt: skip

    def run() -> LayoutCheck:
        return check_layout(planned_selections([Planogram.from_slots(1, 0, slots)], products), real)

    assert not [r for r in run().rows if {Finding.CASH_PRICE, Finding.CARD_PRICE, Finding.CAPACITY} & set(r.findings)]
    slots[0] = replace(slots[0], price=float(priced[0].price.amount) + 0.25)
    slots[1] = replace(slots[1], card_price=float(machine_prices(priced[1])[1]) + 0.10)
    changed = run()
    assert Finding.CASH_PRICE in findings(changed, priced[0].selection)
    assert Finding.CARD_PRICE not in findings(changed, priced[0].selection)  # its card price is its own
    assert Finding.CARD_PRICE in findings(changed, priced[1].selection)
    assert Finding.CASH_PRICE not in findings(changed, priced[1].selection)
    assert sum(1 for r in changed.rows if {Finding.CASH_PRICE, Finding.CARD_PRICE} & set(r.findings)) == 2
