"""Personal data never leaves the machine: redacted from every string and sensitive field before a request."""

from __future__ import annotations

import pytest

from ai.llm.redaction import REDACTED, redact, redact_text


@pytest.mark.parametrize(
    "personal",
    [
        "test@example.com",
        "jo.doe+vending@mail.example.co.uk",
        "4111111111111111",
        "4111 1111 1111 1111",
        "5500-0000-0000-0004",
        "123-45-6789",
        "(555) 123-4567",
        "555-123-4567",
        "555.123.4567",
        "+44 20 7946 0958",
    ],
)
def test_personal_data_in_text_is_redacted(personal: str) -> None:
    assert redact_text(f"note: call {personal} today") == f"note: call {REDACTED} today"


@pytest.mark.parametrize("text", ["password: hunter2", "pwd=abc123", "Password is s3cret!", "api_key: sk-ant-xyz"])
def test_passwords_and_keys_in_text_are_redacted(text: str) -> None:
    redacted = redact_text(text)
    assert REDACTED in redacted
    assert text.split()[-1].split("=")[-1] not in redacted


def test_the_seeds_sensitive_planogram_is_stripped() -> None:
    sensitive = {"customer_email": "test@example.com", "credit_card": "4111111111111111", "ssn": "123-45-6789"}
    assert redact(sensitive) == {"customer_email": REDACTED, "credit_card": REDACTED, "ssn": REDACTED}


def test_figures_positions_and_dates_survive() -> None:
    facts = {
        "placement_score": 85.5,
        "confidence": 0.92,
        "zone_analysis": {"optimal_zones": ["A4", "A5"], "current_zone_value": 1.5},
        "note": "revenue 5062.50 from 2026-11-05, lift 16.0%, asset A-1234, sells 3.20 a day",
        "product_id": 1234567,
    }
    assert redact(facts) == facts


def test_nested_lists_and_keys_are_walked() -> None:
    facts = {"slots": [{"notes": ["ring 555-123-4567"], "contact": {"phone": 5551234567, "name": "Jo"}}]}
    assert redact(facts) == {"slots": [{"notes": [f"ring {REDACTED}"], "contact": {"phone": REDACTED, "name": "Jo"}}]}
