"""The wizard's proposal loaded into the real window changes every cabinet; one Ctrl+Z puts them all back."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QApplication, QMessageBox, QWizard

from ai.services import Services
from designer.planograms import Planogram
from storage.app_context import AppContext
from widgets.analysis.personalization import PersonalizationWizard
from widgets.app import open_main_window
from widgets.canvas.cabinet_editing import EditableCabinetView


def test_a_personalisation_of_three_cabinets_is_one_undo_step_in_the_window(
    qtbot, fleet: tuple[str, Path], services: Services, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Discard)
    url, _folder = fleet
    window = open_main_window(AppContext.create(database=url))
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.assistant.ready, timeout=120_000):
        qtbot.waitSignal(window.layout_shown, timeout=30_000).wait()
    assert window.layout_on_screen is not None and window.layout_on_screen.device.id == 1
    window.activateWindow()
    editors = [view.editor for view in window.cabinet_views() if isinstance(view, EditableCabinetView)]
    assert len(editors) == 3
    stored = [dict(editor.planogram.slots) for editor in editors]

    wizard = PersonalizationWizard(services, 1)
    qtbot.addWidget(wizard)
    wizard.proposal_ready.connect(lambda proposals: window.analysis.apply_proposals(1, proposals))
    wizard.show()
    qtbot.waitUntil(lambda: wizard.goals_page.location.count() > 0, timeout=10_000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.result is not None, timeout=60_000)
    with qtbot.waitSignal(wizard.proposal_ready, timeout=5_000) as ready:
        wizard.button(QWizard.WizardButton.FinishButton).click()
    proposals: dict[int, Planogram] = ready.args[0]

    applied = [dict(editor.planogram.slots) for editor in editors]
    assert applied == [proposals[editor.cabinet.index].slots for editor in editors]
    assert all(now != before for now, before in zip(applied, stored, strict=True))
    assert window.undo_action.text() == "Undo Apply personalised planogram"
    qtbot.waitUntil(lambda: window.analysis.comparison is not None, timeout=60_000)
    window.analysis.comparison.close()  # the proposal opened against today's planogram; back to the designer
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)

    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [dict(editor.planogram.slots) for editor in editors] == stored
    assert not any(editor.is_modified for editor in editors) and not window.isWindowModified()

    qtbot.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert [dict(editor.planogram.slots) for editor in editors] == applied
    assert all(editor.is_modified for editor in editors)

    wizard.jobs.shutdown(5_000)
    window.close()
    QThreadPool.globalInstance().waitForDone(10_000)
    assert QThreadPool.globalInstance().activeThreadCount() == 0
