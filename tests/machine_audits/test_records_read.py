"""Each record the parser reads, field by field, as EVA-DTS 6.x places them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from designer.machine_audits import Money, PaymentSplit, PriceListEntry, SoldOut, Tally, VendTotals, parse_audit
from designer.machine_audits.crc import CHECK_VALUE, crc16_arc
from tests.machine_audits.dex_text import dex_file


def usd(cents: int) -> Money:
    return Money(Decimal(cents).scaleb(-2), "USD")


def test_the_crc_is_crc16_arc_by_the_catalogue_check_value() -> None:
    assert crc16_arc(b"123456789") == CHECK_VALUE == 0xBB3D
    assert crc16_arc(b"123456789" * 20) == crc16_arc(b"123456789" * 10, crc16_arc(b"123456789" * 10))


def test_identity_comes_from_dxs_and_id1() -> None:
    read = parse_audit(dex_file([]))
    assert read.machine.dxs_id == "SENDER01"
    assert (read.machine.serial, read.machine.model, read.machine.build) == ("SN1", "MODEL 1", "B1")
    assert (read.machine.location, read.machine.asset) == ("Lobby", "ASSET-7")
    assert read.dex_version == "V1/1"
    assert read.crc_verified is True
    assert read.warnings == ()


def test_id4_sets_decimals_and_currency_for_every_amount() -> None:
    euros = parse_audit(dex_file(["PA1*7*1250"], header=["ID1*SN", "ID4*3*978*EUR"]))
    assert (euros.decimals, euros.currency) == (3, "EUR")
    assert euros.selections["7"].price == Money(Decimal("1.250"), "EUR")
    whole = parse_audit(dex_file(["PA1*7*125"], header=["ID1*SN", "ID4*0*392"]))
    assert whole.selections["7"].price == Money(Decimal(125), "JPY")


def test_dex_ucs_country_code_one_reads_as_us_dollars_with_a_warning() -> None:
    read = parse_audit(dex_file(["PA1*1*150"], header=["ID1*SN", "ID4*2*0001*5"]))
    assert read.currency == "USD"
    assert read.selections["1"].price == usd(150)
    assert any("country code" in warning and "USD" in warning for warning in read.warnings)
    assert any("'5' is not an ISO 4217 letter code" in warning for warning in read.warnings)


def test_a_file_without_id4_keeps_two_places_and_says_it_knows_no_currency() -> None:
    read = parse_audit(dex_file(["PA1*1*150"], header=["ID1*SN"]))
    assert read.selections["1"].price == Money(Decimal("1.50"), "XXX")
    assert any("no ID4" in warning for warning in read.warnings)


def test_id5_is_the_machine_clock_and_ea3_the_read_counters() -> None:
    read = parse_audit(
        dex_file(
            ["EA3*8022*250709*1831*XYZ1*250708*123509*XYZ0**8030*8022"],
            header=[*["ID1*SN", "ID4*2*840"], "ID5*20250709*1508*48*"],
        )
    )
    assert read.clock_at == datetime(2025, 7, 9, 15, 8)
    counters = read.counters
    assert counters is not None
    assert counters.reads_with_reset == 8022
    assert counters.read_at == datetime(2025, 7, 9, 18, 31)
    assert (counters.interrogator, counters.previous_interrogator) == ("XYZ1", "XYZ0")
    assert counters.previous_read_at == datetime(2025, 7, 8, 12, 35, 9)
    assert (counters.reads_since_init, counters.resets_since_init) == (8030, 8022)
    assert read.read_at == counters.read_at  # EA3's time of this read wins over ID5's clock


def test_a_machine_clock_years_off_is_kept_as_the_machine_said() -> None:
    read = parse_audit(dex_file(["EA3**370710*0543"]))
    assert read.read_at == datetime(2037, 7, 10, 5, 43)


def test_pa1_reads_selection_price_product_and_capacity() -> None:
    read = parse_audit(dex_file(["PA1*A1*175*P-42*12", "PA1*101*125*101****0**"]))
    a1 = read.selections["A1"]
    assert (a1.price, a1.product_id, a1.capacity) == (usd(175), "P-42", 12)
    crane = read.selections["101"]
    assert (crane.product_id, crane.capacity) == ("101", None)  # PA103 is the product, PA104 (empty) the capacity
    assert crane.line == 6


def test_pa2_reads_paid_vends_since_init_and_since_reset_then_discounts_and_surcharges() -> None:
    read = parse_audit(dex_file(["PA1*10*400", "PA2*942*346520*12*4800*1*375*0*0*28*280*2*20"]))
    selection = read.selections["10"]
    assert selection.paid == VendTotals(Tally(942, usd(346520)), Tally(12, usd(4800)))
    assert selection.discounts == VendTotals(Tally(1, usd(375)), Tally(0, usd(0)))
    assert selection.surcharges == VendTotals(Tally(28, usd(280)), Tally(2, usd(20)))


def test_pa2_with_only_the_lifetime_pair_has_no_since_reset() -> None:
    read = parse_audit(dex_file(["PA1*1*100", "PA2*5*500"]))
    assert read.selections["1"].paid == VendTotals(Tally(5, usd(500)), None)
    assert read.selections["1"].discounts is None


def test_pa3_is_test_vends_and_pa4_free_vends() -> None:
    read = parse_audit(dex_file(["PA1*203*125", "PA2*1184*135935*1184*135935", "PA3*2*220*1*110", "PA4*3*375*0*0"]))
    selection = read.selections["203"]
    assert selection.test_vends == VendTotals(Tally(2, usd(220)), Tally(1, usd(110)))
    assert selection.free_vends == VendTotals(Tally(3, usd(375)), Tally(0, usd(0)))


def test_pa5_is_the_last_sold_out_and_how_often() -> None:
    read = parse_audit(dex_file(["PA1*1*150", "PA5*341118*0058*782", "PA1*2*150", "PA5*20250708*183145*1"]))
    assert read.selections["1"].sold_out == SoldOut(datetime(2034, 11, 18, 0, 58), 782)
    assert read.selections["2"].sold_out == SoldOut(datetime(2025, 7, 8, 18, 31, 45), 1)


def test_a_selection_that_never_sold_out_has_no_date() -> None:
    read = parse_audit(dex_file(["PA1*1*150", "PA5*000000*0000*0"]))
    assert read.selections["1"].sold_out == SoldOut(None, 0)


def test_pa7_splits_sales_by_payment_device_and_price_list() -> None:
    read = parse_audit(
        dex_file(
            [
                "PA1*18*400",
                "PA2*622*221875*1*400",
                "PA7*18*CA*0*400*85*31300*0*0",
                "PA7*18*DA*0*400*537*190575*1*400",
                "PA7*18*DA*1*350*3*1050*0*0",
                "PA7*18*TA**400*0*0",
            ]
        )
    )
    selection = read.selections["18"]
    assert selection.payments == (
        PaymentSplit("CA", 0, usd(400), VendTotals(Tally(85, usd(31300)), Tally(0, usd(0)))),
        PaymentSplit("DA", 0, usd(400), VendTotals(Tally(537, usd(190575)), Tally(1, usd(400)))),
        PaymentSplit("DA", 1, usd(350), VendTotals(Tally(3, usd(1050)), Tally(0, usd(0)))),
        PaymentSplit("TA", None, usd(400), VendTotals(Tally(0, usd(0)), None)),
    )
    assert selection.paid_through("CA") == Tally(85, usd(31300))
    assert selection.paid_through("DA", "DB") == Tally(540, usd(191625))
    assert selection.paid_through("DB") is None


def test_la1_price_lists_belong_to_their_selection() -> None:
    read = parse_audit(dex_file(["PA1*A1*175", "PA1*A2*175", "LA1*2*A1*9995*0*0", "LA1*1*A1*150*12*3"]))
    assert read.selections["A1"].price_lists == (
        PriceListEntry(2, usd(9995), 0, 0),
        PriceListEntry(1, usd(150), 12, 3),
    )
    assert read.selections["A2"].price_lists == ()


def test_va1_to_va3_are_machine_totals_value_first() -> None:
    read = parse_audit(dex_file(["VA1*13716445*157598*715795*157572", "VA2*9205*77*9205*77", "VA3*0*0*0*0"]))
    assert read.totals.paid == VendTotals(Tally(157598, usd(13716445)), Tally(157572, usd(715795)))
    assert read.totals.test_vends == VendTotals(Tally(77, usd(9205)), Tally(77, usd(9205)))
    assert read.totals.free_vends == VendTotals(Tally(0, usd(0)), Tally(0, usd(0)))


def test_device_totals_ca2_da2_db2_ta2_value_first() -> None:
    read = parse_audit(dex_file(["CA2*1378320*6670*0*0", "DA2*10894500*46546*5100*20", "TA2*10975*193"]))
    assert read.payment_totals["CA"] == VendTotals(Tally(6670, usd(1378320)), Tally(0, usd(0)))
    assert read.payment_totals["DA"] == VendTotals(Tally(46546, usd(10894500)), Tally(20, usd(5100)))
    assert read.payment_totals["TA"] == VendTotals(Tally(193, usd(10975)), None)
    assert "DB" not in read.payment_totals


def test_standard_records_not_read_are_listed_and_unknown_ones_warned_about() -> None:
    read = parse_audit(dex_file(["MA5*TEMP*41*5", "EA1*EGS*250701*0712***40", "ZZ9*x", "ZZ9*y", "PA1*1*100"]))
    assert read.unread_records == ("EA1", "MA5")
    assert read.warnings == ("unknown record 'ZZ9' (2 lines from line 7) ignored",)
    assert list(read.selections) == ["1"]


def test_loops_ls_le_frame_the_selections() -> None:
    read = parse_audit(dex_file(["LS*0100", "PA1*1*100", "PA2*1*100*1*100", "LE*0100"]))
    assert read.selections["1"].paid is not None
    assert read.warnings == ()
    unclosed = parse_audit(dex_file(["LS*0100", "PA1*1*100"]))
    assert any("LS*0100 is never closed" in warning for warning in unclosed.warnings)
