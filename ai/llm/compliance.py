"""Visual compliance (the seed's Visual Intelligence): a cabinet photo against the active planogram.

Claude's vision lists the slots that differ — wrong product, empty, or facing (the right product, turned or
pushed back) — through the same checked-answer path as every other task: the planogram travels as quoted
data, the answer must name only slots the planogram has, and the result is cached and audited. The photo is
downscaled by the caller before it gets here (the GUI does it with Qt, :func:`widgets.panels.explain_panel.
downscale_photo`, since this layer may not import Qt), kept in memory only and never written to disk: the
request is sent and forgotten, and the answer cache stores a hash of it, not the image.

There is no local vision model, so without Claude the check is reported as not done (``checked`` False)
with the reason, rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ai.llm.answers import Answer, AnswerRejected, ComplianceReport
from ai.llm.client import ClaudeClient
from ai.llm.costs import CostLine
from ai.llm.errors import ClaudeUnavailable, Reason
from ai.llm.prompts import Image
from designer.claude_tasks import Task

MAX_LONG_SIDE = 1568  # pixels: larger photos are shrunk by the API anyway, after being paid for in upload time
MAX_PIXELS = 1_150_000  # about 1,600 image tokens (pixels / 750): the most a photo may cost


@dataclass(frozen=True, slots=True)
class SlotDifference:
    position: str
    issue: str  # wrong_product | empty | facing
    seen: str


@dataclass(frozen=True, slots=True)
class ComplianceCheck:
    checked: bool
    differences: tuple[SlotDifference, ...]
    cost: CostLine
    reason: Reason | None = None
    notice: str | None = None


def planogram_facts(
    rows: int, columns: int, slots: Sequence[Mapping[str, Any]], temperature_zone: str = ""
) -> dict[str, Any]:
    """What Claude compares the photo with: the grid and each slot's product (``position``, ``product_name``)."""
    return {
        "cabinet": {"rows": rows, "columns": columns, "temperature_zone": temperature_zone},
        "slots": [
            {"position": str(slot["position"]), "product_name": str(slot.get("product_name") or "(empty)")}
            for slot in slots
        ],
    }


def check_photo(
    client: ClaudeClient, photo: Image, planogram: Mapping[str, Any], *, analysis_id: str | None = None
) -> ComplianceCheck:
    """The slots where ``photo`` differs from ``planogram`` (made by :func:`planogram_facts`)."""
    positions = {str(slot["position"]) for slot in planogram.get("slots", [])}

    def only_planogram_slots(answer: Answer) -> None:
        assert isinstance(answer, ComplianceReport)
        unknown = [finding.position for finding in answer.differences if finding.position not in positions]
        if unknown:
            raise AnswerRejected(f"the answer names {len(unknown)} slot(s) this planogram does not have")

    try:
        asked = client.ask(
            Task.PHOTO_COMPLIANCE,
            dict(planogram),
            images=(photo,),
            extra_check=only_planogram_slots,
            analysis_id=analysis_id,
        )
    except ClaudeUnavailable as why:
        notice = why.notice.replace("showing the built-in explanation", "the photo was not checked")
        return ComplianceCheck(False, (), client.cost_line(0.0), why.reason, notice)
    assert isinstance(asked.answer, ComplianceReport)
    differences = tuple(
        SlotDifference(finding.position, finding.issue, finding.seen) for finding in asked.answer.differences
    )
    return ComplianceCheck(True, differences, client.cost_line(asked.cost_usd))
