"""Product affinity of one device: pairs bought together, clusters, substitutes, and "Place together".

Thin over :mod:`ai.affinity`, computed in a background job. "Place together" emits ``place_together`` with
the selected cluster's product ids (or the selected pair's) for the designer to act on.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ai.affinity import analyse, cabinet_name
from ai.services import Services
from designer.cabinets import Cabinet, suitable_zones
from storage.database import Engine
from widgets import style
from widgets.dialogs.why import WhyDialog, show_why, why_button
from widgets.workers import BackgroundJobs, JobState

PERIODS = (30, 90, 180, 365)


class AffinityView(QWidget):
    """``AffinityView(engine_or_services, device_id, parent)``."""

    place_together = Signal(object)  # list [product_id, …]
    loaded = Signal()
    failed = Signal(str)

    def __init__(
        self, source: Engine | Services, device_id: int, parent: QWidget | None = None, min_confidence: float = 0.1
    ) -> None:
        super().__init__(parent)
        self.services = source if isinstance(source, Services) else Services(str(source.url), engine=source)
        self.device_id = device_id
        self.min_confidence = min_confidence
        self.jobs = BackgroundJobs(self)
        self.body: dict | None = None

        self.status = QLabel("Counting baskets…")
        self.period = QComboBox()
        for days in PERIODS:
            self.period.addItem(f"last {days} days", days)
        self.period.setCurrentIndex(1)
        self.period.currentIndexChanged.connect(lambda _: self.refresh())

        self.pairs = QTableWidget(0, 6)
        self.pairs.setHorizontalHeaderLabels(["Bought", "→ also buys", "Support", "Confidence", "Lift", "φ"])
        self.pairs.verticalHeader().setVisible(False)
        self.pairs.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.pairs.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.pairs.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.pairs.itemSelectionChanged.connect(self._pair_selected)

        self.clusters = QListWidget()
        self.clusters.setWordWrap(True)
        self.clusters.setSpacing(4)
        self.clusters.setAlternatingRowColors(True)
        self.clusters.itemSelectionChanged.connect(self._cluster_selected)
        self.substitutes = QListWidget()
        self.substitutes.setWordWrap(True)
        self.place = QPushButton("Place together")
        self.place.setEnabled(False)
        self.place.setToolTip("Put the selected cluster (or pair) in adjacent slots in the designer")
        self.place.clicked.connect(self._place)
        # what became of "Place together", or why the selection cannot be placed together: said here, in the view
        self.outcome = QLabel("")
        self.outcome.setWordWrap(True)
        self.outcome.setTextFormat(Qt.TextFormat.PlainText)
        self._selected: list[int] = []
        self._cabinets: list[Cabinet] = []

        right = QWidget()
        side = QVBoxLayout(right)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(QLabel("<b>Bought together</b> (clusters)"))
        side.addWidget(self.clusters, 3)
        side.addWidget(self.place)
        side.addWidget(self.outcome)
        side.addWidget(QLabel("<b>Substitutes</b> — keep apart"))
        side.addWidget(self.substitutes, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.pairs)
        splitter.addWidget(right)
        splitter.setSizes([700, 360])
        self.why_button = why_button(self, "The lifts measured, the baskets counted, what they cannot show",
                                     self.show_why)  # fmt: skip
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.why_button)
        top.addWidget(self.period)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self.refresh()

    @property
    def period_days(self) -> int:
        return int(self.period.currentData())

    def refresh(self) -> None:
        self.status.setText("Counting baskets…")
        self.jobs.start("affinity", self._compute, on_success=self._show, on_failure=self._fail)

    def _compute(self, state: JobState) -> tuple[dict, list[Cabinet]]:
        catalogue = self.services.catalogue
        state.raise_if_stopped()
        engine = self.services.engine
        body = analyse(engine, self.device_id, self.period_days, self.min_confidence, True, catalogue)
        return body, self.services.repository.cabinets(self.device_id)

    def _fail(self, error: Exception) -> None:
        self.status.setText(f"The affinity analysis failed: {error}")
        self.failed.emit(str(error))

    def _show(self, found: tuple[dict, list[Cabinet]]) -> None:
        body, self._cabinets = found
        self.body = body
        self.why_button.setEnabled("explanation" in body)
        pairs = body["affinity_pairs"]
        baskets = body["baskets"]
        self.status.setText(
            f"Device {self.device_id}, {self.period.currentText()}: {len(pairs)} pairs with confidence ≥ "
            f"{self.min_confidence:.0%}, {len(body['product_clusters'])} clusters, "
            f"{len(body['anti_affinity'])} substitute pairs · {baskets['with_more_than_one_item']:,} of "
            f"{baskets['total']:,} baskets hold more than one item (only those count as bought together)"
        )
        self.pairs.setRowCount(len(pairs))
        for row, pair in enumerate(pairs):
            cells = [
                pair["product_1"]["name"],
                pair["product_2"]["name"],
                f"{pair['support']:.2%}",
                f"{pair['confidence']:.0%}",
                f"{pair['lift']:.1f}×",
                f"{pair['correlation']:.2f}",
            ]
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(pair["recommendation"])
                if column >= 2:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.pairs.setItem(row, column, cell)
        self.pairs.resizeColumnsToContents()
        for column in (0, 1):
            self.pairs.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        catalogue = self.services.catalogue
        self.clusters.clear()
        for cluster in body["product_clusters"]:
            names = ", ".join(catalogue[p].name for p in cluster["products"] if p in catalogue)
            text = (
                f"{cluster['cluster_name']}\n{names}\n{cluster['cabinet']}, slots "
                f"{', '.join(cluster['optimal_positions'])} · "
                f"+{cluster['expected_basket_increase']:.2f} items per combined basket"
            )
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, cluster["products"])
            self.clusters.addItem(item)
        self.substitutes.clear()
        for pair in body["anti_affinity"]:
            item = QListWidgetItem(
                f"{pair['product_1']['name']} ↔ {pair['product_2']['name']}\n{pair['recommendation']}"
            )
            item.setForeground(style.DROP_REFUSE)
            self.substitutes.addItem(item)
        if not body["anti_affinity"]:
            self.substitutes.addItem("No substitutes found that cut each other's sales")
        if self.clusters.count():
            self.clusters.setCurrentRow(0)
        self.loaded.emit()

    def show_why(self) -> WhyDialog | None:
        """The "Why?" view of the analysis shown."""
        if self.body is None:
            return None
        subject = f"products bought together at device {self.device_id}, {self.period.currentText()}"
        return show_why(self, subject, self.body.get("explanation"))

    def _pair_selected(self) -> None:
        rows = {index.row() for index in self.pairs.selectedIndexes()}
        if self.body is None or not rows:
            return
        pair = self.body["affinity_pairs"][rows.pop()]
        self._select([pair["product_1"]["id"], pair["product_2"]["id"]])

    def _cluster_selected(self) -> None:
        items = self.clusters.selectedItems()
        if items:
            self._select(list(items[0].data(Qt.ItemDataRole.UserRole)))

    def _select(self, product_ids: list[int]) -> None:
        self._selected = [int(p) for p in product_ids]
        apart = self._kept_apart(self._selected)
        self.place.setEnabled(len(self._selected) >= 2 and apart is None)
        self.outcome.setText(apart or "")

    def _kept_apart(self, product_ids: list[int]) -> str | None:
        """Why these products cannot stand side by side (they must be kept at different temperatures), naming the
        cabinet each could go to; None when they may share a cabinet."""
        catalogue = self.services.catalogue
        products = [catalogue[p] for p in product_ids if p in catalogue]
        if len({product.temperature_requirement for product in products}) < 2:
            return None
        zones = {cabinet.index: cabinet.zone.value for cabinet in self._cabinets}
        homes = []
        for product in products:
            fits = [c.index for c in self._cabinets if c.zone in suitable_zones(product.temperature_requirement)]
            where = " or ".join(cabinet_name(index, zones) for index in fits) or "no cabinet of this device"
            homes.append(f"{product.name} ({product.temperature_requirement.value}) in {where}")
        return "Not placed together — kept at different temperatures: " + "; ".join(homes)

    def show_placement(self, outcome: str) -> None:
        """What the designer did with "Place together" (or why it refused), shown under the button."""
        self.outcome.setText(outcome)

    def _place(self) -> None:
        if len(self._selected) >= 2:
            self.place_together.emit(list(self._selected))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.jobs.shutdown(2000)
        super().closeEvent(event)
