"""The personalisation wizard: a location's shoppers and the operator's goals → a proposed planogram per cabinet.

Page one asks what the seed's personalize-location request holds (location type, demographics, traffic,
goal weights); page two runs the same request through :mod:`ai.personalization` in a background job and
shows the result read-only: each cabinet as it would be, the category mix, what sells at which time of
day and how the proposal compares with the fleet's machines of the same type. Finishing emits
:attr:`PersonalizationWizard.proposal_ready` with the planograms; opening and applying them is the
caller's (the comparison view, an undoable edit). The wizard holds no business rules: it builds a request
and shows the answer.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from ai.personalization import (
    Personalization,
    RequestInvalid,
    known_location_types,
    personalize,
    read_request,
)
from ai.services import Services, ServiceUnavailable
from designer.cabinets import Cabinet
from designer.planograms import Planogram
from designer.products import Catalogue
from designer.suggestions import Decision, Measure, Suggestion, SuggestionKind, Verdict
from storage.database import Engine
from widgets import style
from widgets.analysis.screen_fit import fit_to_screen
from widgets.canvas.cabinet_view import CabinetView
from widgets.dialogs.why import WhyDialog, show_why, why_button
from widgets.workers import BackgroundJobs, JobState

AGE_RANGES = ("18-25", "18-35", "25-45", "35-55", "45-65", "65+")
HEALTH_CONSCIOUSNESS = ("medium", "low", "high")
GOALS = (("revenue", "Revenue"), ("variety", "Variety"), ("health_score", "Health score"))
DEFAULT_GOALS = {"revenue": 40, "variety": 30, "health_score": 30}
JOB = "personalise location"
SETUP_JOB = "personalisation set-up"


class PersonalizationWizard(QWizard):
    """``PersonalizationWizard(services_or_engine, device_id, parent)``; connect :attr:`proposal_ready`.

    ``services_or_engine`` is an :class:`ai.services.Services` (sharing the designer's scorer) or the
    designer's SQLAlchemy engine (a Services is then made on it, training or loading the model as needed).
    """

    proposal_ready = Signal(object)  # dict[int, Planogram]: cabinet index → proposed planogram (object: int keys)
    decided = Signal(object)  # designer.suggestions.Decision: the proposal opened (accepted) or closed (rejected)

    def __init__(self, services_or_engine: Services | Engine, device_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if isinstance(services_or_engine, Services):
            self.services = services_or_engine
        else:
            url = services_or_engine.url.render_as_string(hide_password=False)
            self.services = Services(url, engine=services_or_engine)
        self.device_id = device_id
        self.jobs = BackgroundJobs(self)
        self.result: Personalization | None = None
        self.setWindowTitle("Personalise for the location")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, False)
        fit_to_screen(self, 1180, 760)
        self.goals_page = GoalsPage(self)
        self.proposal_page = ProposalPage(self)
        self.addPage(self.goals_page)
        self.addPage(self.proposal_page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Open as proposal")
        self.jobs.start(
            SETUP_JOB, self._read_setup, on_success=self.goals_page.set_choices, on_failure=self.goals_page.show_failure
        )

    def _read_setup(self, state: JobState) -> tuple[list[str], str, str]:
        """Location types and the device's own type and name, read off the GUI thread."""
        with self.services.reading():
            layout = self.services.repository.device_layout(self.device_id)
        return known_location_types(self.services), layout.device.location_type, layout.device.name

    def request(self) -> dict[str, object]:
        """The seed's request body for what page one says."""
        return {"device_id": self.device_id, **self.goals_page.request_fields()}

    def run(self) -> None:
        """Start (or restart) the proposal in the background with the current answers."""
        self.result = None
        payload = self.request()
        services = self.services

        def job(state: JobState) -> Personalization:
            request = read_request(payload, services)
            return personalize(services, request, should_stop=state.should_stop, progress=state.report_progress)

        self.proposal_page.show_running()
        self.jobs.start(
            JOB,
            job,
            on_success=self._finished,
            on_failure=self.proposal_page.show_failure,
            on_progress=self.proposal_page.show_progress,
        )

    def _finished(self, result: Personalization) -> None:
        self.result = result
        self.proposal_page.show_result(result, self.services)

    def accept(self) -> None:
        if self.result is not None:
            self.proposal_ready.emit(dict(self.result.planograms))
        super().accept()

    def done(self, code: int) -> None:
        self.jobs.shutdown(5_000)
        if self.result is not None:  # a proposal was shown: opening it accepts it, closing the wizard rejects it
            accepted = int(code) == QWizard.DialogCode.Accepted.value
            revenue = float(self.result.body["personalized_planogram"]["expected_daily_revenue"])
            suggestion = Suggestion(SuggestionKind.PERSONALISATION, self.device_id, Measure.DEVICE_REVENUE, revenue,
                                    details={"request": self.request()})  # fmt: skip
            self.decided.emit(Decision(suggestion, Verdict.ACCEPTED if accepted else Verdict.REJECTED))
        super().done(code)


class GoalsPage(QWizardPage):
    """Location, shoppers, traffic and the three goal sliders."""

    def __init__(self, wizard: PersonalizationWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Location and goals")
        self.setSubTitle("Describe where the machine stands and what matters most; the proposal weighs the goals.")
        self.location = QComboBox()
        self.location.setEnabled(False)
        self.age = QComboBox()
        self.age.addItems(AGE_RANGES)
        self.age.setCurrentText("18-35")
        self.male_share = QSlider(Qt.Orientation.Horizontal)
        self.male_share.setRange(0, 100)
        self.male_share.setValue(50)
        self.gender_label = QLabel()
        self.male_share.valueChanged.connect(self._show_gender)
        self.peak_hours = QLineEdit("08:00, 12:00, 15:00")
        self.peak_hours.setPlaceholderText("e.g. 08:00, 12:00, 15:00")
        self.health = QComboBox()
        self.health.addItems(HEALTH_CONSCIOUSNESS)
        self.traffic = QSpinBox()
        self.traffic.setRange(0, 100_000)
        self.traffic.setValue(0)
        self.traffic.setSpecialValueText("as the sales record")  # 0: leave daily_traffic out of the request
        self.traffic.setSuffix(" shoppers a day")
        self.sliders: dict[str, QSlider] = {}
        self.shares: dict[str, QLabel] = {}
        self.message = QLabel("Reading the device…")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {style.MUTED_TEXT.name()};")

        where = QGroupBox("Location")
        form = QFormLayout(where)
        form.addRow("Location type", self.location)
        form.addRow("Age range", self.age)
        gender = QHBoxLayout()
        gender.addWidget(self.male_share, 1)
        gender.addWidget(self.gender_label)
        form.addRow("Gender split", gender)
        form.addRow("Health consciousness", self.health)
        form.addRow("Peak hours", self.peak_hours)
        form.addRow("Daily traffic", self.traffic)
        note = QLabel(
            "Daily traffic scales demand against the shoppers the machine records, which sets facings: busy sites "
            "get fewer products with more facings. Age range and health consciousness shift categories by a "
            "stated prior table, shown with the proposal; gender split moves nothing. Peak hours mark the "
            "periods that matter most."
        )
        note.setWordWrap(True)
        note.setStyleSheet(f"color: {style.MUTED_TEXT.name()};")
        form.addRow(note)

        goals = QGroupBox("Goals")
        grid = QGridLayout(goals)
        for row, (key, text) in enumerate(GOALS):
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(0, 100)
            slider.setValue(DEFAULT_GOALS[key])
            slider.setObjectName(f"goal_{key}")
            slider.valueChanged.connect(self._show_shares)
            share = QLabel()
            share.setMinimumWidth(48)
            share.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(QLabel(text), row, 0)
            grid.addWidget(slider, row, 1)
            grid.addWidget(share, row, 2)
            self.sliders[key], self.shares[key] = slider, share
        explain = QLabel(
            "Revenue: expected sales × price from the placement model. Variety: an even spread over "
            "categories. Health score: the products' mean health score (0–10)."
        )
        explain.setWordWrap(True)
        explain.setStyleSheet(f"color: {style.MUTED_TEXT.name()};")
        grid.addWidget(explain, len(GOALS), 0, 1, 3)

        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        left.addWidget(where)
        left.addStretch(1)
        layout.addLayout(left, 1)
        right = QVBoxLayout()
        right.addWidget(goals)
        right.addWidget(self.message)
        right.addStretch(1)
        layout.addLayout(right, 1)
        self._show_gender()
        self._show_shares()

    def set_choices(self, choices: tuple[list[str], str, str]) -> None:
        types, own, name = choices
        self.location.clear()
        self.location.addItems(types)
        self.location.setCurrentText(own)
        self.location.setEnabled(True)
        article = "an" if own[:1].lower() in "aeiou" else "a"
        self.message.setText(f"{name} stands at {article} {own} location; pick another type to plan a move.")
        self.completeChanged.emit()

    def show_failure(self, error: Exception) -> None:
        self.message.setText(f"The device could not be read: {error}")

    def isComplete(self) -> bool:
        return self.location.count() > 0 and sum(s.value() for s in self.sliders.values()) > 0

    def validatePage(self) -> bool:
        wizard = self.wizard()
        assert isinstance(wizard, PersonalizationWizard)
        wizard.run()
        return True

    def request_fields(self) -> dict[str, object]:
        hours = [part.strip() for part in self.peak_hours.text().replace(";", ",").split(",") if part.strip()]
        male = self.male_share.value() / 100
        return {
            "location_context": {
                "type": self.location.currentText(),
                "demographics": {
                    "age_range": self.age.currentText(),
                    "gender_split": {"male": round(male, 2), "female": round(1 - male, 2)},
                    "health_consciousness": self.health.currentText(),
                },
                "traffic_patterns": {"peak_hours": hours}
                | ({"daily_traffic": self.traffic.value()} if self.traffic.value() else {}),
            },
            "optimization_goals": {key: slider.value() / 100 for key, slider in self.sliders.items()},
        }

    def _show_gender(self) -> None:
        male = self.male_share.value()
        self.gender_label.setText(f"{male}% male · {100 - male}% female")

    def _show_shares(self) -> None:
        total = sum(slider.value() for slider in self.sliders.values())
        for key, label in self.shares.items():
            label.setText(f"{100 * self.sliders[key].value() / total:.0f}%" if total else "–")
        self.completeChanged.emit()


class ProposalPage(QWizardPage):
    """Progress while the proposal runs, then each cabinet read-only beside the mix and suggestions."""

    def __init__(self, wizard: PersonalizationWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Proposed planogram")
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.tabs = QTabWidget()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.mix = CategoryMixBar()
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        side = QVBoxLayout()
        side.addWidget(self.summary)
        side.addWidget(QLabel("<b>Category mix</b>"))
        side.addWidget(self.mix)
        self.why_choice = QComboBox()  # the whole proposal, or one of its slots
        self.why_choice.setToolTip("What to explain: the whole proposal or one proposed slot")
        self.why_button = why_button(self, "The model's factors, data and limitations behind the chosen answer",
                                     self.show_why)  # fmt: skip
        why = QHBoxLayout()
        why.addWidget(self.why_choice, 1)
        why.addWidget(self.why_button)
        side.addLayout(why)
        reasons = QScrollArea()  # the reasons, time of day and peers can outgrow the panel
        reasons.setWidget(self.details)
        reasons.setWidgetResizable(True)
        reasons.setFrameShape(QFrame.Shape.NoFrame)
        side.addWidget(reasons, 1)
        panel = QWidget()
        panel.setLayout(side)
        panel.setFixedWidth(330)
        body = QHBoxLayout()
        body.addWidget(self.tabs, 1)
        body.addWidget(panel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(body, 1)

    def isComplete(self) -> bool:
        wizard = self.wizard()
        return isinstance(wizard, PersonalizationWizard) and wizard.result is not None

    def show_running(self) -> None:
        self.why_choice.clear()
        self.why_button.setEnabled(False)
        self.tabs.clear()
        self.summary.clear()
        self.details.clear()
        self.mix.set_mix({})
        self.progress.setValue(0)
        self.progress.show()
        self.status.setText("Working out the proposal…")
        self.completeChanged.emit()

    def show_progress(self, percent: int, message: str) -> None:
        self.progress.setValue(percent)
        if message:
            self.status.setText(message[:1].upper() + message[1:] + "…")

    def show_failure(self, error: Exception) -> None:
        self.progress.hide()
        if isinstance(error, RequestInvalid | ServiceUnavailable):
            self.status.setText(f"The proposal could not be made: {error}\nGo back to change the answers.")
        else:
            self.status.setText(f"The proposal failed ({type(error).__name__}: {error}). Go back and try again.")
        self.completeChanged.emit()

    def show_result(self, result: Personalization, services: Services) -> None:
        self.progress.hide()
        body = result.body
        plan = body["personalized_planogram"]
        competition = body["competitive_analysis"]
        catalogue: Catalogue = services.placement_scorer.catalogue  # loaded by the job: no database read here
        cabinets = result.cabinets
        self.tabs.clear()
        for cabinet in cabinets:
            self.tabs.addTab(
                self._cabinet_view(cabinet, result.planograms.get(cabinet.index), catalogue), _cabinet_title(cabinet)
            )
        proposal = result.proposal
        self.status.setText(
            f"{len(proposal.placements)} slots proposed over {len(cabinets)} cabinets in "
            f"{body['response_time_ms']:.0f} ms"
            + (
                f"; {proposal.empty_slots} left empty (more slots than suitable products)"
                if proposal.empty_slots
                else ""
            )
            + ". Read-only: open it as a proposal to compare and apply."
        )
        self.summary.setText(
            f"<b>${plan['expected_daily_revenue']:.2f}</b> expected revenue a day "
            f"({plan['expected_daily_units']:.1f} units)<br>"
            f"Mean health score <b>{plan['mean_health_score']:.1f}</b>/10 · "
            f"category diversity <b>{plan['category_diversity']:.2f}</b> · "
            f"<b>{plan['distinct_products']}</b> products"
        )
        self.mix.set_mix(plan["category_mix"])
        self.why_choice.clear()
        self.why_choice.addItem("The whole proposal", body.get("explanation"))
        for item in plan["recommendations"]:
            label = f"Cabinet {item['cabinet_index'] + 1} · {item['slot']} {item['product']}"
            self.why_choice.addItem(label, item.get("explanation"))
        self.why_button.setEnabled(bool(body.get("explanation")))
        rows = []
        for period, products in plan["time_based_suggestions"].items():
            peak = " (peak)" if period in plan["peak_periods"] else ""
            rows.append(f"<b>{period.capitalize()}{peak}</b>: {', '.join(products) or '—'}")
        peers = competition["peer_devices"]
        rate = competition["peer_revenue_per_slot"]
        versus = (
            f"{len(peers)} other {result.request.location_type} machine{'s' if len(peers) != 1 else ''}: "
            f"${rate:.2f} per slot a day against ${competition['proposed_revenue_per_slot']:.2f} proposed"
            if peers and rate is not None
            else f"No other {result.request.location_type} machines in the fleet to compare with"
        )
        self.details.setText(
            "<p><b>Why</b><br>" + "<br>".join(f"• {line}" for line in plan["reasoning"]) + "</p>"
            "<p><b>Time of day</b><br>" + "<br>".join(rows) + "</p>"
            f"<p><b>Against the fleet</b><br>{versus}<br>"
            f"Differentiation <b>{competition['differentiation_score']:.2f}</b><br>"
            f"Peers' best sellers left out: {', '.join(competition['market_gaps']) or '—'}</p>"
        )
        self.completeChanged.emit()

    def show_why(self) -> WhyDialog | None:
        """The "Why?" view of the chosen answer: the whole proposal, or one proposed slot."""
        if not self.why_button.isEnabled():
            return None
        subject = self.why_choice.currentText()
        return show_why(self, subject[:1].lower() + subject[1:], self.why_choice.currentData())

    @staticmethod
    def _cabinet_view(cabinet: Cabinet, planogram: Planogram | None, catalogue: Catalogue) -> CabinetView:
        view = CabinetView()
        view.show_cabinet(cabinet, planogram or Planogram(cabinet.device_id, cabinet.index), catalogue)
        view.setInteractive(False)  # read-only: the proposal is edited after it is opened, not here
        if view.banner is not None:  # the banner would otherwise call the unsaved proposal "no planogram"
            view.banner.detail = (
                f"Cabinet {cabinet.index} · {cabinet.rows} rows × {cabinet.columns} columns · proposal, not saved"
            )
        return view


def _cabinet_title(cabinet: Cabinet) -> str:
    return cabinet.name or f"Cabinet {cabinet.index + 1} · {cabinet.zone.value}"


class CategoryMixBar(QWidget):
    """The proposal's category shares as one stacked bar with a legend, in the designer's category colours."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._mix: dict[str, float] = {}
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(24)

    def set_mix(self, mix: dict[str, float]) -> None:
        self._mix = dict(mix)
        legend_rows = (len(self._mix) + 1) // 2
        self.setFixedHeight(30 + 17 * legend_rows)
        self.setToolTip("\n".join(f"{style.category_text(c)}: {share:.0%}" for c, share in self._mix.items()))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = self.width()
        x = 0.0
        for category, share in self._mix.items():
            span = share * width
            painter.fillRect(int(x), 2, max(round(x + span) - int(x), 1), 18, style.category_colour(category))
            x += span
        painter.setPen(QColor(style.TEXT))
        column_width = width // 2
        for number, (category, share) in enumerate(self._mix.items()):
            left = (number % 2) * column_width
            top = 28 + (number // 2) * 17
            painter.fillRect(left, top + 2, 10, 10, style.category_colour(category))
            painter.drawText(left + 14, top + 11, f"{style.category_text(category)} {share:.0%}")
        painter.end()
