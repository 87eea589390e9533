"""The rules for fitting a template to a machine's cabinet (designer.templates), each as a merchandiser sees it."""

from __future__ import annotations

import pytest

from designer.cabinets import Cabinet, TemperatureZone
from designer.fleet_changes import (
    MachineFacts,
    MachineFilter,
    change_price,
    rounded_price,
    set_par_levels,
    template_change,
)
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Catalogue, Product
from designer.templates import FitRefused, Template, fit_template, target_cabinet, template_from_planogram

AMBIENT, COOL, FROZEN = TemperatureZone.AMBIENT, TemperatureZone.REFRIGERATED, TemperatureZone.FROZEN
CATALOGUE = Catalogue(
    [
        Product(1, "Crisps", "chips", 1.50, 0.5, AMBIENT, 5),
        Product(2, "Cookies", "cookies", 1.75, 0.6, AMBIENT, 5),
        Product(3, "Yogurt", "dairy", 2.25, 0.9, COOL, 5),
        Product(4, "Ice cream", "ice cream", 2.75, 1.0, FROZEN, 5),
    ]
)
A1, A2, B1, B2, C3 = (Position.parse(label) for label in ("A1", "A2", "B1", "B2", "C3"))


def template(
    rows: int = 2, columns: int = 2, slots: tuple[Slot, ...] = (), zone: TemperatureZone = AMBIENT
) -> Template:
    return Template("Office snacks", rows, columns, zone, slots or (Slot(A1, 1, 0, 8, 6), Slot(B2, 2, 0, 8, 6)))


def machine(*cabinets: Cabinet) -> MachineFacts:
    return MachineFacts(7, "Lobby", "VM-7", "office", cabinets)


def test_same_shape_takes_every_slot_and_keeps_the_machines_codes_and_stock_of_a_product_that_stays() -> None:
    cabinet = Cabinet(7, 0, 2, 2, AMBIENT)
    current = Planogram.from_slots(7, 0, [Slot(A1, 1, 5, 8, 6, selection_code="101"), Slot(A2, 2, 3, 8, 6)])
    fitted = fit_template(template(), cabinet, current, CATALOGUE)
    assert fitted.slot_at(A1) == Slot(A1, 1, 5, 8, 6, selection_code="101")  # same product: stock kept
    assert fitted.slot_at(B2).product_id == 2 and fitted.slot_at(B2).quantity == 6  # new product: loaded to par
    assert fitted.slot_at(A2).is_empty  # empty in the template: emptied


def test_a_bigger_cabinet_takes_the_template_top_left_and_keeps_the_rest() -> None:
    cabinet = Cabinet(7, 0, 3, 3, AMBIENT)
    current = Planogram.from_slots(7, 0, [Slot(C3, 2, 4, 8, 6)])
    fitted = fit_template(template(), cabinet, current, CATALOGUE)
    assert fitted.slot_at(A1).product_id == 1 and fitted.slot_at(B2).product_id == 2
    assert fitted.slot_at(C3) == Slot(C3, 2, 4, 8, 6)


def test_a_smaller_cabinet_is_refused_when_a_product_would_have_no_slot() -> None:
    with pytest.raises(FitRefused, match=r"1 products would have no slot \(B2 Cookies\)"):
        fit_template(template(), Cabinet(7, 0, 1, 2, AMBIENT), Planogram(7, 0), CATALOGUE)


def test_a_smaller_cabinet_takes_the_template_when_what_it_lacks_is_empty() -> None:
    only_a1 = template(slots=(Slot(A1, 1, 0, 8, 6),))
    fitted = fit_template(only_a1, Cabinet(7, 0, 1, 1, AMBIENT), Planogram(7, 0), CATALOGUE)
    assert fitted.slot_at(A1).product_id == 1


def test_a_product_the_cabinet_cannot_keep_cold_is_refused_by_name() -> None:
    chilled = template(slots=(Slot(A1, 3, 0, 8, 6),), zone=AMBIENT)
    with pytest.raises(FitRefused, match="Yogurt must be kept refrigerated"):
        fit_template(chilled, Cabinet(7, 0, 2, 2, AMBIENT), Planogram(7, 0), CATALOGUE)


