"""The left panel: every device of the fleet, filtered as the user types, without asking the database again.

The devices are loaded once (by the main window, in a worker) and filtered in memory by a proxy model, so
narrowing a fleet of thousands is instant and never waits on a server database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from widgets import style

if TYPE_CHECKING:
    from storage.fleet import DeviceSummary

ModelIndex = QModelIndex | QPersistentModelIndex
ALL_LOCATION_TYPES = "All location types"
REMOVED_NOTE = "deleted in CVD"


def location_type_text(location_type: str) -> str:
    """``office`` → ``Office``: stored values are lower-case words, people read capitalised ones."""
    return location_type[:1].upper() + location_type[1:]


class DeviceTableModel(QAbstractTableModel):
    """Devices as table rows: name, asset number, location type, cabinet count."""

    HEADERS = ("Device", "Asset", "Location", "Cabinets")
    SORT_ROLE = Qt.ItemDataRole.UserRole + 1
    DEVICE_ID_ROLE = Qt.ItemDataRole.UserRole + 2
    REMOVED_ROLE = Qt.ItemDataRole.UserRole + 3  # deleted in CVD: the name cell says so on a line of its own
    NAME_ROLE = Qt.ItemDataRole.UserRole + 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._devices: list[DeviceSummary] = []
        self._search_keys: list[str] = []
        self._rows: dict[int, int] = {}

    def set_devices(self, devices: Sequence[DeviceSummary]) -> None:
        self.beginResetModel()
        self._devices = list(devices)
        # Folded once here so each keystroke only does substring tests; "\n" keeps fields apart.
        self._search_keys = ["\n".join((d.name, d.asset_number, d.location_name)).casefold() for d in self._devices]
        self._rows = {device.id: row for row, device in enumerate(self._devices)}
        self.endResetModel()

    def device_at(self, row: int) -> DeviceSummary:
        return self._devices[row]

    def search_key(self, row: int) -> str:
        return self._search_keys[row]

    def row_of(self, device_id: int) -> int | None:
        return self._rows.get(device_id)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._devices)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        device = self._devices[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                f"{device.name} ({REMOVED_NOTE})" if device.removed else device.name,
                device.asset_number,
                REMOVED_NOTE if device.removed else location_type_text(device.location_type),
                str(device.cabinet_count),
            )[column]
        if role == self.SORT_ROLE:
            return (device.name.casefold(), device.asset_number, device.location_type, device.cabinet_count)[column]
        if role == self.DEVICE_ID_ROLE:
            return device.id
        if role == self.REMOVED_ROLE:
            return device.removed
        if role == self.NAME_ROLE:
            return device.name
        if role == Qt.ItemDataRole.ToolTipRole:
            where = f" — {device.location_name}" if device.location_name else ""
            removed = "\nDeleted in CVD: shown for its sales history, read-only" if device.removed else ""
            return f"{device.name} ({device.asset_number})\n{location_type_text(device.location_type)}{where}{removed}"
        if device.removed and role == Qt.ItemDataRole.ForegroundRole:
            return style.MUTED_TEXT
        if device.removed and role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


class DeviceNameDelegate(QStyledItemDelegate):
    """The name cell of a device deleted in CVD shows just the name: "deleted in CVD" has the Location cell to
    itself, where it reads whole (appended to the name it was cut off: "Staff Lounge (del…")."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        super().initStyleOption(option, index)
        if index.data(DeviceTableModel.REMOVED_ROLE):
            option.text = str(index.data(DeviceTableModel.NAME_ROLE))


