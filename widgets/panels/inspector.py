"""The slot inspector: quantity, capacity, par level, selection code, cash and card price of the selected slot, or
bulk edits of many."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from designer.planograms import Slot
from designer.products import Catalogue
from designer.validation import MAX_SELECTION_CODE, MAX_SLOT_PRICE, check_fill
from widgets.canvas.cabinet_view import format_price

WARNING_STYLE = "background: #fdecea; color: #8a1c13; border: 1px solid #e8a39c; border-radius: 4px; padding: 4px;"


class SlotInspector(QWidget):
    """Shows what is selected; edits are emitted as requests, the window turns them into undoable edits."""

    # quantity, capacity, par level, cash price (a float, or None for an empty slot), card price and selection
    # code (each None where the person left it as shown) of the single selected slot
    details_requested = Signal(int, int, int, object, object, object)
    price_reset_requested = Signal()  # the selected slot goes back to the catalogue price
    card_price_reset_requested = Signal()  # cards pay the cash price again
    capacity_requested = Signal(int)  # one capacity for every selected slot
    clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("No slot selected")
        self.title.setObjectName("sectionTitle")
        self.setMaximumHeight(340)
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
        self.card_price = QDoubleSpinBox(prefix="$", decimals=2, maximum=MAX_SLOT_PRICE, singleStep=0.05)
        self.card_price.setToolTip("What cards pay in this slot; the cash price unless you set another")
        self.card_hint = QLabel("")
        self.card_hint.setObjectName("hint")
        self.reset_card_price = QPushButton("Same as cash")
        self.reset_card_price.setToolTip("Cards pay the cash price again")
        self.selection_code = QLineEdit()
        self.selection_code.setMaxLength(MAX_SELECTION_CODE)
        self.selection_code.setToolTip(
            "The code a customer keys in for this slot; clear it for the default (row number then column number)"
        )
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
        form.addRow("Card price", self.card_price)
        card_hint = QHBoxLayout()
        card_hint.addWidget(self.card_hint, 1)
        card_hint.addWidget(self.reset_card_price)
        form.addRow("", card_hint)
        form.addRow("Selection", self.selection_code)
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
        self._shown_card: float | None = None  # the card price shown: unchanged, it is left as it is
        self._shown_code = ""
        self.apply.clicked.connect(self._apply)
        self.clear.clicked.connect(self.clear_requested)
        self.reset_price.clicked.connect(self.price_reset_requested)
        self.reset_card_price.clicked.connect(self.card_price_reset_requested)
        for box in (self.quantity, self.capacity, self.par_level, self.price, self.card_price):
            box.editingFinished.connect(self._maybe_apply_on_enter)
        self.selection_code.returnPressed.connect(self._apply)
        self.show_selection([], Catalogue())

    def show_selection(
        self, slots: list[Slot], catalogue: Catalogue, read_only: str | None = None, cabinet_index: int = 0
    ) -> None:
        """Show ``slots`` (of cabinet ``cabinet_index``, which the default selection codes name); with ``read_only``
        (the reason) every field is shown but locked, the reason as tooltip."""
        self._count = len(slots)
        enabled = bool(slots)
        for widget in (self.capacity, self.apply, self.clear):
            widget.setEnabled(enabled)
        self.quantity.setEnabled(len(slots) == 1)
        self.par_level.setEnabled(len(slots) == 1)
        self._show_price(slots[0] if len(slots) == 1 else None, catalogue)
        self._show_code(slots[0] if len(slots) == 1 else None, cabinet_index)
        fields = (self.quantity, self.capacity, self.par_level, self.price, self.reset_price, self.card_price,
                  self.reset_card_price, self.selection_code, self.apply, self.clear)  # fmt: skip
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
        self.card_price.setEnabled(product is not None)
        self.reset_price.setEnabled(product is not None and slot is not None and slot.price is not None)
        self.reset_card_price.setEnabled(product is not None and slot is not None and slot.card_price is not None)
        self._shown_card = None
        if product is None or slot is None:
            for box in (self.price, self.card_price):
                box.setValue(0.0)
                box.setSpecialValueText("—")
            self.catalogue_price.setText("")
            self.card_hint.setText("")
            return
        self.price.setSpecialValueText("")
        self.price.setValue(slot.cash_price(product.price))
        own = "this slot's own price; " if slot.price is not None else ""
        self.catalogue_price.setText(f"{own}catalogue {format_price(product.price)}")
        self.card_price.setSpecialValueText("")
        self.card_price.setValue(slot.card_price_or_cash(product.price))
        self._shown_card = self.card_price.value()
        self.card_hint.setText("cards pay their own price" if slot.card_price is not None else "the cash price")

    def _show_code(self, slot: Slot | None, cabinet_index: int) -> None:
        """The slot's selection code to edit; the default one as the placeholder when the field is cleared."""
        self.selection_code.setEnabled(slot is not None)
        self._shown_code = slot.effective_selection_code(cabinet_index) if slot is not None else ""
        self.selection_code.setText(self._shown_code)
        self.selection_code.setPlaceholderText(
            slot.effective_selection_code(cabinet_index) if slot is not None and slot.selection_code is None else ""
        )

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
            card = self.card_price.value() if self.card_price.isEnabled() else None
            code = self.selection_code.text().strip().upper()
            self.details_requested.emit(
                self.quantity.value(),
                self.capacity.value(),
                self.par_level.value(),
                price,
                None if card == self._shown_card else card,  # typed over: the card price changes, else it stays
                None if code == self._shown_code else code,  # "" (cleared): back to the default code
            )
        elif self._count > 1:
            self.capacity_requested.emit(self.capacity.value())
