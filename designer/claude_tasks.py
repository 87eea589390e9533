"""What Claude is asked to do and which model does it: the model table the LLM client and Settings share.

Plain values, so the client (``ai.llm``), the settings file (``storage.settings``) and the Settings dialog
all speak of one ``Task`` and one ``ModelChoice`` without any of them reaching into another's layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

DEFAULT_MONTHLY_CAP_USD = 20.0


class Task(StrEnum):
    """What Claude is asked to do; each task is routed to one model (the model table)."""

    SLOT_EXPLANATION = "slot_explanation"  # "why is B3 a 42?" — Haiku, real-time
    CABINET_EXPLANATIONS = "cabinet_explanations"  # every slot of a cabinet in one call — Haiku
    ANALYSIS_NARRATIVE = "analysis_narrative"  # revenue comparison, forecast summary — Sonnet
    WHAT_IF = "what_if"  # complex what-if questions — Opus
    PHOTO_COMPLIANCE = "photo_compliance"  # a cabinet photo against the planogram — Sonnet (vision)


class AnswerFormat(StrEnum):
    """How a model is made to answer in a checked shape.

    Forced tool use is the default; models that refuse it (Opus 5.5 returns 400 on a forced ``tool_choice``)
    answer through structured outputs (``output_config.format``) instead — the same JSON schema either way.
    """

    FORCED_TOOL = "forced_tool"
    JSON_SCHEMA = "json_schema"


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """One row of the model table: which model does a task, at what list price, within what time."""

    model: str
    input_per_mtok: float  # US dollars per million input tokens
    output_per_mtok: float  # US dollars per million output tokens
    timeout_s: float
    max_output_tokens: int
    answer_format: AnswerFormat = AnswerFormat.FORCED_TOOL


# Model ids and list prices from Anthropic's model pages (claude-haiku-5-5: $0.10/$0.50 for prompts up to
# 100k tokens, which ours always are; claude-sonnet-5-5: $2/$10; claude-opus-5-5: $4/$20). Editable in Settings.
DEFAULT_MODELS: dict[Task, ModelChoice] = {
    Task.SLOT_EXPLANATION: ModelChoice("claude-haiku-5-5", 0.10, 0.50, 2.0, 400),
    Task.CABINET_EXPLANATIONS: ModelChoice("claude-haiku-5-5", 0.10, 0.50, 10.0, 4000),
    Task.ANALYSIS_NARRATIVE: ModelChoice("claude-sonnet-5-5", 2.00, 10.00, 10.0, 700),
    Task.WHAT_IF: ModelChoice("claude-opus-5-5", 4.00, 20.00, 30.0, 1500, AnswerFormat.JSON_SCHEMA),
    Task.PHOTO_COMPLIANCE: ModelChoice("claude-sonnet-5-5", 2.00, 10.00, 30.0, 1200),
}


@dataclass(frozen=True, slots=True)
class LlmSettings:
    """The Claude part of the settings: the model table, the monthly spending cap, and the on/off switch."""

    models: dict[Task, ModelChoice] = field(default_factory=lambda: dict(DEFAULT_MODELS))
    monthly_cap_usd: float = DEFAULT_MONTHLY_CAP_USD
    enabled: bool = True

    def model_for(self, task: Task) -> ModelChoice:
        return self.models.get(task, DEFAULT_MODELS[task])
