"""History overlays on the cabinet grids: revenue a day, units a day or stock-outs per slot, from the sales.

The figures are rolled up in a worker (and kept in ``planogram_performance``); each slot is coloured
green for the best and red for the worst in its cabinet. A drag's heat map takes the grid while it lasts.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from designer.positions import Position
from storage.performance import SlotHistory, roll_up
from widgets.workers import BackgroundJobs, JobState

if TYPE_CHECKING:
    from storage.database import Engine
    from widgets.canvas.cabinet_editing import EditableCabinetView


class Overlay(StrEnum):
    NONE = "No history overlay"
    REVENUE = "Revenue per day"
    UNITS = "Units per day"
    STOCKOUTS = "Stock-outs"


def overlay_grid(
    history: SlotHistory, overlay: Overlay, rows: int, columns: int
) -> tuple[np.ndarray, dict[Position, str]]:
    """Colour scores 0–100 (100 = best in the cabinet) and the printed figure per slot."""
    values = np.zeros((rows, columns))
    labels: dict[Position, str] = {}
    source: dict[str, float] = {
        Overlay.REVENUE: history.revenue_per_day,
        Overlay.UNITS: history.units_per_day,
        Overlay.STOCKOUTS: {k: float(v) for k, v in history.stockouts.items()},
    }[overlay]
    for row in range(rows):
        for column in range(columns):
            position = Position(row, column)
            value = source.get(position.label, 0.0)
            values[row, column] = value
            labels[position] = (
                f"${value:.2f}" if overlay is Overlay.REVENUE else f"{value:.1f}" if overlay is Overlay.UNITS
                else f"{value:.0f}"
            )  # fmt: skip
    top = values.max()
    if overlay is Overlay.STOCKOUTS:
        scores = 100.0 * (1 - values / top) if top > 0 else np.full_like(values, 100.0)
    else:
        scores = 100.0 * values / top if top > 0 else np.zeros_like(values)
    return scores, labels


class HistoryOverlay(QObject):
    shown = Signal(str)  # the overlay now on screen

    def __init__(self, jobs: BackgroundJobs, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.mode = Overlay.NONE
        self._on_screen: dict[int, tuple[np.ndarray, dict[Position, str]]] = {}

    def show(self, mode: Overlay, engine: Engine, views: list[EditableCabinetView]) -> None:
        self.mode = mode
        self._on_screen.clear()
        if mode is Overlay.NONE or not views:
            for view in views:
                view.heat_layer.clear()
            self.shown.emit(mode.value)
            return
        cabinets = [view.editor.cabinet for view in views]

        def job(_state: JobState) -> list[SlotHistory]:
            return [roll_up(engine, cabinet.device_id, cabinet.index) for cabinet in cabinets]

        def done(histories: list[SlotHistory]) -> None:
            for view, history in zip(views, histories, strict=True):
                cabinet = view.editor.cabinet
                grid = overlay_grid(history, mode, cabinet.rows, cabinet.columns)
                self._on_screen[id(view)] = grid
                self._apply(view)
            self.shown.emit(mode.value)

        self.jobs.start("history overlay", job, on_success=done)

    def attach(self, view: EditableCabinetView) -> None:
        view.drag_finished.connect(lambda: self._apply(view))

    def _apply(self, view: EditableCabinetView) -> None:
        grid = self._on_screen.get(id(view))
        if grid is not None and self.mode is not Overlay.NONE:
            scores, labels = grid
            view.heat_layer.show_scores(scores, [], labels)