class DeviceFilter(QSortFilterProxyModel):
    """Keeps the devices whose name, asset number or location contains the text, of the chosen location type."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._location_type: str | None = None
        self.setSortRole(DeviceTableModel.SORT_ROLE)

    def set_text(self, text: str) -> None:
        folded = text.strip().casefold()
        if folded != self._text:
            self.beginFilterChange()
            self._text = folded
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_location_type(self, location_type: str | None) -> None:
        if location_type != self._location_type:
            self.beginFilterChange()
            self._location_type = location_type
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        model = self.sourceModel()
        assert isinstance(model, DeviceTableModel)
        if self._location_type is not None and model.device_at(source_row).location_type != self._location_type:
            return False
        return not self._text or self._text in model.search_key(source_row)


FILTER_SHORTCUT = "Ctrl+L"


class DeviceList(QWidget):
    """Filter box, location-type choice and the device table; tells which device the user picked."""

    device_selected = Signal(int)
    files_dropped = Signal(int, list)  # a device's id and the local files dropped on its row (machine audits)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter devices by name, asset or location (Ctrl+L)")
        self.filter_edit.setClearButtonEnabled(True)
        self.location_type_combo = QComboBox()
        self.location_type_combo.addItem(ALL_LOCATION_TYPES, None)
        self.model = DeviceTableModel(self)
        self.proxy = DeviceFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # keep the database's order until asked
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        self.name_delegate = DeviceNameDelegate(self.table)
        self.table.setItemDelegateForColumn(0, self.name_delegate)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnHidden(3, True)  # the header above the cabinets says how many; names need the room
        self.count_label = QLabel()
        self.count_label.setObjectName("deviceCount")
        self._chosen_id: int | None = None
        self._quiet = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        layout.setSpacing(6)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.location_type_combo)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

        find = QShortcut(QKeySequence(FILTER_SHORTCUT), self)  # Ctrl+F belongs to the product palette
        find.setContext(Qt.ShortcutContext.WindowShortcut)
        find.activated.connect(self.focus_filter)
        self.filter_edit.textChanged.connect(self._filter_changed)
        self.location_type_combo.currentIndexChanged.connect(self._location_type_changed)
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.table.viewport().setAcceptDrops(True)
        self._file_drops = _FileDrops(self)
        self.table.viewport().installEventFilter(self._file_drops)
        self._update_count()

    def device_at_point(self, point: QPoint) -> int | None:
        """The id of the device whose row is under ``point`` (viewport coordinates), if any."""
        index = self.table.indexAt(point)
        if not index.isValid():
            return None
        return self.model.device_at(self.proxy.mapToSource(index).row()).id

    def set_devices(self, devices: Sequence[DeviceSummary], location_types: Sequence[str]) -> None:
        """Show a new fleet; the filter text stays, the location type resets if the new fleet lacks it."""
        chosen = self.location_type_combo.currentData()
        self.location_type_combo.blockSignals(True)
        self.location_type_combo.clear()
        self.location_type_combo.addItem(ALL_LOCATION_TYPES, None)
        for location_type in location_types:
            self.location_type_combo.addItem(location_type_text(location_type), location_type)
        index = self.location_type_combo.findData(chosen) if chosen is not None else 0
        self.location_type_combo.setCurrentIndex(max(index, 0))
        self.location_type_combo.blockSignals(False)
        self._chosen_id = None
        self._quiet = True
        try:
            self.proxy.set_location_type(self.location_type_combo.currentData())
            self.model.set_devices(devices)
        finally:
            self._quiet = False
        self._update_count()

    def select_device(self, device_id: int) -> bool:
        """Make ``device_id`` the current row (emitting :attr:`device_selected` if it changes); False if hidden."""
        row = self.model.row_of(device_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.scrollTo(index)
        return True

    def selected_device_id(self) -> int | None:
        """The device last picked, even while the filter hides its row."""
        return self._chosen_id

    def visible_device_ids(self) -> list[int]:
        """The devices the filter shows, top to bottom."""
        return [self.proxy.index(row, 0).data(DeviceTableModel.DEVICE_ID_ROLE) for row in range(self.proxy.rowCount())]

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def _filter_changed(self, text: str) -> None:
        self._refilter(lambda: self.proxy.set_text(text))

    def _location_type_changed(self, _index: int) -> None:
        self._refilter(lambda: self.proxy.set_location_type(self.location_type_combo.currentData()))

    def _refilter(self, change: Callable[[], None]) -> None:
        """Filtering never picks a device: Qt moves the current row off hidden rows, which must not load one."""
        self._quiet = True
        try:
            change()
            selection = self.table.selectionModel()
            row = self.model.row_of(self._chosen_id) if self._chosen_id is not None else None
            index = self.proxy.mapFromSource(self.model.index(row, 0)) if row is not None else QModelIndex()
            if index.isValid():
                selection.setCurrentIndex(
                    index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
                )
            else:
                selection.clear()
        finally:
            self._quiet = False
        self._update_count()

    def _current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._quiet or not current.isValid():
            return
        device_id = current.data(DeviceTableModel.DEVICE_ID_ROLE)
        if device_id != self._chosen_id:
            self._chosen_id = device_id
            self.device_selected.emit(device_id)

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        noun = "device" if total == 1 else "devices"
        self.count_label.setText(f"{total} {noun}" if shown == total else f"Showing {shown} of {total} {noun}")


class _FileDrops(QObject):
    """Files dragged from the file manager onto a device's row: the row under the pointer takes them."""

    def __init__(self, devices: DeviceList) -> None:
        super().__init__(devices)
        self.devices = devices

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            assert isinstance(event, QDragEnterEvent | QDragMoveEvent)
            target = self.devices.device_at_point(event.position().toPoint())
            if event.mimeData().hasUrls() and target is not None:
                event.acceptProposedAction()
            else:
                event.ignore()
            return True
        if event.type() == QEvent.Type.Drop:
            assert isinstance(event, QDropEvent)
            target = self.devices.device_at_point(event.position().toPoint())
            paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
            if target is None or not paths:
                event.ignore()
                return True
            event.acceptProposedAction()
            self.devices.files_dropped.emit(target, paths)
            return True
        return super().eventFilter(watched, event)
