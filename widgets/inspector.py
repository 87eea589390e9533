"""The slot inspector: quantity, capacity and par level of the selected slot, or bulk edits of many."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from designer.planograms import Slot
from designer.products import Catalogue


class SlotInspector(QWidget):
    """Shows what is selected; edits are emitted as requests, the window turns them into undoable edits."""

    details_requested = Signal(int, int, int)  # quantity, capacity, par level for the single selected slot
    capacity_requested = Signal(int)  # one capacity for every selected slot
    clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("No slot selected")
        self.title.setObjectName("sectionTitle")
        self.setMaximumHeight(260)
        self.product = QLabel("Click a slot, or drag a product onto one.")
        self.product.setWordWrap(True)
        self.quantity = QSpinBox(maximum=99)
        self.capacity = QSpinBox(minimum=1, maximum=99)
        self.par_level = QSpinBox(maximum=99)
        self.apply = QPushButton("Apply")
        self.apply.setToolTip("Apply quantity, capacity and par level (Enter)")
        self.apply.setDefault(True)
        self.clear = QPushButton("Clear slot")
        self.clear.setToolTip("Remove the product from the selected slots (Del)")

        form = QFormLayout()
        form.addRow("Quantity", self.quantity)
        form.addRow("Capacity", self.capacity)
        form.addRow("Par level", self.par_level)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply)
        buttons.addWidget(self.clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.product)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addStretch(1)

        self._count = 0
        self.apply.clicked.connect(self._apply)
        self.clear.clicked.connect(self.clear_requested)
        for box in (self.quantity, self.capacity, self.par_level):
            box.editingFinished.connect(self._maybe_apply_on_enter)
        self.show_selection([], Catalogue())

    def show_selection(self, slots: list[Slot], catalogue: Catalogue) -> None:
        self._count = len(slots)
        enabled = bool(slots)
        for widget in (self.capacity, self.apply, self.clear):
            widget.setEnabled(enabled)
        self.quantity.setEnabled(len(slots) == 1)
        self.par_level.setEnabled(len(slots) == 1)
        if not slots:
            self.title.setText("No slot selected")
            self.product.setText("Click a slot, or drag a product onto one. Shift-click or drag a box for several.")
            return
        if len(slots) > 1:
            self.title.setText(f"{len(slots)} slots selected")
            filled = sum(not slot.is_empty for slot in slots)
            self.product.setText(f"{filled} hold a product. Set one capacity for all, or clear them.")
            self.capacity.setValue(max(slot.capacity for slot in slots))
            self.apply.setText("Set capacity")
            return
        (slot,) = slots
        self.title.setText(f"Slot {slot.position.label}")
        product = catalogue.get(slot.product_id) if slot.product_id is not None else None
        self.product.setText(f"{product.name} · ${product.price:.2f} · {product.category}" if product else "Empty slot")
        self.capacity.setValue(slot.capacity)
        self.quantity.setValue(slot.quantity)
        self.par_level.setValue(slot.par_level)
        self.apply.setText("Apply")

    def focus_first_field(self) -> None:
        target = self.quantity if self.quantity.isEnabled() else self.capacity
        target.setFocus()
        target.selectAll()

    def _maybe_apply_on_enter(self) -> None:
        # editingFinished also fires on focus loss; only Enter (the focused box still has focus) applies.
        sender = self.sender()
        if isinstance(sender, QSpinBox) and sender.hasFocus():
            self._apply()

    def _apply(self) -> None:
        if self._count == 1:
            self.details_requested.emit(self.quantity.value(), self.capacity.value(), self.par_level.value())
        elif self._count > 1:
            self.capacity_requested.emit(self.capacity.value())
