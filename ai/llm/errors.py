"""Why Claude did not answer, in words a merchandiser can act on — and never with the key in them.

The SDK's own exceptions carry the HTTP request (whose headers hold the key) and the server's message; they
are translated here into :class:`ClaudeUnavailable` from the status code alone and raised ``from None``, so
neither the key nor the request can reach a log line, a crash report or a notice.
"""

from __future__ import annotations

from enum import StrEnum

import anthropic


class Reason(StrEnum):
    NO_KEY = "no_key"
    KEY_REJECTED = "key_rejected"
    OFFLINE = "offline"
    TIMEOUT = "timeout"
    RATE_LIMITED = "rate_limited"  # Anthropic said 429
    OVERLOADED = "overloaded"  # 529
    SERVER_ERROR = "server_error"  # other 5xx
    BAD_REQUEST = "bad_request"  # 400/404/413/422: our request or the model id is wrong
    CIRCUIT_OPEN = "circuit_open"
    LOCAL_RATE_LIMIT = "local_rate_limit"  # this app's per-user limit
    SPENDING_CAP = "spending_cap"
    MALFORMED_ANSWER = "malformed_answer"
    DISABLED = "disabled"
    NOT_PERMITTED = "not_permitted"  # the signed-in user's role (or their AI switch) does not allow AI features


# Failures worth another try within the task's time limit; the others will not change by retrying.
RETRYABLE = frozenset({Reason.OFFLINE, Reason.TIMEOUT, Reason.RATE_LIMITED, Reason.OVERLOADED, Reason.SERVER_ERROR})
# Failures that say the service is unwell: they count towards opening the circuit breaker.
SERVICE_FAILURES = RETRYABLE

_NOTICES: dict[Reason, str] = {
    Reason.NO_KEY: "Claude is not set up (no API key); showing the built-in explanation. Add a key in Settings.",
    Reason.KEY_REJECTED: "Anthropic refused the API key; showing the built-in explanation. Check the key in Settings.",
    Reason.OFFLINE: "Claude cannot be reached (offline?); showing the built-in explanation.",
    Reason.TIMEOUT: "Claude did not answer in time; showing the built-in explanation.",
    Reason.RATE_LIMITED: "Anthropic asked us to slow down (rate limit); showing the built-in explanation.",
    Reason.OVERLOADED: "Claude is overloaded right now; showing the built-in explanation.",
    Reason.SERVER_ERROR: "Claude had a server error; showing the built-in explanation.",
    Reason.BAD_REQUEST: "Anthropic refused the request (check the model ids in Settings); "
    "showing the built-in explanation.",
    Reason.CIRCUIT_OPEN: "Claude failed several times in a row, so it is paused for a minute; "
    "showing the built-in explanation.",
    Reason.LOCAL_RATE_LIMIT: "Too many Claude requests this minute; showing the built-in explanation.",
    Reason.SPENDING_CAP: "This month's Claude spending cap is reached, so no more calls are made; "
    "showing the built-in explanation. Raise the cap in Settings.",
    Reason.MALFORMED_ANSWER: "Claude's answer did not pass the checks; showing the built-in explanation.",
    Reason.DISABLED: "Claude explanations are switched off in Settings; showing the built-in explanation.",
    Reason.NOT_PERMITTED: "Your role does not allow AI features, so Claude is not asked; "
    "showing the built-in explanation. Ask an admin in CVD.",
}


class ClaudeUnavailable(Exception):
    """Claude gave no usable answer; ``notice`` is the plain-language line the GUI shows (non-blocking)."""

    def __init__(self, reason: Reason, detail: str = "", retry_after_s: float | None = None) -> None:
        self.reason = reason
        self.detail = detail
        self.retry_after_s = retry_after_s
        super().__init__(self.notice)

    @property
    def notice(self) -> str:
        text = _NOTICES[self.reason]
        return f"{text} ({self.detail})" if self.detail else text


class ClaudeCancelled(Exception):
    """The user stopped the request (Cancel in the panel)."""


def from_sdk_error(error: anthropic.AnthropicError) -> ClaudeUnavailable:
    """The SDK's exception → ours, from its class and status code only (never its message or request)."""
    if isinstance(error, anthropic.APITimeoutError):
        return ClaudeUnavailable(Reason.TIMEOUT)
    if isinstance(error, anthropic.APIConnectionError):
        return ClaudeUnavailable(Reason.OFFLINE)
    if isinstance(error, anthropic.APIStatusError):
        status = error.status_code
        if status == 401 or status == 403:
            return ClaudeUnavailable(Reason.KEY_REJECTED, f"HTTP {status}")
        if status == 429:
            return ClaudeUnavailable(Reason.RATE_LIMITED, "HTTP 429", _retry_after(error))
        if status == 529:
            return ClaudeUnavailable(Reason.OVERLOADED, "HTTP 529")
        if status >= 500:
            return ClaudeUnavailable(Reason.SERVER_ERROR, f"HTTP {status}")
        return ClaudeUnavailable(Reason.BAD_REQUEST, f"HTTP {status}")
    return ClaudeUnavailable(Reason.SERVER_ERROR, type(error).__name__)


def _retry_after(error: anthropic.APIStatusError) -> float | None:
    try:
        value = error.response.headers.get("retry-after")
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
