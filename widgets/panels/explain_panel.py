"""The "Explain" side panel: Claude's words streaming in next to the local model's figures, cancellable.

The figures (score, confidence, revenue…) appear at once, from the local facts; the prose streams in from a
worker. If Claude is unavailable the local explanation appears instead, with a non-blocking notice saying
why. Everything is shown as plain text, so a product name like ``<script>`` is displayed, never rendered.
Meant as the content of a ``QDockWidget``; the main window wires its "Explain" actions to
:meth:`ExplainPanel.explain_slot` and :meth:`ExplainPanel.explain_comparison`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from ai.llm import fallback
from ai.llm.client import ClaudeClient, Explanation, StopCheck, TextSink
from ai.llm.compliance import MAX_LONG_SIDE, MAX_PIXELS, ComplianceCheck, check_photo
from ai.llm.costs import CostLine
from ai.llm.errors import ClaudeCancelled
from ai.llm.prompts import Image
from widgets import style
from widgets.workers import BackgroundJobs, JobCancelled, JobState

log = logging.getLogger(__name__)
PURPOSE = "explain"
ISSUE_WORDS = {"wrong_product": "wrong product", "empty": "empty", "facing": "facing"}
NOTICE_STYLE = "background: #fff4d6; color: #6b4a00; border: 1px solid #e8c46a; border-radius: 4px; padding: 6px;"


def _plain_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # catalogue text is shown, never interpreted as HTML
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ExplanationText(QTextEdit):
    """The explanation's words, wrapped and as tall as they need: a box with its own scrollbar showed two lines of
    a paragraph, cut mid-line, in a dock that is short; the panel around it scrolls instead."""

    MINIMUM_LINES = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setAcceptRichText(False)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.textChanged.connect(self._fit_height)

    def _fit_height(self) -> None:
        document = self.document()
        document.setTextWidth(self.viewport().width())
        lines = self.fontMetrics().lineSpacing() * self.MINIMUM_LINES
        frame = 2 * self.frameWidth() + int(document.documentMargin())
        height = max(lines, int(document.size().height())) + frame
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_height()  # a narrower dock wraps into more lines

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.height())


class PhotoProblem(ValueError):
    """A file that cannot be read as a photo; the message names it."""


def downscale_photo(path: Path, max_long_side: int = MAX_LONG_SIDE, max_pixels: int = MAX_PIXELS) -> Image:
    """``path`` as a JPEG no larger than the limits, base64-encoded, in memory only (Qt: ai/ may not use it).

    Shrinking before sending is what keeps a photo check cheap: an image costs about pixels / 750 tokens.
    """
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)  # phone photos carry their rotation in EXIF
    image = reader.read()
    if image.isNull():
        raise PhotoProblem(f"{path.name} could not be read as a photo ({reader.errorString()}); use a JPEG or PNG")
    width, height = image.width(), image.height()
    scale = min(1.0, max_long_side / max(width, height), (max_pixels / (width * height)) ** 0.5)
    if scale < 1.0:
        image = image.scaled(
            max(1, int(width * scale)),
            max(1, int(height * scale)),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "JPEG", 85)
    buffer.close()
    return Image("image/jpeg", bytes(data.toBase64()).decode("ascii"))


class ExplainPanel(QWidget):
    """Shows one explanation at a time; a new request replaces (and stops) the one still running."""

    explained = Signal(object)  # the final Explanation
    notice = Signal(str)  # a fallback notice, for a status bar too
    cancelled = Signal()
    photo_checked = Signal(object)  # a ComplianceCheck: the lead paints its differences on the grid

    def __init__(self, client: ClaudeClient, jobs: BackgroundJobs | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._client = client
        self._jobs = jobs or BackgroundJobs(self)
        self._cost_word = "this explanation"
        self.last: Explanation | None = None

        self.title = _plain_label("Select a slot and choose Explain")
        self.title.setStyleSheet("font-weight: 600; font-size: 14px;")
        self.figures = _plain_label()
        self.figures.setStyleSheet(f"color: {style.ACCENT.name()}; font-weight: 600;")
        self.text = ExplanationText()
        self.text.setPlaceholderText("The explanation appears here.")
        self.extra = _plain_label()
        self.notice_label = _plain_label()
        self.notice_label.setStyleSheet(NOTICE_STYLE)
        self.notice_label.hide()
        self.status = _plain_label()
        self.status.setStyleSheet(f"color: {style.MUTED_TEXT.name()};")
        self.cost = _plain_label()
        self.cost.setStyleSheet(f"color: {style.MUTED_TEXT.name()};")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.figures)
        layout.addWidget(self.text)
        layout.addWidget(self.extra)
        layout.addWidget(self.notice_label)
        footer = QHBoxLayout()
        footer.addWidget(self.status, 1)
        footer.addWidget(self.cancel_button)
        layout.addLayout(footer)
        layout.addWidget(self.cost)
        layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)

    # --- what the main window calls -------------------------------------------------------------------

    def set_client(self, client: ClaudeClient) -> None:
        """Another database was opened: its ledger (spend, cache) comes with a new client."""
        self._client = client

    def explain_slot(self, facts: Mapping[str, Any], slot_label: str, product_name: str) -> None:
        """Explain one slot; ``facts`` is the realtime-analysis answer for it."""
        client = self._client
        self._start(
            f"{slot_label} · {product_name}",
            fallback.slot_figures(facts),
            "this explanation",
            lambda on_text, stop: client.explain_slot(
                dict(facts), slot_label, product_name, on_text=on_text, should_stop=stop
            ),
        )

    def explain_comparison(self, facts: Mapping[str, Any]) -> None:
        """Narrate a revenue comparison; ``facts`` is the predict-revenue answer."""
        client = self._client
        self._start(
            "Today's planogram against the proposed one",
            fallback.comparison_figures(facts),
            "this narrative",
            lambda on_text, stop: client.explain_comparison(dict(facts), on_text=on_text, should_stop=stop),
        )

    def check_photo(self, photo_path: Path, planogram: Mapping[str, Any]) -> None:
        """Compare a cabinet photo with ``planogram`` (``ai.llm.compliance.planogram_facts``); list what differs."""
        self.title.setText(f"Photo check: {Path(photo_path).name}")
        self.figures.setText(f"{len(planogram.get('slots', []))} slots in the planogram")
        self.text.clear()
        self.extra.clear()
        self.notice_label.hide()
        self.status.setText("Shrinking the photo and asking Claude…")
        self.cancel_button.setEnabled(True)
        self._cost_word = "this photo check"
        client = self._client

        def job(state: JobState) -> ComplianceCheck:
            photo = downscale_photo(Path(photo_path))
            state.raise_if_stopped()
            return check_photo(client, photo, dict(planogram))

        self._jobs.start(PURPOSE, job, on_success=self._show_photo_check, on_failure=self._failed)

    def cancel(self) -> None:
        """Stop the running explanation; its result, if it still comes, is dropped."""
        if not self._jobs.is_busy(PURPOSE):
            return
        self._jobs.abandon(PURPOSE)
        self._finish_running("Cancelled.")
        self.cancelled.emit()

    def shutdown(self) -> None:
        """Before the window closes: stop the worker so it never calls into deleted widgets."""
        self._jobs.abandon(PURPOSE)

    # --- internals ------------------------------------------------------------------------------------

    def _start(
        self,
        title: str,
        figures: list[str],
        cost_word: str,
        ask: Callable[[TextSink, StopCheck], Explanation],
    ) -> None:
        self._cost_word = cost_word
        self.title.setText(title)
        self.figures.setText(" · ".join(figures))
        self.text.clear()
        self.extra.clear()
        self.notice_label.hide()
        self.status.setText("Asking Claude…")
        self.cancel_button.setEnabled(True)

        def job(state: JobState) -> Explanation:
            return ask(lambda text: state.report_progress(0, text), state.should_stop)

        self._jobs.start(PURPOSE, job, on_success=self._show, on_failure=self._failed, on_progress=self._partial)

    def _partial(self, _percent: int, text: str) -> None:
        self.text.setPlainText(text)
        self.status.setText("Claude is writing…")

    def _show(self, explanation: Explanation) -> None:
        self.last = explanation
        self.title.setText(explanation.title)
        self.figures.setText(" · ".join(explanation.figures))
        self.text.setPlainText(explanation.text)
        self.extra.setText("\n".join(explanation.extra))
        if explanation.fallback and explanation.notice:
            self.notice_label.setText(explanation.notice)
            self.notice_label.show()
            self.notice.emit(explanation.notice)
        self.cost.setText(self._cost_text(explanation.cost, explanation.cached))
        source = "local explanation" if explanation.fallback else f"Claude ({explanation.model})"
        self._finish_running(f"From the {source}." if explanation.fallback else f"Written by {source}.")
        self.explained.emit(explanation)

    def _show_photo_check(self, check: ComplianceCheck) -> None:
        if not check.checked:
            self.text.setPlainText("The photo was not checked.")
            if check.notice:
                self.notice_label.setText(check.notice)
                self.notice_label.show()
                self.notice.emit(check.notice)
        elif not check.differences:
            self.text.setPlainText("The cabinet matches the planogram.")
        else:
            lines = [
                f"{item.position}: {ISSUE_WORDS.get(item.issue, item.issue)} — {item.seen}"
                for item in check.differences
            ]
            self.text.setPlainText("\n".join(lines))
        self.cost.setText(self._cost_text(check.cost, False))
        self._finish_running(f"{len(check.differences)} slot(s) differ." if check.checked else "")
        self.photo_checked.emit(check)

    def _failed(self, error: Exception) -> None:
        if isinstance(error, PhotoProblem):
            self.notice_label.setText(str(error))
            self.notice_label.show()
            self._finish_running("")
            return
        if isinstance(error, ClaudeCancelled | JobCancelled):
            self._finish_running("Cancelled.")
            self.cancelled.emit()
            return
        log.error("the explanation failed", exc_info=error)
        self.notice_label.setText(f"The explanation could not be produced ({type(error).__name__}).")
        self.notice_label.show()
        self._finish_running("")

    def _finish_running(self, status: str) -> None:
        self.status.setText(status)
        self.cancel_button.setEnabled(False)

    def _cost_text(self, cost: CostLine, cached: bool) -> str:
        text = cost.text(self._cost_word)
        return f"{text} (answer reused from the cache)" if cached else text
