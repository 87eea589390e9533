"""The API key lives in the OS keyring, or — with none — in memory for the session, and never prints itself."""

from __future__ import annotations

import pickle

import keyring
import pytest

from storage.keys import NO_KEYRING_NOTICE, SERVICE, ApiKey, KeyLocation, KeyProblem, KeyStore, keyring_usable
from tests.llm.support import FAKE_KEY
from tests.memory_keyring import DictKeyring


def test_a_saved_key_is_in_the_keyring_under_the_apps_service(dict_keyring: DictKeyring) -> None:
    store = KeyStore()

    status = store.save(ApiKey(FAKE_KEY))

    assert status.location is KeyLocation.KEYRING
    assert dict_keyring.passwords == {(SERVICE, "anthropic-api-key"): FAKE_KEY}
    assert KeyStore().load() == ApiKey(FAKE_KEY)  # a new session finds it


def test_a_removed_key_is_gone(dict_keyring: DictKeyring) -> None:
    store = KeyStore()
    store.save(ApiKey(FAKE_KEY))

    status = store.remove()

    assert status.location is KeyLocation.NONE
    assert dict_keyring.passwords == {}
    assert store.load() is None
    assert store.remove().location is KeyLocation.NONE  # removing twice is fine


def test_without_a_keyring_the_key_is_kept_for_the_session_only_and_we_say_so(no_keyring: None) -> None:
    store = KeyStore()
    assert not store.keyring_available()
    assert store.status().notice == NO_KEYRING_NOTICE

    status = store.save(ApiKey(FAKE_KEY))

    assert status.location is KeyLocation.SESSION
    assert "memory for this session only" in (status.notice or "")
    assert store.load() == ApiKey(FAKE_KEY)
    assert KeyStore().load() is None  # the next start has no key
    store.remove()
    assert store.load() is None


def test_null_and_plain_text_backends_do_not_count_as_a_keyring() -> None:
    from keyring.backends import fail, null

    assert not keyring_usable(fail.Keyring())
    assert not keyring_usable(null.Keyring())
    assert keyring_usable(DictKeyring())


def test_a_key_never_shows_itself() -> None:
    key = ApiKey(f"  {FAKE_KEY}\n")

    assert key.reveal() == FAKE_KEY
    assert FAKE_KEY not in repr(key) and FAKE_KEY not in str(key) and FAKE_KEY not in f"{key}"
    assert FAKE_KEY not in repr({"key": key, "list": [key]})
    with pytest.raises(TypeError):
        pickle.dumps(key)


@pytest.mark.parametrize("pasted", ["", "   ", "sk-ant two words", "sk-ant-ключ"])
def test_an_unusable_key_is_refused_without_echoing_it(pasted: str) -> None:
    with pytest.raises(KeyProblem) as refused:
        ApiKey(pasted)
    assert pasted.strip() == "" or pasted not in str(refused.value)


def test_a_keyring_that_fails_to_store_falls_back_to_the_session(dict_keyring: DictKeyring) -> None:
    class LockedKeyring(DictKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            raise keyring.errors.KeyringLocked("locked")

    keyring.set_keyring(LockedKeyring())
    store = KeyStore()

    assert store.save(ApiKey(FAKE_KEY)).location is KeyLocation.SESSION
    assert store.load() == ApiKey(FAKE_KEY)
