"""Personal data out of anything sent to Claude: emails, phone numbers, card numbers, SSNs, passwords.

Applied to every string in the facts (product names, notes, questions) and to any value under a key that
names personal data (``customer_email``, ``password``…), before the request is built — so neither the
request body nor the cache key derived from it ever holds them. Numbers stay numbers: a placement score or a
revenue figure is not personal data, and the explanation needs them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[REDACTED]"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_SSN = re.compile(r"(?<!\d)\d{3}[- ]\d{2}[- ]\d{4}(?!\d)")
# 13–19 digits, optionally grouped by spaces or dashes: card numbers (checked with Luhn below).
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
# International (+44 20 7946 0958) or North-American ((555) 123-4567, 555.123.4567) phone numbers.
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\d{2,4}[\s.-])\d{3,4}[\s.-]?\d{3,4}(?![\w])")
_PASSWORD = re.compile(
    r"(?i)\b(password|passwd|pwd|pass|passcode|pin|secret|api[_ -]?key|token)\b(\s*(?:is|[:=])\s*)(\S+)"
)
_SENSITIVE_WORDS = frozenset(
    {
        "email",
        "mail",
        "phone",
        "mobile",
        "tel",
        "telephone",
        "ssn",
        "card",
        "iban",
        "password",
        "passwd",
        "pwd",
        "passcode",
        "pin",
        "secret",
        "token",
        "apikey",
    }
)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, character in enumerate(reversed(digits)):
        value = int(character)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    grouped = bool(re.fullmatch(r"\d{4}([ -]?\d{4}){3}", match.group(0)))
    return REDACTED if grouped or _luhn_valid(digits) else match.group(0)


def _sensitive_key(name: str) -> bool:
    """A key naming personal data: ``customer_email``, ``creditCard``, ``social_security_number``, ``api_key``."""
    words = [word.lower() for word in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)]
    joined = set(words) | {first + second for first, second in itertools.pairwise(words)}
    return bool(joined & _SENSITIVE_WORDS) or {"social", "security"} <= set(words)


def redact_text(text: str) -> str:
    """``text`` with personal data replaced by ``[REDACTED]``."""
    text = _EMAIL.sub(REDACTED, text)
    text = _PASSWORD.sub(lambda match: f"{match.group(1)}{match.group(2)}{REDACTED}", text)
    text = _SSN.sub(REDACTED, text)
    text = _CARD.sub(_card, text)
    return _PHONE.sub(REDACTED, text)


def redact(value: Any) -> Any:
    """A copy of ``value`` (JSON-like) with personal data redacted from every string and sensitive key."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        cleaned: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key)
            if _sensitive_key(name) and item is not None and not isinstance(item, bool):
                cleaned[redact_text(name)] = REDACTED
            else:
                cleaned[redact_text(name)] = redact(item)
        return cleaned
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value
