"""The slot inspector: quantity, capacity, par level and price of the selected slot, or bulk edits of many."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
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
from designer.validation import MAX_SLOT_PRICE, check_fill

WARNING_STYLE = "background: #fdecea; color: #8a1c13; border: 1px solid #e8a39c; border-radius: 4px; padding: 4px;"


class SlotInspector(QWidget):
    """Shows what is selected; edits are emitted as requests, the window turns them into undoable edits."""

    # quantity, capacity, par level and price (a float, or None for an empty slot) of the single selected slot
    details_requested = Signal(int, int, int, object)
    price_reset_requested = Signal()  # the selected slot goes back to the catalogue price
    capacity_requested = Signal(int)  # one capacity for every selected slot
    clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("No slot selected")
        self.title.setObjectName("sectionTitle")
        self.setMaximumHeight(260)
        self.product = QLabel("Click a slot, or drag a product onto one.")
        self.product.setWordWrap(True)
        self.stock_warning = QLabel("")
        self.stock_warning.setObjectName("stockWarning")
        self.stock_warning.setWordWrap(True)
        self.stock_warning.setStyleSheet(WARNING_STYLE)
        self.stock_warning.hide()
        self.quantity = QSpinBox(maximum=99)
        self.capacity = QSpinBox(minimum=1, maximum=99)
        self.par_level = QSpinBox(maximum=99)
        self.price = QDoubleSpinBox(prefix="$", decimals=2, maximum=MAX_SLOT_PRICE, singleStep=0.05)
        self.price.setToolTip("What this slot sells at; the catalogue price unless you set another")
        self.catalogue_price = QLabel("")
        self.catalogue_price.setObjectName("hint")
        self.reset_price = QPushButton("Use catalogue price")
        self.reset_price.setToolTip("Sell this slot at the product's catalogue price again")
        self.apply = QPushButton("Apply")
        self.apply.setToolTip("Apply quantity, capacity and par level (Enter)")
        self.apply.setDefault(True)
        self.clear = QPushButton("Clear slot")
        self.clear.setToolTip("Remove the product from the selected slots (Del)")

        form = QFormLayout()
        form.addRow("Quantity", self.quantity)
        form.addRow("Capacity", self.capacity)
        form.addRow("Par level", self.par_level)
        form.addRow("Price", self.price)
        price_hint = QHBoxLayout()
        price_hint.addWidget(self.catalogue_price, 1)
        price_hint.addWidget(self.reset_price)
        form.addRow("", price_hint)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply)
        buttons.addWidget(self.clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.product)
        layout.addWidget(self.stock_warning)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addStretch(1)

        self._count = 0
        self.apply.clicked.connect(self._apply)
        self.clear.clicked.connect(self.clear_requested)
        self.reset_price.clicked.connect(self.price_reset_requested)
        for box in (self.quantity, self.capacity, self.par_level, self.price):
            box.editingFinished.connect(self._maybe_apply_on_enter)
        self.show_selection([], Catalogue())

    def show_selection(self, slots: list[Slot], catalogue: Catalogue, read_only: str | None = None) -> None:
        """Show ``slots``; with ``read_only`` (the reason) every field is shown but locked, the reason as tooltip."""
        self._count = len(slots)
        enabled = bool(slots)
        for widget in (self.capacity, self.apply, self.clear):
            widget.setEnabled(enabled)
        self.quantity.setEnabled(len(slots) == 1)
        self.par_level.setEnabled(len(slots) == 1)
        self._show_price(slots[0] if len(slots) == 1 else None, catalogue)
        fields = (self.quantity, self.capacity, self.par_level, self.price, self.reset_price, self.apply, self.clear)
        for widget in fields:
            if read_only:
                widget.setEnabled(False)
            widget.setStatusTip(f"Read-only: {read_only}" if read_only else "")
        self.setToolTip(f"Read-only: {read_only}" if read_only else "")
        self._show_stock_warning(slots[0] if len(slots) == 1 else None)
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
        self.product.setText(f"{product.name} · {product.category}" if product else "Empty slot")
        self.capacity.setValue(slot.capacity)
        self.quantity.setValue(slot.quantity)
        self.par_level.setValue(slot.par_level)
        self.apply.setText("Apply")

    def _show_stock_warning(self, slot: Slot | None) -> None:
        """More stock (or par) than the slot holds, as CVD allows: said above the fields, with what to do."""
        problems = check_fill(slot) if slot is not None and not slot.is_empty else []
        self.stock_warning.setText("\n".join(f"⚠ {problem.problem}: {problem.fix}." for problem in problems))
        self.stock_warning.setVisible(bool(problems))

    def _show_price(self, slot: Slot | None, catalogue: Catalogue) -> None:
        """The slot's effective price to edit, the catalogue's beside it as the hint."""
        product = catalogue.get(slot.product_id) if slot is not None and slot.product_id is not None else None
        self.price.setEnabled(product is not None)
        self.reset_price.setEnabled(product is not None and slot is not None and slot.price is not None)
        if product is None or slot is None:
            self.price.setValue(0.0)
            self.price.setSpecialValueText("—")
            self.catalogue_price.setText("")
            return
        self.price.setSpecialValueText("")
        self.price.setValue(slot.effective_price(product.price))
        own = "this slot's own price; " if slot.price is not None else ""
        self.catalogue_price.setText(f"{own}catalogue ${product.price:.2f}")

    def focus_first_field(self) -> None:
        target = self.quantity if self.quantity.isEnabled() else self.capacity
        target.setFocus()
        target.selectAll()

    def _maybe_apply_on_enter(self) -> None:
        # editingFinished also fires on focus loss; only Enter (the focused box still has focus) applies.
        sender = self.sender()
        if isinstance(sender, QSpinBox | QDoubleSpinBox) and sender.hasFocus():
            self._apply()

    def _apply(self) -> None:
        if self._count == 1:
            price = self.price.value() if self.price.isEnabled() else None
            self.details_requested.emit(self.quantity.value(), self.capacity.value(), self.par_level.value(), price)
        elif self._count > 1:
            self.capacity_requested.emit(self.capacity.value())
