"""The auto-fill preview: the cabinet as it would be, with what the fill is expected to bring."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from ai.auto_fill import FillProposal
from designer.cabinets import Cabinet
from designer.planograms import Planogram
from designer.products import Catalogue
from designer.suggestions import Decision, Measure, Suggestion, SuggestionKind, Verdict
from widgets.canvas.cabinet_view import CabinetView


class FillPreviewDialog(QDialog):
    """Accept to apply the proposal as one undoable edit; every slot stays editable afterwards."""

    decided = Signal(object)  # designer.suggestions.Decision: accepted or rejected, with the predicted gain

    def __init__(
        self, cabinet: Cabinet, planogram: Planogram, proposal: FillProposal, catalogue: Catalogue,
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        filled = {slot.position.label: slot.product_id for slot in proposal.slots}
        self._suggestion = Suggestion(SuggestionKind.FILL, cabinet.device_id, Measure.CABINET_REVENUE,
                                      proposal.expected_daily_revenue, cabinet_index=cabinet.index, gain=True,
                                      details={"slots": filled})  # fmt: skip
        self.setWindowTitle("Fill empty slots — preview")
        self.resize(900, 680)
        preview = Planogram(cabinet.device_id, cabinet.index, dict(planogram.slots))
        for slot in proposal.slots:
            preview.slots[slot.position] = slot
        self.view = CabinetView()
        self.view.show_cabinet(cabinet, preview, catalogue)
        count = len(proposal.slots)
        summary = QLabel(
            f"Fills {count} empty slot{'s' if count != 1 else ''} with products chosen for this machine: "
            f"about {proposal.expected_daily_units:.1f} more sold and ${proposal.expected_daily_revenue:.2f} more "
            "revenue a day, from the local placement model. Accept, then adjust any slot as usual."
        )
        summary.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Accept fill")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)

    def done(self, code: int) -> None:
        accepted = int(code) == QDialog.DialogCode.Accepted.value
        self.decided.emit(Decision(self._suggestion, Verdict.ACCEPTED if accepted else Verdict.REJECTED))
        super().done(code)
