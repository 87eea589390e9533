"""The layout check window: the device's planogram beside what its machine reported, a row per selection code.

What a driver must fix stands out: rows with a difference are tinted and listed first in the summary; the table can
show only those. Print… and Save as PDF… give the same report on paper for the next visit.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QShortcut, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.machine_audits.layout_check import Finding, LayoutCheck, SelectionCheck
from widgets.style import MUTED_TEXT, warning_line

COLUMNS = ("Code", "Slot", "Product", "Cash price", "Card price", "Capacity", "Sold since read", "Per day",
           "Sold out", "What differs")  # fmt: skip
DIFFERS = QColor("#fdecea")
"""A pale red behind a row the driver must look at."""
FINDING_SHORT = {
    Finding.VENDS_NOT_PLANNED: "vends, planned empty",
    Finding.NEVER_VENDS: "never vends",
    Finding.CASH_PRICE: "cash price",
    Finding.CARD_PRICE: "card price",
    Finding.CAPACITY: "capacity",
    Finding.SOLD_OUT: "sold out",
}


def _money(value: object) -> str:
    return "—" if value is None else f"{value:.2f}"


def _both(planned: object, machine: object, money: bool = True) -> str:
    """ "plan → machine" when they differ; one figure when they agree or the machine does not say."""
    shown = (
        (_money(planned), _money(machine)) if money else tuple("—" if v is None else str(v) for v in (planned, machine))
    )
    if machine is None or shown[0] == shown[1]:
        return shown[0]
    return f"{shown[0]} → {shown[1]}"


def row_cells(row: SelectionCheck) -> list[str]:
    """A row's cells as the table and the printout show them (plan → machine where they differ)."""
    planned = row.planned
    product = "(empty)" if planned is None or planned.product_id is None else planned.product_name
    capacity = None if planned is None or planned.product_id is None else planned.capacity
    machine_capacity = None if row.machine is None else row.machine.capacity
    return [
        row.code,
        row.place,
        product,
        _both(row.planned_cash, row.machine_cash),
        _both(row.planned_card, row.machine_card),
        _both(capacity, machine_capacity, money=False),
        "—" if row.units_since_last_read is None else str(row.units_since_last_read),
        "—" if row.units_per_day is None else f"{row.units_per_day:.1f}",
        "—" if row.sold_outs_since_last_read is None else str(row.sold_outs_since_last_read),
        ", ".join(FINDING_SHORT[finding] for finding in row.findings) or "—",
    ]


def report_html(check: LayoutCheck, only_differences: bool = True) -> str:
    """The printable report: header, summary, and the table (only rows with a difference unless asked)."""
    rows = [row for row in check.rows if row.findings or not only_differences]
    head = "".join(f"<th align='left'>{html.escape(name)}</th>" for name in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row_cells(row)) + "</tr>" for row in rows
    )
    summary = (
        "".join(f"<li>{count} × {html.escape(finding.value)}</li>" for finding, count in check.counts.items() if count)
        or "<li>no difference</li>"
    )
    notes = "".join(f"<li>{html.escape(warning)}</li>" for warning in check.warnings)
    return (
        f"<h2>Layout check — {html.escape(check.device)}</h2>"
        f"<p>Machine {html.escape(check.machine)}; {html.escape(_reads_line(check))}. Prices in "
        f"{html.escape(check.currency)}, shown planogram → machine where they differ.</p>"
        f"<ul>{summary}</ul>"
        f"<table border='1' cellspacing='0' cellpadding='3'><tr>{head}</tr>{body}</table>"
        + (f"<p>Notes:</p><ul>{notes}</ul>" if notes else "")
    )


def _reads_line(check: LayoutCheck) -> str:
    if check.previous_read_at is None:
        return f"read {check.read_at}; only one read, so sold-outs and units per day wait for the next one"
    return f"read {check.read_at}, {check.days_between_reads or 0:.1f} days after the read of {check.previous_read_at}"


class LayoutCheckView(QWidget):
    """The check's summary and table; a checkbox narrows it to the rows that differ."""

    def __init__(self, check: LayoutCheck, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = check
        layout = QVBoxLayout(self)
        title = QLabel(f"<b>{html.escape(check.device)}</b> — machine {html.escape(check.machine)}")
        layout.addWidget(title)
        reads = QLabel(_reads_line(check))
        reads.setStyleSheet(f"color: {MUTED_TEXT.name()}")
        reads.setWordWrap(True)
        layout.addWidget(reads)
        counts = [f"{count} {FINDING_SHORT[finding]}" for finding, count in check.counts.items() if count]
        self.summary = QLabel(
            f"{check.differences} of {len(check.rows)} selections differ: " + ", ".join(counts)
            if counts
            else f"All {len(check.rows)} selections agree with the planogram"
        )
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        for warning in check.warnings:
            note = QLabel(warning_line(warning))
            note.setWordWrap(True)
            layout.addWidget(note)
        self.only_differences = QCheckBox("Show only selections that differ")
        self.only_differences.setChecked(check.differences > 0)
        self.only_differences.toggled.connect(self._fill)
        layout.addWidget(self.only_differences)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self._fill()

    def shown_rows(self) -> list[SelectionCheck]:
        only = self.only_differences.isChecked()
        return [row for row in self.check.rows if row.findings or not only]

    def _fill(self) -> None:
        rows = self.shown_rows()
        self.table.setRowCount(len(rows))
        for number, row in enumerate(rows):
            for column, text in enumerate(row_cells(row)):
                item = QTableWidgetItem(text)
                if column in (0, 3, 4, 5, 6, 7, 8):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if row.findings:
                    item.setBackground(DIFFERS)
                item.setToolTip("; ".join(finding.value for finding in row.findings) or "agrees with the planogram")
                self.table.setItem(number, column, item)


class LayoutCheckDialog(QDialog):
    """The view with Print…, Save as PDF… and Close."""

    def __init__(self, check: LayoutCheck, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Layout check — {check.device}")
        self.view = LayoutCheckView(check, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.print_button = QPushButton("&Print…")
        self.pdf_button = QPushButton("Save as P&DF…")
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.pdf_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.print_button.clicked.connect(self.print_report)
        self.pdf_button.clicked.connect(lambda: self.save_pdf())
        QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self, self.print_report)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        row.addWidget(buttons)
        layout.addLayout(row)
        self.resize(1100, 640)

    def document(self) -> QTextDocument:
        document = QTextDocument()
        document.setHtml(report_html(self.view.check, self.view.only_differences.isChecked()))
        return document

    def print_report(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.document().print_(printer)

    def save_pdf(self, path: str | None = None) -> str | None:
        """Write the report as a PDF (asks where unless ``path`` is given); returns the file written."""
        if path is None:
            path, _filter = QFileDialog.getSaveFileName(self, "Save layout check", "layout-check.pdf", "PDF (*.pdf)")
            if not path:
                return None
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(path)
        self.document().print_(printer)
        return path
