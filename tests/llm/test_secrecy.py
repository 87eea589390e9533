"""A whole session with a known fake key, then a search for it everywhere it must never be.

Database file (and its WAL), settings file, every file under the user's data/config/cache dirs, every log
record at DEBUG (ours, the SDK's, the HTTP client's), and the text, repr and traceback of every exception
and result the session produced.
"""

from __future__ import annotations

import logging
import os
import traceback
from pathlib import Path

import pytest

from ai.llm.client import ClaudeClient
from ai.llm.errors import ClaudeUnavailable
from designer.claude_tasks import Task
from storage.keys import ApiKey, KeyStore
from storage.llm_ledger import LlmLedger
from storage.settings import SettingsStore
from tests.llm.fake_messages_api import FakeMessagesApi, Reply
from tests.llm.support import FAKE_KEY, revenue_facts, slot_facts


def _files_under(*folders: Path) -> list[Path]:
    return [path for folder in folders if folder.exists() for path in folder.rglob("*") if path.is_file()]


@pytest.mark.parametrize("keyring_kind", ["dict_keyring", "no_keyring"])
def test_the_key_never_reaches_disk_logs_or_error_text(
    request: pytest.FixtureRequest,
    keyring_kind: str,
    settings_store: SettingsStore,
    ledger: LlmLedger,
    database_url: str,
    fake_api: FakeMessagesApi,
    unused_port_url: str,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    request.getfixturevalue(keyring_kind)
    caplog.set_level(logging.DEBUG)
    for name in ("anthropic", "httpx2", "httpx", "httpcore", "ai", "storage"):
        caplog.set_level(logging.DEBUG, logger=name)
    keys = KeyStore()
    keys.save(ApiKey(FAKE_KEY))
    settings_store.save(settings_store.current)
    client = ClaudeClient(settings_store, keys, ledger, base_url=fake_api.url)
    texts: list[str] = []

    results: list[object] = [
        client.explain_slot(slot_facts(), "B3", "Cola"),
        client.explain_comparison(revenue_facts(), on_text=texts.append),
        client.test_key(ApiKey(FAKE_KEY)),
    ]
    for reply in (Reply.error(529, "overloaded_error"), Reply.error(429, "rate_limit_error"), Reply(answer={})):
        fake_api.queue(reply, reply)
        results.append(client.explain_slot(slot_facts(len(results)), "B3", "Cola"))
    failures: list[BaseException] = []
    for scripted in (Reply.error(500, "api_error"), Reply.error(401, "authentication_error")):
        fake_api.queue(scripted, scripted)
        try:
            client.ask(Task.SLOT_EXPLANATION, {"slot": "C1", "n": len(failures)})
        except ClaudeUnavailable as failure:
            failures.append(failure)
    offline = ClaudeClient(settings_store, keys, ledger, base_url=unused_port_url)
    try:
        offline.ask(Task.ANALYSIS_NARRATIVE, revenue_facts())
    except ClaudeUnavailable as failure:
        failures.append(failure)
    results.append(offline.test_key(ApiKey(FAKE_KEY)))
    client.close()
    offline.close()
    ledger._engine.dispose()

    assert any(FAKE_KEY in str(recorded.headers) for recorded in fake_api.requests), "the key was really used"
    assert len(failures) == 3
    leaks: list[str] = []
    database = Path(database_url.removeprefix("sqlite:///"))
    homes = [Path(os.environ[variable]) for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")]
    for file in [*database.parent.glob(database.name + "*"), settings_store.path, *_files_under(*homes)]:
        if FAKE_KEY.encode() in file.read_bytes():
            leaks.append(f"file {file}")
    for record in caplog.records:
        if FAKE_KEY in record.getMessage() or FAKE_KEY in repr(record.args) or FAKE_KEY in repr(record.__dict__):
            leaks.append(f"log record from {record.name}")
    for failure in failures:
        text = "".join(traceback.format_exception(failure)) + repr(failure) + repr(vars(failure))
        if FAKE_KEY in text:
            leaks.append(f"exception {type(failure).__name__}")
        assert failure.__cause__ is None and failure.__suppress_context__
    for result in results:
        if FAKE_KEY in repr(result):
            leaks.append(f"result {type(result).__name__}")
    if FAKE_KEY in repr(client.__dict__) or FAKE_KEY in repr(keys.__dict__):
        leaks.append("client or key store repr")
    assert leaks == []
