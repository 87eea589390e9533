"""Photo compliance: a downscaled cabinet photo and the planogram → the slots that differ, checked."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from ai.llm.client import ClaudeClient
from ai.llm.compliance import MAX_LONG_SIDE, MAX_PIXELS, ComplianceCheck, check_photo, planogram_facts
from ai.llm.errors import Reason
from storage.keys import KeyStore
from storage.llm_ledger import LlmLedger
from storage.settings import SettingsStore
from tests.llm.fake_messages_api import FakeMessagesApi, Reply
from tests.llm.support import FakeClock
from widgets.panels.explain_panel import ExplainPanel, PhotoProblem, downscale_photo

PLANOGRAM = planogram_facts(
    2,
    2,
    [
        {"position": "A1", "product_name": "Cola"},
        {"position": "A2", "product_name": "Water"},
        {"position": "B1", "product_name": "Chips"},
        {"position": "B2", "product_name": None},
    ],
    "refrigerated",
)


@pytest.fixture
def big_photo(qapp: object, tmp_path: Path) -> Path:
    image = QImage(4000, 3000, QImage.Format.Format_RGB32)
    image.fill(QColor("#3d5a80"))
    path = tmp_path / "cabinet.jpg"
    assert image.save(str(path), "JPEG")
    return path


def _decoded(base64_data: str) -> QImage:
    image = QImage()
    assert image.loadFromData(base64.b64decode(base64_data), "JPEG")
    return image


def test_a_photo_is_downscaled_before_it_is_sent(big_photo: Path) -> None:
    photo = downscale_photo(big_photo)
    image = _decoded(photo.base64_data)
    assert photo.media_type == "image/jpeg"
    assert max(image.width(), image.height()) <= MAX_LONG_SIDE
    assert image.width() * image.height() <= MAX_PIXELS
    assert abs(image.width() / image.height() - 4 / 3) < 0.01


def test_a_file_that_is_not_a_photo_is_named(tmp_path: Path, qapp: object) -> None:
    bad = tmp_path / "notes.jpg"
    bad.write_text("not an image")
    with pytest.raises(PhotoProblem, match=r"notes\.jpg"):
        downscale_photo(bad)


def test_differences_come_back_checked(client: ClaudeClient, fake_api: FakeMessagesApi, big_photo: Path) -> None:
    fake_api.queue(
        Reply(
            answer={
                "differences": [
                    {"position": "A1", "issue": "wrong_product", "seen": "Sprite"},
                    {"position": "B1", "issue": "empty", "seen": "nothing"},
                ]
            }
        )
    )

    result = check_photo(client, downscale_photo(big_photo), PLANOGRAM)

    assert result.checked
    assert [(d.position, d.issue) for d in result.differences] == [("A1", "wrong_product"), ("B1", "empty")]
    body = fake_api.requests[0].body
    assert body["model"] == "claude-sonnet-5-5"
    (image_block,) = [block for block in body["messages"][0]["content"] if block["type"] == "image"]
    sent = _decoded(image_block["source"]["data"])
    assert max(sent.width(), sent.height()) <= MAX_LONG_SIDE
    assert result.cost.this_call_usd > 0


def test_an_answer_naming_a_slot_the_planogram_lacks_is_refused(
    client: ClaudeClient, fake_api: FakeMessagesApi, big_photo: Path
) -> None:
    fake_api.queue(Reply(answer={"differences": [{"position": "J9", "issue": "empty", "seen": "nothing"}]}))
    result = check_photo(client, downscale_photo(big_photo), PLANOGRAM)
    assert not result.checked and result.reason is Reason.MALFORMED_ANSWER
    assert "the photo was not checked" in (result.notice or "")


def test_without_claude_the_photo_is_not_guessed(
    settings_store: SettingsStore, ledger: LlmLedger, dict_keyring: object, clock: FakeClock, big_photo: Path
) -> None:
    client = ClaudeClient(settings_store, KeyStore(), ledger, clock=clock)
    result = check_photo(client, downscale_photo(big_photo), PLANOGRAM)
    assert not result.checked and result.differences == () and result.reason is Reason.NO_KEY


@pytest.mark.usefixtures("no_leaked_threads")
def test_the_panel_lists_the_differences(
    qtbot: QtBot, client: ClaudeClient, fake_api: FakeMessagesApi, big_photo: Path, tmp_path: Path
) -> None:
    panel = ExplainPanel(client)
    qtbot.addWidget(panel)
    fake_api.queue(Reply(answer={"differences": [{"position": "A2", "issue": "facing", "seen": "label turned"}]}))
    before = sorted(path.name for path in tmp_path.rglob("*"))

    with qtbot.waitSignal(panel.photo_checked, timeout=5000) as done:
        panel.check_photo(big_photo, PLANOGRAM)

    check: ComplianceCheck = done.args[0]
    assert check.checked and panel.text.toPlainText() == "A2: facing — label turned"
    assert panel.cost.text().startswith("this photo check: $0.0")
    assert sorted(path.name for path in tmp_path.rglob("*")) == before  # no copy of the photo written anywhere
