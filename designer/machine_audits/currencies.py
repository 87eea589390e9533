"""Which currency an ``ID4`` line means.

EVA-DTS 6 writes the ISO 4217 numeric code in ``ID402`` (840 US dollar, 978 euro) and the letter code in ``ID403``.
Older DEX/UCS firmware writes the *telephone country code* instead (``1``, ``001`` or ``0001`` for the US and Canada)
and often a ``5`` or nothing in ``ID403``: six of the seven real files in the CVD sample do. That reads as US dollars
with a warning (Canada shares the code).
"""

from __future__ import annotations

from designer.machine_audits.records import NO_CURRENCY

ISO_NUMERIC = {
    "AUD": 36,
    "BRL": 986,
    "CAD": 124,
    "CHF": 756,
    "CZK": 203,
    "DKK": 208,
    "EUR": 978,
    "GBP": 826,
    "HUF": 348,
    "JPY": 392,
    "MXN": 484,
    "NOK": 578,
    "NZD": 554,
    "PLN": 985,
    "RON": 946,
    "SEK": 752,
    "TRY": 949,
    "USD": 840,
    "ZAR": 710,
}
ISO_LETTERS = {number: code for code, number in ISO_NUMERIC.items()}
DEX_UCS_NORTH_AMERICA = 1


def currency_of(numeric: int | None, letters: str) -> tuple[str, list[str]]:
    """The currency code for ``ID402``/``ID403`` and the warnings a person should see about how it was read."""
    warnings: list[str] = []
    letters = letters.strip().upper()
    by_letters = letters if len(letters) == 3 and letters.isascii() and letters.isalpha() else ""
    if letters and not by_letters:
        warnings.append(f"ID4 field 3 {letters!r} is not an ISO 4217 letter code; ignored")
    if by_letters:
        by_number = ISO_LETTERS.get(numeric) if numeric is not None else None
        if by_number is not None and by_number != by_letters:
            warnings.append(
                f"ID4 says {by_letters} in letters but {numeric} ({by_number}) in numbers; read as {by_letters}"
            )
        return by_letters, warnings
    if numeric in ISO_LETTERS:
        return ISO_LETTERS[numeric], warnings
    if numeric == DEX_UCS_NORTH_AMERICA:
        warnings.append(
            f"ID4 currency {numeric} is DEX/UCS's country code for the US and Canada, not an ISO 4217 currency: "
            "read as USD"
        )
        return "USD", warnings
    shown = "nothing" if numeric is None else str(numeric)
    warnings.append(f"ID4 names no currency this parser knows ({shown}): amounts are kept as {NO_CURRENCY}")
    return NO_CURRENCY, warnings
