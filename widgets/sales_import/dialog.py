"""The Import sales dialog: the file's first rows and how its columns are read, the close names to confirm, then the
import in a worker with progress and Cancel, and its summary.

The rules live in :mod:`designer.sales_exports` and :mod:`storage.sales_imports`; this view only shows them and
passes the person's answers (the mapping, the confirmed names, whether refused rows may be left out).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.command_outcomes import RequestInvalid
from designer.sales_exports import (
    FIELD_WORDS,
    OPTIONAL_FIELDS,
    REQUIRED_FIELDS,
    SEED,
    ColumnMapping,
    looks_like_seed,
    open_table,
    parse_table,
)
from designer.sales_exports.saved_mappings import SavedMapping, SavedMappings, source_name
from storage.sales_imports import ImportPlan, ImportSummary, Matches, import_sales, plan_import
from widgets.dialogs.job_progress import Cancelled, run_with_progress
from widgets.workers import JobState

PREVIEW_ROWS = 12


class SalesImportDialog(QDialog):
    """Preview → check (matches, refusals) → import; each step says what it found in the person's words."""

    def __init__(
        self,
        engine: Any,
        path: Path,
        *,
        user_id: int | None = None,
        mappings: SavedMappings | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.engine, self.path, self.user_id, self.mappings = engine, path, user_id, mappings
        self.plan: ImportPlan | None = None
        self.summary: ImportSummary | None = None
        self.checked_mapping: ColumnMapping | None = None  # the mapping the last Check read the file by
        self.setWindowTitle(f"Import sales — {path.name}")
        table = open_table(path)
        self.header = table.header
        self.preview_rows = [
            cells for _, cells in zip(range(PREVIEW_ROWS), (row for _, row in table.rows), strict=False)
        ]
        layout = QVBoxLayout(self)
        seed = looks_like_seed(self.header)
        self.saved: list[SavedMapping] = [] if seed or mappings is None else mappings.offered_for(self.header)
        first = self.saved[0] if self.saved else None
        self.format_label = QLabel(
            "Cantaloupe Seed / ePort export: columns read as below"
            if seed
            else f"Columns read by the mapping saved for this export's header ({first.mapping.source})"
            if first is not None and first.same_source
            else "Not a Seed export: choose the column of each field (kept for exports with this header)"
        )
        layout.addWidget(self.format_label)
        self.saved_choice = QComboBox()
        self.saved_choice.addItem("(choose the columns below)", None)
        for saved in self.saved:
            self.saved_choice.addItem(
                f"{saved.mapping.source}" + (" — saved for this header" if saved.same_source else ""), saved
            )
        self.saved_choice.setVisible(bool(self.saved))
        layout.addWidget(self.saved_choice)
        self.columns = self._column_choices(SEED if seed else first.mapping if first and first.same_source else None)
        layout.addWidget(self.columns)
        if first is not None and first.same_source:
            self.saved_choice.setCurrentIndex(1)
        self.saved_choice.currentIndexChanged.connect(self._saved_chosen)
        self.remember = QCheckBox("Remember these columns for exports with this header (on Import)")
        self.remember.setChecked(True)
        self.remember.setVisible(not seed and mappings is not None)
        layout.addWidget(self.remember)
        self.preview = QTableWidget(len(self.preview_rows), len(self.header))
        self.preview.setHorizontalHeaderLabels(self.header)
        for row, cells in enumerate(self.preview_rows):
            for column, cell in enumerate(cells[: len(self.header)]):
                self.preview.setItem(row, column, QTableWidgetItem(str(cell)))
        self.preview.resizeColumnsToContents()
        layout.addWidget(QLabel(f"First {len(self.preview_rows)} rows of {path.name}:"))
        layout.addWidget(self.preview, 2)
        self.proposals = QTableWidget(0, 4)
        self.proposals.setHorizontalHeaderLabels(["Same as ours?", "In the file", "Ours", "Similarity"])
        self.proposals.setVisible(False)
        layout.addWidget(self.proposals, 1)
        self.skip_refused = QCheckBox("Import the other rows, leaving out the refused ones")
        self.skip_refused.setVisible(False)
        layout.addWidget(self.skip_refused)
        self.findings = QLabel(
            "Press Check to read the whole file, match its machines and products, and list "
            "what cannot be imported. Nothing is stored before Import."
        )
        self.findings.setWordWrap(True)
        self.findings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.findings)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.check_button = buttons.addButton("Check", QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button = buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.check_button.clicked.connect(self.check)
        self.import_button.clicked.connect(self.run_import)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(980, 640)

    def _column_choices(self, mapping: ColumnMapping | None) -> QGroupBox:
        """One combo per field, four fields a row (required ones starred)."""
        box = QGroupBox("Columns (* required)")
        grid = QGridLayout(box)
        self.choices: dict[str, QComboBox] = {}
        for index, name in enumerate((*REQUIRED_FIELDS, *OPTIONAL_FIELDS)):
            combo = QComboBox()
            combo.addItem("(none)", "")
            for column in self.header:
                combo.addItem(column, column)
            chosen = mapping.columns.get(name, ()) if mapping else _guess(name, self.header)
            present = [column for column in chosen if column in self.header]
            if present:
                combo.setCurrentIndex(combo.findData(present[0]))
            self.choices[name] = combo
            row, column = divmod(index, 4)
            grid.addWidget(QLabel(FIELD_WORDS[name] + (" *" if name in REQUIRED_FIELDS else "")), row, 2 * column)
            grid.addWidget(combo, row, 2 * column + 1)
        return box

    def _saved_chosen(self) -> None:
        """A saved mapping picked from the list fills the column choices (the person may still change them)."""
        saved = self.saved_choice.currentData()
        if isinstance(saved, SavedMapping):
            self._show_columns(saved.mapping)

    def _show_columns(self, mapping: ColumnMapping) -> None:
        for name, combo in self.choices.items():
            present = [column for column in mapping.columns.get(name, ()) if column in self.header]
            combo.setCurrentIndex(combo.findData(present[0]) if present else 0)

    def mapping(self) -> ColumnMapping:
        """The mapping as chosen: the Seed layout (with its fall-back columns) when the file is one and unchanged;
        a saved mapping's other settings (source name, date formats, statuses, time zone) kept when one is chosen."""
        chosen = {name: (combo.currentData(),) for name, combo in self.choices.items() if combo.currentData()}
        if looks_like_seed(self.header) and all(chosen.get(n, ("",))[0] in SEED.columns.get(n, ()) for n in chosen):
            return SEED
        saved = self.saved_choice.currentData()
        if isinstance(saved, SavedMapping):
            kept = {
                name: columns
                for name, columns in saved.mapping.columns.items()
                if chosen.get(name, ("",))[0] in columns and chosen[name][0] == _first_present(columns, self.header)
            }
            return replace(saved.mapping, columns={**chosen, **kept})
        return ColumnMapping(source_name(self.path), chosen)

    def check(self) -> None:
        """Read the whole file and plan the import (in a worker: a large file takes seconds)."""
        mapping = self.mapping()
        missing = mapping.missing_from(self.header)
        if missing:
            self.findings.setText("Choose a column for: " + ", ".join(missing))
            return

        def job(state: JobState) -> ImportPlan:
            state.report_progress(5, "Reading the file…")
            parsed = parse_table(open_table(self.path), mapping, progress=lambda n: state.raise_if_stopped())
            state.report_progress(60, "Matching machines and products…")
            return plan_import(self.engine, parsed, matches=self._matches())

        try:
            self.plan = run_with_progress(self, "Import sales", "Reading the file…", job)
            self.checked_mapping = mapping
        except Cancelled:
            self.findings.setText("Check cancelled; nothing was stored.")
            return
        except RequestInvalid as invalid:
            self.findings.setText(f"⚠ {invalid}")
            return
        self._show_plan(self.plan)

    def _matches(self) -> Matches:
        devices: dict[str, int | None] = {}
        products: dict[str, int | None] = {}
        for row in range(self.proposals.rowCount()):
            box = self.proposals.item(row, 0)
            kind, name, match_id = box.data(Qt.ItemDataRole.UserRole)
            (devices if kind == "device" else products)[name] = (
                match_id if box.checkState() == Qt.CheckState.Checked else None
            )
        return Matches(devices, products)

    def _show_plan(self, plan: ImportPlan) -> None:
        self.proposals.setRowCount(len(plan.proposals))
        for row, proposal in enumerate(plan.proposals):
            box = QTableWidgetItem(proposal.kind)
            box.setFlags(box.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            box.setCheckState(Qt.CheckState.Unchecked)
            box.setData(Qt.ItemDataRole.UserRole, (proposal.kind, proposal.name, proposal.match_id))
            for column, item in enumerate(
                [
                    box,
                    QTableWidgetItem(proposal.name),
                    QTableWidgetItem(proposal.match_name),
                    QTableWidgetItem(f"{proposal.similarity:.0%}"),
                ]
            ):
                self.proposals.setItem(row, column, item)
        self.proposals.setVisible(bool(plan.proposals))
        self.proposals.resizeColumnsToContents()
        self.skip_refused.setVisible(bool(plan.refused))
        self.skip_refused.setText(f"Import the other rows, leaving out the {len(plan.refused):,} refused")
        lines = [
            f"{plan.parsed.rows_read:,} rows read: {len(plan.new_lines):,} new sales, {plan.already_present:,} "
            f"already imported, {len(plan.refused):,} refused; "
            f"{plan.parsed.multi_line_baskets():,} baskets hold more than one item.",
            f"{len(plan.machines)} machines ("
            + ", ".join(
                f"{m.machine}: {'new' if not m.device_id else f'device {m.device_id}'}" for m in plan.machines.values()
            )
            + "). Coils: "
            + "; ".join(sorted({m.rule.describe() for m in plan.machines.values()}))
            + ".",
        ]
        lines += [f"line {row.line_number}: {row.reason}" for row in plan.refused[:5]]
        if len(plan.refused) > 5:
            lines.append(f"… and {len(plan.refused) - 5:,} more refused rows")
        if plan.proposals:
            lines.append(
                f"{len(plan.proposals)} close name(s): tick those that are ours (unticked: created new), "
                "then Check again."
            )
        self.findings.setText("\n".join(lines))
        self.import_button.setEnabled(not plan.pending)

    def run_import(self) -> None:
        if self.plan is None:
            return
        plan, skip = self.plan, self.skip_refused.isChecked()

        def job(state: JobState) -> ImportSummary:
            def progressed(step: str, done: int, of: int) -> None:
                state.raise_if_stopped()
                state.report_progress(int(100 * done / max(of, 1)), f"{step}: {done:,} of {of:,}")

            return import_sales(
                self.engine,
                plan,
                skip_refused=skip,
                file_name=self.path.name,
                user_id=self.user_id,
                progress=progressed,
            )

        try:
            self.summary = run_with_progress(self, "Import sales", "Storing sales…", job)
        except Cancelled:
            self.findings.setText("Import cancelled; nothing was stored.")
            return
        except RequestInvalid as invalid:
            self.findings.setText(f"⚠ {invalid}")
            return
        body = self.summary.as_json()
        kept = self._remember_mapping()
        self.findings.setText(
            f"Imported {body['sales_added']:,} sales (import {body['import_id']}); {body['already_present']:,} were "
            f"already there, {len(body['refused']):,} rows left out; {body['devices_created']} devices and "
            f"{body['products_created']} products created. {body['sold_at_rule']}." + kept
        )
        self.import_button.setEnabled(False)

    def _remember_mapping(self) -> str:
        """Save the mapping the import read the file by, for exports with this header; says where (or why not)."""
        mapping = self.checked_mapping
        if self.mappings is None or mapping is None or mapping is SEED or not self.remember.isChecked():
            return ""
        try:
            path = self.mappings.save(mapping, self.header)
        except OSError as problem:
            return f"\n⚠ The columns could not be kept for next time ({problem})."
        return f"\nColumns kept for exports with this header: {path} (also usable as sales import --format)."


def _first_present(columns: tuple[str, ...], header: list[str]) -> str:
    return next((column for column in columns if column in header), "")


def _guess(field: str, header: list[str]) -> tuple[str, ...]:
    """A column whose name says the field (a first guess the person corrects)."""
    words = {
        "machine": ("machine",),
        "product": ("product", "item"),
        "coil": ("coil", "slot", "selection"),
        "date": ("date", "day", "sold"),
        "price": ("price",),
        "basket": ("transaction", "basket"),
        "quantity": ("qty", "quantity"),
        "payment_type": ("payment", "type"),
        "device_key": ("device",),
        "location": ("location",),
        "category": ("category",),
        "status": ("status",),
    }
    for column in header:
        if any(word in column.lower() for word in words.get(field, ())):
            return (column,)
    return ()
