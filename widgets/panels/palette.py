"""The product palette: find a product (search, category, temperature, health) and drag it onto a slot."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRectF,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QDrag, QFontMetrics, QKeySequence, QPainter, QPen, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from designer.products import Catalogue, Product
from widgets.canvas.mime import PRODUCT_MIME, product_mime
from widgets.style import category_colour, tint

ModelIndex = QModelIndex | QPersistentModelIndex
COLUMNS = ("Product", "Price", "Margin", "Sold/day", "Health")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
PRODUCT_ROLE = Qt.ItemDataRole.UserRole + 2
MARGIN_UNKNOWN = (
    "Margin unknown: this database records no unit cost for the product (CVD keeps only prices), so price minus "
    "cost cannot be worked out"
)
CHIP_MAX_WIDTH = 180
"""The drag chip's widest: a long product name is shortened, so the chip never hides a slot's score."""
CHIP_OFFSET = QPoint(18, 22)
"""The chip follows below and right of the cursor: the slot under it, and the score in its middle, stay visible."""


def margin_known(product: Product) -> bool:
    """A unit cost of 0 is what a CVD database gives every product (it keeps none): the margin is then unknown,
    not equal to the price."""
    return product.unit_cost > 0


def product_chip(name: str, colour: QColor, font_metrics: QFontMetrics, device_pixel_ratio: float = 1.0) -> QPixmap:
    """What follows the cursor while a product is dragged: its name on a small card in its palette row's colour."""
    text = font_metrics.elidedText(name, Qt.TextElideMode.ElideRight, CHIP_MAX_WIDTH - 24)
    width, height = font_metrics.horizontalAdvance(text) + 24, font_metrics.height() + 10
    pixmap = QPixmap(round(width * device_pixel_ratio), round(height * device_pixel_ratio))
    pixmap.setDevicePixelRatio(device_pixel_ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(colour.darker(170), 1))
    painter.setBrush(colour)
    painter.drawRoundedRect(QRectF(0.5, 0.5, width - 1, height - 1), 6, 6)
    painter.setBrush(colour.darker(150))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(QRectF(3, 3, 5, height - 6), 2, 2)  # the category stripe, as on the slot cards
    painter.setPen(QColor("#1f2933"))
    painter.drawText(QRectF(14, 0, width - 18, height), Qt.AlignmentFlag.AlignVCenter, text)
    painter.end()
    return pixmap


class ProductTable(QTableView):
    """The palette's table; a dragged product follows the cursor as a small chip, not as its whole ~360 px row."""

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        model = self.model()
        indexes = [index for index in self.selectedIndexes() if model.flags(index) & Qt.ItemFlag.ItemIsDragEnabled]
        if not indexes:
            return
        mime = model.mimeData(indexes)
        if mime is None:
            return
        name = str(indexes[0].siblingAtColumn(0).data(Qt.ItemDataRole.DisplayRole))
        background = indexes[0].siblingAtColumn(0).data(Qt.ItemDataRole.BackgroundRole)
        colour = background.color() if isinstance(background, QBrush) else QColor("#d9e2ec")
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.setPixmap(product_chip(name, colour, self.fontMetrics(), self.devicePixelRatioF()))
        drag.setHotSpot(-CHIP_OFFSET)  # the chip beside the cursor, not under it
        copy = Qt.DropAction.CopyAction
        drag.exec(supportedActions, copy if supportedActions & copy else Qt.DropAction.IgnoreAction)


