"""The Explain panel: figures at once, Claude's prose streaming in, a cost line, a notice on fallback, Cancel."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from ai.llm.client import ClaudeClient, Explanation
from ai.llm.errors import Reason
from storage.keys import KeyStore
from storage.llm_ledger import LlmLedger
from storage.settings import SettingsStore
from tests.llm.fake_messages_api import FakeMessagesApi, Reply
from tests.llm.support import FakeClock, revenue_facts, slot_facts
from widgets.panels.explain_panel import ExplainPanel

pytestmark = pytest.mark.usefixtures("no_leaked_threads")


@pytest.fixture
def panel(qtbot: QtBot, client: ClaudeClient) -> ExplainPanel:
    widget = ExplainPanel(client)
    qtbot.addWidget(widget)
    return widget


def test_a_slot_explanation_streams_into_the_panel_with_its_cost(
    qtbot: QtBot, panel: ExplainPanel, fake_api: FakeMessagesApi
) -> None:
    fake_api.answer_by_default(lambda body: Reply(answer=_long_answer(body), chunk_delay_s=0.01))
    partial: list[str] = []
    panel.text.textChanged.connect(lambda: partial.append(panel.text.toPlainText()))

    with qtbot.waitSignal(panel.explained, timeout=5000) as done:
        panel.explain_slot(slot_facts(42), "B3", "<script>alert('XSS')</script>")
        assert panel.figures.text() == "score 42/100 · confidence 81% · zone value 1.50× · better slots: A4, A5"
        assert panel.cancel_button.isEnabled()

    explanation: Explanation = done.args[0]
    assert not explanation.fallback
    assert fake_api.requests[0].body["stream"] is True
    assert len({text for text in partial if text}) > 3, "the text grew piece by piece"
    assert panel.text.toPlainText() == explanation.text
    assert panel.title.text() == "B3 · <script>alert('XSS')</script>"  # shown as text, not rendered
    assert panel.cost.text().startswith("this explanation: $0.0")
    assert panel.cost.text().endswith("of $20.00")
    assert panel.notice_label.isHidden()
    assert not panel.cancel_button.isEnabled()


def test_without_claude_the_local_explanation_shows_with_a_notice(
    qtbot: QtBot, settings_store: SettingsStore, ledger: LlmLedger, dict_keyring: object, clock: FakeClock
) -> None:
    panel = ExplainPanel(ClaudeClient(settings_store, KeyStore(), ledger, clock=clock))
    qtbot.addWidget(panel)

    with qtbot.waitSignal(panel.explained, timeout=5000) as done, qtbot.waitSignal(panel.notice):
        panel.explain_slot(slot_facts(42), "B3", "Cola")

    assert done.args[0].fallback and done.args[0].reason is Reason.NO_KEY
    assert panel.notice_label.isVisibleTo(panel)
    assert "Add a key in Settings" in panel.notice_label.text()
    assert panel.text.toPlainText().startswith("Cola in B3 is a weak placement")
    assert panel.cost.text() == "this explanation: $0.00 · this month: $0.00 of $20.00"


def test_cancel_stops_the_stream_and_drops_the_answer(
    qtbot: QtBot, panel: ExplainPanel, fake_api: FakeMessagesApi, ledger: LlmLedger
) -> None:
    fake_api.answer_by_default(lambda body: Reply(answer=_long_answer(body), chunk_delay_s=0.05))
    arrived: list[object] = []
    panel.explained.connect(arrived.append)
    panel.explain_comparison(revenue_facts())
    qtbot.waitUntil(lambda: bool(panel.text.toPlainText()), timeout=5000)

    with qtbot.waitSignal(panel.cancelled, timeout=1000):
        panel.cancel_button.click()

    assert panel.status.text() == "Cancelled." and not panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: any(call.outcome == "cancelled" for call in ledger.calls()), timeout=5000)
    qtbot.wait(100)
    assert arrived == []


def test_a_new_request_replaces_the_running_one(qtbot: QtBot, panel: ExplainPanel, fake_api: FakeMessagesApi) -> None:
    fake_api.answer_by_default(lambda body: Reply(answer=_long_answer(body), chunk_delay_s=0.05))
    shown: list[Explanation] = []
    panel.explained.connect(shown.append)
    panel.explain_slot(slot_facts(10), "A1", "Water")
    fake_api.answer_by_default(None)

    with qtbot.waitSignal(panel.explained, timeout=5000):
        panel.explain_slot(slot_facts(90), "C3", "Cola")

    qtbot.wait(200)
    assert [explanation.title for explanation in shown] == ["C3 · Cola"]


def _long_answer(body: dict[str, object]) -> dict[str, str]:
    """An answer long enough to arrive in many pieces, in the shape the request's tool asks for."""
    if "give_slot_explanation" in str(body.get("tools")):
        return {
            "explanation": "Eye level helps this product: shoppers see it first, and it sits next to the drinks "
            "it is often bought with. It is held back by being far from the snacks at the other end of the cabinet.",
        }
    return {
        "headline": "A better cabinet",
        "narrative": "The proposed planogram moves the best sellers to eye level, which is where most of the "
        "predicted gain comes from; the interval is narrow and the change pays for itself quickly.",
    }
