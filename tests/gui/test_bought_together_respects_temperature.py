"""Products bought together, as a merchandiser acts on them: clusters only group products that may share a
cabinet and name it, a pair kept at different temperatures says which cabinet each could go to, and "Place
together" says in the view itself what it did or why it refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot
from windows import keyless_window, small_demo_fleet

from widgets.canvas.cabinet_editing import EditableCabinetView
from widgets.window.main_window import MainWindow


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return small_demo_fleet(tmp_path_factory, "together")


@pytest.fixture
def window(qtbot: QtBot, demo_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    with keyless_window(qtbot, demo_url, monkeypatch) as window:
        yield window


def test_clusters_share_a_temperature_name_their_cabinet_and_place_there(qtbot: QtBot, window: MainWindow) -> None:
    dialog = window.analysis.show_affinity()
    assert dialog is not None
    view = dialog.view
    qtbot.waitUntil(lambda: view.body is not None, timeout=60_000)
    catalogue = window.catalogue
    zones = {c.index: c.zone.value for c in window.repository.cabinets(window.layout_on_screen.device.id)}
    clusters = view.body["product_clusters"]
    assert clusters
    for cluster in clusters:
        assert len({catalogue[p].temperature_requirement for p in cluster["products"]}) == 1
        index = cluster["cabinet_index"]
        assert cluster["cabinet"] == f"cabinet {index} ({zones[index]})"
        assert cluster["cabinet"] in view.clusters.item(clusters.index(cluster)).text()
    apart = [pair for pair in view.body["affinity_pairs"] if pair["recommendation"].startswith("Different cabinets")]
    for pair in apart:
        assert pair["recommendation"].count("cabinet ") >= 2 and "(" in pair["recommendation"]

    # a cluster whose cabinet is not the tab on screen is placed in its own cabinet, and the view says so
    cluster = clusters[0]
    view.clusters.setCurrentRow(0)
    assert view.place.isEnabled()
    view.place.click()
    where = cluster["cabinet"]
    assert view.outcome.text() == f"Placed side by side in {where}; undo with Ctrl+Z"
    editor = window.session.devices[window.layout_on_screen.device.id].editors[cluster["cabinet_index"]]
    order = sorted(editor.cabinet.positions())  # reading order: side by side, or wrapping onto the next row
    members = set(cluster["products"])
    spots = sorted(order.index(s.position) for s in editor.planogram.filled_slots() if s.product_id in members)
    assert spots == list(range(spots[0], spots[0] + len(spots))), "the cluster stands in a run of adjacent slots"

    view.place.click()  # once more: nothing to do, and the reason shows here, not only in the status bar
    assert view.outcome.text() == f"Not placed in {where}: these products already stand side by side"
    dialog.close()


def test_a_pair_kept_at_different_temperatures_says_where_each_could_go(qtbot: QtBot, window: MainWindow) -> None:
    dialog = window.analysis.show_affinity()
    assert dialog is not None
    view = dialog.view
    qtbot.waitUntil(lambda: view.body is not None, timeout=60_000)
    catalogue = window.catalogue
    pairs = view.body["affinity_pairs"]
    row = next(
        i for i, pair in enumerate(pairs)
        if catalogue[pair["product_1"]["id"]].temperature_requirement
        != catalogue[pair["product_2"]["id"]].temperature_requirement
    )  # fmt: skip
    view.pairs.selectRow(row)
    assert not view.place.isEnabled()
    said = view.outcome.text()
    assert said.startswith("Not placed together — kept at different temperatures: ")
    for side in ("product_1", "product_2"):
        product = catalogue[pairs[row][side]["id"]]
        assert f"{product.name} ({product.temperature_requirement.value}) in cabinet " in said
    dialog.close()


def test_place_together_from_the_designer_tab_still_works(window: MainWindow) -> None:
    view = window.current_cabinet_view()
    assert isinstance(view, EditableCabinetView)
    filled = list(view.editor.planogram.filled_slots())
    first, last = filled[0], filled[-1]
    said = window.analysis.place_products_together([first.product_id, last.product_id])
    assert said.startswith(f"Placed side by side in cabinet {view.editor.cabinet.index} ")
    assert view.editor.planogram.slot_at(first.position.moved(0, 1)).product_id == last.product_id