def test_the_template_goes_into_the_cabinet_of_its_zone_preferring_its_shape() -> None:
    cabinets = [Cabinet(7, 0, 4, 4, COOL), Cabinet(7, 1, 3, 3, AMBIENT), Cabinet(7, 2, 2, 2, AMBIENT)]
    assert target_cabinet(template(), cabinets).index == 2
    assert target_cabinet(template(3, 3), cabinets).index == 1
    with pytest.raises(FitRefused, match=r"no frozen cabinet .* refrigerated 4×4, ambient 3×3, ambient 2×2"):
        target_cabinet(template(zone=FROZEN), cabinets)


def test_a_machine_without_a_matching_cabinet_is_a_refusal_in_the_preview_not_an_error() -> None:
    change = template_change(template(), machine(Cabinet(7, 0, 2, 2, COOL)), {}, CATALOGUE)
    assert change.refused and "no ambient cabinet" in str(change.refusal)


def test_a_template_saved_from_a_cabinet_leaves_the_machines_selection_codes_behind() -> None:
    cabinet = Cabinet(7, 0, 2, 2, AMBIENT)
    planogram = Planogram.from_slots(7, 0, [Slot(A1, 1, 5, 8, 6, selection_code="101")])
    saved = template_from_planogram(" Office ", cabinet, planogram, ["Office", " office", "Crane 187"])
    assert saved.name == "Office" and saved.tags == ("office", "crane 187")
    assert saved.slots == (Slot(A1, 1, 5, 8, 6),)
    assert saved.matches("crane office 2×2") and not saved.matches("school")


def test_a_percentage_price_change_rounds_to_the_nearest_five_cents() -> None:
    assert [rounded_price(p) for p in (1.62, 1.63, 1.575, 2.0)] == [1.60, 1.65, 1.60, 2.0]
    cabinet = Cabinet(7, 0, 2, 2, AMBIENT)
    current = {0: Planogram.from_slots(7, 0, [Slot(A1, 1, 5, 8, 6), Slot(A2, 1, 5, 8, 6, price=2.0, card_price=2.10)])}
    (change,) = change_price(machine(cabinet), current, CATALOGUE, 1, percent=8)
    assert change.after is not None
    assert change.after.slot_at(A1).price == 1.60  # 1.50 × 1.08 = 1.62 → 1.60
    assert (change.after.slot_at(A2).price, change.after.slot_at(A2).card_price) == (2.15, 2.25)  # card keeps +0.10


def test_par_levels_from_the_forecast_are_shared_by_capacity_and_never_above_it() -> None:
    cabinet = Cabinet(7, 0, 2, 2, AMBIENT)
    current = {0: Planogram.from_slots(7, 0, [Slot(A1, 1, 5, 8, 6), Slot(A2, 1, 5, 4, 3), Slot(B1, 2, 1, 6, 2)])}
    (change,) = set_par_levels(machine(cabinet), current, {1: 9, 2: 20})
    assert change.after is not None
    assert [change.after.slot_at(p).par_level for p in (A1, A2, B1)] == [6, 3, 6]
    assert change.changed == (B1,)


def test_a_filter_needs_every_criterion_and_any_value_of_one() -> None:
    lobby = MachineFacts(7, "Lobby", "VM-7", "office", (Cabinet(7, 0, 6, 6, AMBIENT),), "Crane 187", 3, ("24h",))
    assert MachineFilter(location_types=frozenset({"office", "gym"}), routes=frozenset({3})).chooses(lobby)
    assert not MachineFilter(location_types=frozenset({"office"}), models=frozenset({"AMS 39"})).chooses(lobby)
    assert MachineFilter(shapes=frozenset({"6x6"}), tags=frozenset({"24h"})).chooses(lobby)
    assert not MachineFilter(device_ids=frozenset({8})).chooses(lobby)
