"""A personalised planogram opened into the designer and then undone before it was kept was not taken after all:
the AI dashboard's feedback counts it as rejected (and as accepted again if it is redone)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from pytestqt.qtbot import QtBot
from windows import keyless_window, small_demo_fleet

from designer.suggestions import Decision, Measure, Suggestion, SuggestionKind, Verdict
from storage.feedback import feedback_summary
from widgets.canvas.cabinet_editing import EditableCabinetView
from widgets.window.main_window import MainWindow

KIND = SuggestionKind.PERSONALISATION.value


@pytest.fixture
def window(
    qtbot: QtBot, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MainWindow]:
    with keyless_window(qtbot, small_demo_fleet(tmp_path_factory, "undone"), monkeypatch) as window:
        yield window
        if window.analysis.comparison is not None:
            window.analysis.comparison.close()


def decisions(window: MainWindow) -> dict[str, int]:
    return feedback_summary(window.repository.engine).get(KIND, {})


def test_an_opened_then_undone_personalisation_is_recorded_as_rejected(qtbot: QtBot, window: MainWindow) -> None:
    view = window.current_cabinet_view()
    assert isinstance(view, EditableCabinetView)
    editor = view.editor
    device_id = editor.cabinet.device_id
    slots = dict(editor.planogram.slots)
    first = next(slot for slot in editor.planogram.filled_slots())
    slots[first.position] = first.cleared()
    proposal = replace(editor.planogram, slots=slots)

    window.analysis.apply_proposals(device_id, {editor.cabinet.index: proposal})  # "Open as proposal"
    assert editor.planogram.slot_at(first.position).is_empty
    shown = Suggestion(SuggestionKind.PERSONALISATION, device_id, Measure.DEVICE_REVENUE, 42.5)
    with qtbot.waitSignal(window.feedback.recorded, timeout=10_000):
        window.analysis.personalisation_decided(Decision(shown, Verdict.ACCEPTED))
    assert decisions(window)["accepted"] == 1

    window.undo_action.trigger()  # changed their mind before saving
    assert editor.planogram.slot_at(first.position).product_id == first.product_id
    qtbot.waitUntil(lambda: decisions(window)["rejected"] == 1 and decisions(window)["accepted"] == 0, timeout=10_000)

    window.redo_action.trigger()
    qtbot.waitUntil(lambda: decisions(window)["accepted"] == 1 and decisions(window)["rejected"] == 0, timeout=10_000)

    window.undo_action.trigger()
    view.select([first.position])
    window.clear_selected_slots()  # a new edit: the undone proposal can no longer be redone
    window.redo_action.trigger()
    qtbot.waitUntil(lambda: decisions(window)["rejected"] == 1, timeout=10_000)
    assert decisions(window)["accepted"] == 0