class ProductTableModel(QAbstractTableModel):
    """Products with their price, margin, sales velocity at the shown device and health score."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._products: list[Product] = []
        self._velocity: dict[int, float] = {}

    def set_products(self, products: Sequence[Product], velocity: dict[int, float]) -> None:
        self.beginResetModel()
        self._products = list(products)
        self._velocity = dict(velocity)
        self.endResetModel()

    def set_velocity(self, velocity: dict[int, float]) -> None:
        self._velocity = dict(velocity)
        if self._products:
            self.dataChanged.emit(self.index(0, 3), self.index(len(self._products) - 1, 3))

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._products)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole and section == 2:
            return "Price minus unit cost; — where the database records no unit cost (a CVD database keeps none)"
        return None

    def margins_unknown(self) -> bool:
        """Some product's margin cannot be shown: the palette says why under the list."""
        return any(not margin_known(product) for product in self._products)

    def product(self, row: int) -> Product:
        return self._products[row]

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        product = self._products[index.row()]
        column = index.column()
        velocity = self._velocity.get(product.id, 0.0)
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                product.name,
                f"${product.price:.2f}",
                f"${product.margin:.2f}" if margin_known(product) else "—",
                f"{velocity:.1f}" if velocity else "—",
                f"{product.health_score:.0f}",
            )[column]
        if role == SORT_ROLE:
            margin = product.margin if margin_known(product) else float("-inf")  # unknown: last when best first
            return (product.name.lower(), product.price, margin, velocity, product.health_score)[column]
        if role == PRODUCT_ROLE:
            return product.id
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 2 and not margin_known(product):
                return MARGIN_UNKNOWN
            cost = f"unit cost ${product.unit_cost:.2f}" if margin_known(product) else "unit cost not recorded"
            return (
                f"{product.name}\n{product.category} · keep {product.temperature_requirement.value}\n"
                f"price ${product.price:.2f}, {cost}, health {product.health_score:.0f}/10"
            )
        if role == Qt.ItemDataRole.BackgroundRole and column == 0:
            return QBrush(tint(category_colour(product.category), 0.78))
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return [PRODUCT_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        product = self._products[indexes[0].row()]
        return product_mime(product.id, product.name)


class ProductFilter(QSortFilterProxyModel):
    """Text, category, temperature requirement and minimum health score, all at once."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._text = ""
        self._category = ""
        self._temperature = ""
        self._min_health = 0.0

    def set_criteria(self, text: str, category: str, temperature: str, min_health: float) -> None:
        self._text, self._category = text.strip().lower(), category
        self._temperature, self._min_health = temperature, min_health
        self.invalidate()

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        model = self.sourceModel()
        assert isinstance(model, ProductTableModel)
        product = model.product(source_row)
        return (
            (not self._text or self._text in product.name.lower() or self._text in product.category.lower())
            and (not self._category or product.category == self._category)
            and (not self._temperature or product.temperature_requirement.value == self._temperature)
            and product.health_score >= self._min_health
        )


class ProductPalette(QWidget):
    """Search and drag products; the sold/day column is the velocity at the device shown."""

    product_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ProductTableModel(self)
        self.proxy = ProductFilter(self)
        self.proxy.setSourceModel(self.model)

        self.search = QLineEdit(placeholderText="Search products (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.category = QComboBox()
        self.temperature = QComboBox()
        self.temperature.addItem("Any temperature", "")
        for zone in ("ambient", "refrigerated", "frozen"):
            self.temperature.addItem(zone.capitalize(), zone)
        self.min_health = QDoubleSpinBox(minimum=0, maximum=10, singleStep=1, decimals=0, prefix="Health ≥ ")

        self.table = ProductTable()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setDragEnabled(True)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setAlternatingRowColors(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        padding = self.table.fontMetrics().horizontalAdvance("0") * 3
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, self.table.fontMetrics().horizontalAdvance(COLUMNS[column]) + padding)
        self.count = QLabel()
        self.count.setObjectName("muted")

        filters = QHBoxLayout()
        filters.addWidget(self.category, 2)
        filters.addWidget(self.temperature, 2)
        filters.addWidget(self.min_health, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)

        self.search.textChanged.connect(self._refilter)
        self.category.currentIndexChanged.connect(self._refilter)
        self.temperature.currentIndexChanged.connect(self._refilter)
        self.min_health.valueChanged.connect(self._refilter)
        self.table.doubleClicked.connect(self._activated)
        QShortcut(QKeySequence.StandardKey.Find, self, self.focus_search, context=Qt.ShortcutContext.WindowShortcut)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def show_catalogue(self, catalogue: Catalogue, velocity: dict[int, float] | None = None) -> None:
        current = self.category.currentData()
        self.category.blockSignals(True)
        self.category.clear()
        self.category.addItem("All categories", "")
        for category in catalogue.categories():
            self.category.addItem(category.capitalize(), category)
        self.category.setCurrentIndex(max(0, self.category.findData(current)))
        self.category.blockSignals(False)
        self.model.set_products(list(catalogue.values()), velocity or {})
        self._refilter()

    def show_velocity(self, velocity: dict[int, float]) -> None:
        self.model.set_velocity(velocity)

    def visible_product_ids(self) -> list[int]:
        return [self.proxy.index(row, 0).data(PRODUCT_ROLE) for row in range(self.proxy.rowCount())]

    def selected_product_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(PRODUCT_ROLE) if rows else None

    def _refilter(self) -> None:
        self.proxy.set_criteria(
            self.search.text(), self.category.currentData() or "", self.temperature.currentData() or "",
            self.min_health.value(),
        )  # fmt: skip
        counted = f"{self.proxy.rowCount()} of {self.model.rowCount()} products · drag onto a slot"
        if self.model.margins_unknown():
            counted += " · margin —: no unit costs recorded"
        self.count.setText(counted)
        self.count.setToolTip(MARGIN_UNKNOWN if self.model.margins_unknown() else "")

    def _activated(self, index: QModelIndex) -> None:
        self.product_activated.emit(index.data(PRODUCT_ROLE))
