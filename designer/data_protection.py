"""How long a person's AI data is kept and when an idle designer locks: the data-protection settings.

Predictions (with the feedback on them) and Claude's usage log hold what a person asked and when; they are kept
only as long as these settings say, and purged when the app starts (``storage.retention``). The idle lock asks
for the password again after this many minutes without input, on a protected database. Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_DAYS = 3650
MAX_IDLE_MINUTES = 24 * 60


@dataclass(frozen=True, slots=True)
class DataProtection:
    """Retention in days (0: keep nothing past today's start) and the idle lock in minutes (0: never lock)."""

    predictions_days: int = 365
    llm_log_days: int = 90
    idle_lock_minutes: int = 15

    def problem(self) -> str | None:
        """Why these numbers cannot be used, or None."""
        for name, value, most in (
            ("predictions_days", self.predictions_days, MAX_DAYS),
            ("llm_log_days", self.llm_log_days, MAX_DAYS),
            ("idle_lock_minutes", self.idle_lock_minutes, MAX_IDLE_MINUTES),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= most:
                return f"data_protection.{name} must be a whole number from 0 to {most}"
        return None
