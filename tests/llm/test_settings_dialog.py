"""The Settings dialog: save, test and remove the key; edit the model table, the cap and the labour cost."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from ai.llm.client import ClaudeClient
from designer.claude_tasks import AnswerFormat, Task
from storage.keys import SERVICE, ApiKey, KeyStore
from storage.settings import SettingsStore
from tests.llm.fake_messages_api import FakeMessagesApi, Reply
from tests.llm.support import FAKE_KEY
from tests.memory_keyring import DictKeyring
from widgets.dialogs.settings import SettingsDialog

pytestmark = pytest.mark.usefixtures("no_leaked_threads")


def make_dialog(qtbot: QtBot, settings_store: SettingsStore, keys: KeyStore, client: ClaudeClient) -> SettingsDialog:
    dialog = SettingsDialog(settings_store, keys, client.test_key, month_spent=client.month_spent)
    qtbot.addWidget(dialog)
    return dialog


def test_a_pasted_key_is_saved_to_the_keyring_and_the_field_cleared(
    qtbot: QtBot, settings_store: SettingsStore, client: ClaudeClient, dict_keyring: DictKeyring
) -> None:
    keys = KeyStore()
    keys.remove()
    dialog = make_dialog(qtbot, settings_store, keys, client)
    assert dialog.key_field.echoMode() == dialog.key_field.EchoMode.Password
    assert dialog.key_field.text() == ""
    assert not dialog.remove_key_button.isEnabled()

    dialog.key_field.setText(FAKE_KEY)
    dialog.save_key_button.click()

    assert dict_keyring.passwords[(SERVICE, "anthropic-api-key")] == FAKE_KEY
    assert dialog.key_field.text() == ""  # the key is never shown back
    assert dialog.key_status.text() == "A key is saved in this computer's keyring."
    assert dialog.keyring_notice.isHidden()

    dialog.remove_key_button.click()
    assert dict_keyring.passwords == {}
    assert dialog.key_status.text().startswith("No key is set")


def test_test_sends_one_token_in_a_worker_and_reports(
    qtbot: QtBot, settings_store: SettingsStore, keys: KeyStore, client: ClaudeClient, fake_api: FakeMessagesApi
) -> None:
    dialog = make_dialog(qtbot, settings_store, keys, client)

    with qtbot.waitSignal(dialog.key_tested, timeout=5000) as tested:
        dialog.test_key_button.click()
        assert dialog.test_result.text() == "Testing…"

    assert tested.args[0].ok
    assert dialog.test_result.text() == "The key works: Anthropic answered."
    assert fake_api.requests[0].body["max_tokens"] == 1

    fake_api.queue(Reply.error(401, "authentication_error"))
    dialog.key_field.setText("sk-ant-wrong-key")
    with qtbot.waitSignal(dialog.key_tested, timeout=5000) as refused:
        dialog.test_key_button.click()
    assert not refused.args[0].ok and "refused" in dialog.test_result.text()


def test_without_a_keyring_the_dialog_says_so_plainly(
    qtbot: QtBot, settings_store: SettingsStore, client: ClaudeClient, no_keyring: None
) -> None:
    keys = KeyStore()
    dialog = make_dialog(qtbot, settings_store, keys, client)
    assert dialog.keyring_notice.isVisibleTo(dialog)
    assert "no system keyring" in dialog.keyring_notice.text()
    assert dialog.save_key_button.text() == "Keep for this session"

    dialog.key_field.setText(FAKE_KEY)
    dialog.save_key_button.click()

    assert keys.load() == ApiKey(FAKE_KEY)
    assert dialog.key_status.text() == "A key is set for this session only."
    assert FAKE_KEY not in settings_store.path.read_text()


def test_the_model_table_cap_and_labour_cost_are_saved(
    qtbot: QtBot, settings_store: SettingsStore, keys: KeyStore, client: ClaudeClient
) -> None:
    dialog = make_dialog(qtbot, settings_store, keys, client)
    row = list(Task).index(Task.ANALYSIS_NARRATIVE)
    dialog.models.item(row, 1).setText("claude-sonnet-5-6")
    dialog.models.item(row, 2).setText("2.5")
    formats = dialog.models.cellWidget(row, 6)
    assert isinstance(formats, QComboBox)
    formats.setCurrentIndex(formats.findData(AnswerFormat.JSON_SCHEMA.value))
    dialog.cap.setValue(12.5)
    dialog.labour.setValue(2.25)

    dialog.accept()

    saved = SettingsStore(settings_store.path).current
    narrative = saved.llm.model_for(Task.ANALYSIS_NARRATIVE)
    assert (narrative.model, narrative.input_per_mtok, narrative.answer_format) == (
        "claude-sonnet-5-6",
        2.5,
        AnswerFormat.JSON_SCHEMA,
    )
    assert saved.llm.monthly_cap_usd == 12.5 and saved.labour_cost_per_slot == 2.25
    assert dialog.result() == dialog.DialogCode.Accepted


def test_a_value_that_is_not_a_number_is_named_and_nothing_saved(
    qtbot: QtBot, settings_store: SettingsStore, keys: KeyStore, client: ClaudeClient
) -> None:
    before = settings_store.path.read_text()
    dialog = make_dialog(qtbot, settings_store, keys, client)
    dialog.models.item(0, 3).setText("cheap")

    dialog.accept()

    assert "'cheap'" in dialog.error.text() and "Slot explanation" in dialog.error.text()
    assert settings_store.path.read_text() == before
    assert dialog.result() != dialog.DialogCode.Accepted
