"""Explanations say what the model says: a product already in its best slot is not told to move, the whole
explanation can be read, and the Placement score panel follows the slot the merchandiser selects."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot
from windows import keyless_window, small_demo_fleet

from ai.placement_feedback import analyse_placement
from designer.positions import Position
from widgets.canvas.cabinet_editing import EditableCabinetView
from widgets.window.main_window import MainWindow


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return small_demo_fleet(tmp_path_factory, "explanations")


@pytest.fixture
def window(qtbot: QtBot, demo_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    with keyless_window(qtbot, demo_url, monkeypatch) as window:
        yield window


def view_of(window: MainWindow) -> EditableCabinetView:
    view = window.current_cabinet_view()
    assert isinstance(view, EditableCabinetView)
    return view


def in_its_best_slot(window: MainWindow, view: EditableCabinetView) -> tuple[int, Position]:
    """Move a product into the slot the model ranks first for it (its neighbours change the ranking a little)."""
    scorer, editor = window.assistant.scorer, view.editor
    assert scorer is not None
    product = next(slot.product_id for slot in editor.planogram.filled_slots() if slot.product_id is not None)
    where = next(slot.position for slot in editor.planogram.filled_slots() if slot.product_id == product)
    for _attempt in range(5):
        analysis = analyse_placement(scorer, editor.cabinet, editor.planogram, product, where)
        if not analysis.better_positions:
            return product, where
        target = analysis.better_positions[0]
        assert view.drop_product(target, product) is None
        where = target
    raise AssertionError("the model kept finding a better slot")


def test_a_product_in_its_best_slot_is_told_to_stay_and_shown_the_next_best(qtbot: QtBot, window: MainWindow) -> None:
    view = view_of(window)
    product, best = in_its_best_slot(window, view)
    view.select([best])
    panel = window.explanations.panel
    with qtbot.waitSignal(panel.explained, timeout=10_000) as explained:
        window.explanations.explain_action.trigger()

    explanation = explained.args[0]
    said = " ".join([panel.figures.text(), panel.text.toPlainText(), panel.extra.text()])
    assert "better" not in said.lower(), said
    name = window.catalogue[product].name
    assert f"Keep {name} in {best.label}: no other slot is expected to sell it more; next best " in panel.extra.text()
    assert explanation.text == panel.text.toPlainText()


def test_the_whole_explanation_shows_without_a_line_cut_in_half(qtbot: QtBot, window: MainWindow) -> None:
    view = view_of(window)
    view.select([next(item.position for item in view.slot_items() if not item.is_empty)])
    panel = window.explanations.panel
    with qtbot.waitSignal(panel.explained, timeout=10_000):
        window.explanations.explain_action.trigger()
    qtbot.waitUntil(lambda: panel.text.isVisible())

    document = panel.text.document()
    lines = document.size().height() / panel.text.fontMetrics().lineSpacing()
    assert lines >= 3, "a paragraph long enough to have been cut before"
    # every line of the text fits in its box (once the dock has laid itself out)
    qtbot.waitUntil(lambda: panel.text.viewport().height() >= document.size().height())
    assert panel.text.verticalScrollBar().maximum() == 0
    # the panel scrolls as a whole when the dock is short: its end (the cost line) can be reached
    scroll = panel.scroll.verticalScrollBar()
    scroll.setValue(scroll.maximum())
    bottom = panel.cost.mapTo(panel.scroll.viewport(), panel.cost.rect().bottomLeft()).y()
    assert bottom <= panel.scroll.viewport().height()


def test_the_placement_score_follows_the_selected_slot(qtbot: QtBot, window: MainWindow) -> None:
    view = view_of(window)
    assistant, score = window.assistant, window.score_panel
    filled = [slot for slot in view.editor.planogram.filled_slots()]
    dragged, other = filled[0], filled[-1]
    assert dragged.product_id is not None and other.product_id is not None
    assistant.drag_started(view, dragged.product_id)
    with qtbot.waitSignal(assistant.analysis_shown, timeout=10_000):
        assistant.hovered(view, dragged.position)
    assistant.drag_finished(view)
    assert f"in <b>{dragged.position.label}</b>" in score.headline.text()

    view.select([other.position])
    other_name = window.catalogue[other.product_id].name
    qtbot.waitUntil(lambda: f"{other_name}</b> in <b>{other.position.label}</b>" in score.headline.text())

    empty = next(item.position for item in view.slot_items() if item.is_empty)
    view.select([empty])
    qtbot.waitUntil(lambda: score.headline.text() == "")
    assert f"{empty.label} is empty" in score.details.text() and score.score.text() == "–"
    view.select([])
    assert "Drag a product over a cabinet" in score.details.text()
