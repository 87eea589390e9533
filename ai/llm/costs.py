"""What a call to Claude costs at list prices, and whether this month's cap leaves room for it.

Cost of one call = input × input price + output × output price + cache writes × 1.25 × input price + cache
reads × 0.1 × input price (5-minute prompt cache), with prices per million tokens from the model table in
Settings. Spending is summed per month (UTC) in the usage ledger, so the cap holds across restarts.
"""

from __future__ import annotations

from dataclasses import dataclass

from designer.claude_tasks import ModelChoice

CACHE_WRITE_FACTOR = 1.25
CACHE_READ_FACTOR = 0.10
MILLION = 1_000_000


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts as the Messages API reports them (``input_tokens`` excludes cached ones)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
        )

    @classmethod
    def from_sdk(cls, usage: object) -> Usage:
        """From the SDK's ``Usage`` (any missing or null count is 0)."""

        def count(name: str) -> int:
            value = getattr(usage, name, None)
            return int(value) if isinstance(value, int) else 0

        return cls(
            count("input_tokens"),
            count("output_tokens"),
            count("cache_creation_input_tokens"),
            count("cache_read_input_tokens"),
        )


def cost_usd(usage: Usage, choice: ModelChoice) -> float:
    """US dollars at list price for ``usage`` on ``choice``'s model."""
    input_price = choice.input_per_mtok / MILLION
    return (
        usage.input_tokens * input_price
        + usage.output_tokens * choice.output_per_mtok / MILLION
        + usage.cache_write_tokens * input_price * CACHE_WRITE_FACTOR
        + usage.cache_read_tokens * input_price * CACHE_READ_FACTOR
    )


def worst_case_cost_usd(estimated_input_tokens: int, choice: ModelChoice) -> float:
    """The most a call can cost: every input token written to the cache, the whole answer length used."""
    return cost_usd(Usage(0, choice.max_output_tokens, estimated_input_tokens, 0), choice)


def money(amount: float) -> str:
    """Dollars as the cost line shows them: four decimals below a cent, two above."""
    return f"${amount:.4f}" if abs(amount) < 0.01 and amount != 0 else f"${amount:.2f}"


@dataclass(frozen=True, slots=True)
class CostLine:
    """The figures behind "this explanation: $0.0004 · this month: $0.12 of $20.00"."""

    this_call_usd: float
    month_usd: float
    cap_usd: float

    def text(self, what: str = "this explanation") -> str:
        return f"{what}: {money(self.this_call_usd)} · this month: {money(self.month_usd)} of {money(self.cap_usd)}"
