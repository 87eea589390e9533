"""Settings → Access and data: retention, the idle lock and the rate limits are saved; the page says where the AI
data key lives."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends.fail import Keyring as NoKeyring
from pytestqt.qtbot import QtBot

from ai.llm.client import ClaudeClient
from storage.keys import KeyStore
from storage.settings import SettingsStore
from tests.memory_keyring import DictKeyring
from widgets.dialogs.settings import SettingsDialog

pytestmark = pytest.mark.usefixtures("no_leaked_threads")


def test_retention_and_the_idle_lock_are_saved(
    qtbot: QtBot, settings_store: SettingsStore, client: ClaudeClient, dict_keyring: DictKeyring
) -> None:
    dialog = SettingsDialog(settings_store, KeyStore(), client.test_key)
    qtbot.addWidget(dialog)
    assert "keyring" in dialog.ai_key_where.text()
    dialog.predictions_days.setValue(30)
    dialog.llm_log_days.setValue(7)
    dialog.idle_lock.setValue(5)
    dialog.accept()

    saved = SettingsStore(settings_store.path).current.data_protection
    assert (saved.predictions_days, saved.llm_log_days, saved.idle_lock_minutes) == (30, 7, 5)


def test_without_a_keyring_the_page_names_the_key_file(
    qtbot: QtBot, settings_store: SettingsStore, client: ClaudeClient
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        dialog = SettingsDialog(settings_store, KeyStore(), client.test_key)
        qtbot.addWidget(dialog)
        assert "ai-data.key" in dialog.ai_key_where.text() and "readable only by you" in dialog.ai_key_where.text()
    finally:
        keyring.set_keyring(previous)


def test_the_rate_limits_are_settings_that_the_api_command_reads(
    qtbot: QtBot, settings_store: SettingsStore, client: ClaudeClient, dict_keyring: DictKeyring
) -> None:
    dialog = SettingsDialog(settings_store, KeyStore(), client.test_key)
    qtbot.addWidget(dialog)
    assert (dialog.realtime_limit.value(), dialog.predictions_limit.value(), dialog.training_limit.value()) == (
        100,
        20,
        5,
    ), "the seed's numbers by default"
    dialog.realtime_limit.setValue(250)
    dialog.training_limit.setValue(2)
    dialog.accept()

    saved = SettingsStore(settings_store.path).current.rate_limits
    assert (saved.realtime_per_minute, saved.predictions_per_minute, saved.training_per_hour) == (250, 20, 2)
